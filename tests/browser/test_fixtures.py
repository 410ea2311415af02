"""The browser fixtures themselves: both mocks up on loopback, screenshots where promised, every
page landed on accounted for, untidy pages found."""

from __future__ import annotations

import requests
from playwright.sync_api import Browser, Page

from tests.browser.conftest import SCREENSHOTS, UNTIDY_JS, EzitxtServer, OktaServer, Shot, Visits


def test_okta_fixture_serves_its_api_with_the_token(okta: OktaServer) -> None:
    with requests.Session() as http:
        http.trust_env = False
        hooks = http.get(
            okta.url("/api/v1/inlineHooks"),
            headers={"Authorization": f"SSWS {okta.token}"},
            timeout=5,
        )
        refused = http.get(okta.url("/api/v1/inlineHooks"), timeout=5)
    assert hooks.status_code == 200 and hooks.json() == []
    assert refused.status_code == 401
    assert okta.base.startswith("http://127.0.0.1:")


def test_shot_saves_a_full_page_png_per_test(page: Page, ezitxt: EzitxtServer, shot: Shot) -> None:
    page.goto(ezitxt.url("/"))
    path = shot(page, "sign in page")
    assert path == SCREENSHOTS / "test_shot_saves_a_full_page_png_per_test" / "sign_in_page.png"
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_visits_name_each_page_landed_on_without_a_screenshot(
    browser: Browser, ezitxt: EzitxtServer
) -> None:
    own = Visits()
    context = browser.new_context()
    try:
        context.on("page", own.watch)
        page = context.new_page()
        page.goto(ezitxt.url("/"))
        own.shot.add("/")  # what shot() records
        page.goto(ezitxt.url("/handsets"))  # redirected to sign-in: "/" again
        page.goto(ezitxt.url("/no-such-page"))
    finally:
        context.close()
    assert list(own.landed) == ["/", "/no-such-page"]
    assert own.missing() == [ezitxt.url("/no-such-page")]


def test_untidy_finds_a_table_running_past_its_box(page: Page) -> None:
    page.set_content(
        '<div id="box" style="width:300px;overflow-x:auto"><table><tr>'
        + "<td>column</td>" * 40
        + '</tr></table></div><label class="sr" style="position:absolute;width:1px;'
        'overflow:hidden">a long screen-reader label</label><input value="' + "x" * 300 + '">'
    )
    assert page.evaluate(UNTIDY_JS) == [
        "div#box holds "
        + str(page.evaluate("document.getElementById('box').scrollWidth"))
        + "px in 300px"
    ]
    page.set_content(
        '<div style="width:300px;overflow-x:auto"><table><tr><td>fits</td></tr></table></div>'
    )
    assert page.evaluate(UNTIDY_JS) == []


def test_visits_note_a_request_to_any_other_host(browser: Browser, ezitxt: EzitxtServer) -> None:
    own = Visits()
    context = browser.new_context()
    try:
        context.on("page", own.watch)
        page = context.new_page()
        # Answered here, so the test never reaches the network.
        page.route("http://fonts.example/**", lambda route: route.fulfill(body=""))
        # From a blank page: the consoles' own CSP would stop the fetch before it is a request.
        page.evaluate("fetch('http://fonts.example/a.css').catch(() => null)")
        page.wait_for_timeout(200)
        page.goto(ezitxt.url("/"))
    finally:
        context.close()
    assert own.offsite == ["http://fonts.example/a.css"]
