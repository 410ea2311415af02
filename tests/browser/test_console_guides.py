"""The setup guide and the troubleshooting guide done in a real browser, by clicking only, across
both consoles: the EZITXT portal, the Okta Admin Console and Okta's end-user sign-in page, with
the real connector between mock Okta and mock EZITXT.

The setup values travel as a person moves them: the portal's Copy buttons put them on the
clipboard, and they are pasted into Okta's form. The code is read on the portal's Handsets page
(or, after a fallback, in Okta's own provider's outbox), never through an API.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
import trustme
from playwright.sync_api import BrowserContext, Page, expect

from connector.app import create_app as create_connector
from connector.settings import load_settings
from mocks.ezitxt.app import create_app as create_ezitxt
from mocks.ezitxt.backend import EzitxtBackend
from mocks.okta.app import create_app as create_okta
from tests.browser.conftest import (
    EZITXT_CONSOLE,
    OKTA_CONSOLE,
    OKTA_TOKEN,
    TIMINGS,
    EzitxtServer,
    OktaServer,
    Shot,
    portal_sign_in,
)
from tests.servers import serve

pytestmark = pytest.mark.slow

APPLICATION = "okta-inline-hook"
HOOK_NAME = "EZITXT SMS"
PERSON = {
    "First name": "Aroha",
    "Last name": "Ngata",
    "Username": "aroha.ngata@example.co.nz",
    "Primary email": "aroha.ngata@example.co.nz",
    "Mobile phone": "+64211234567",
}
LOGIN, MOBILE = PERSON["Username"], PERSON["Mobile phone"]
# A UK mobile: the connector's default policy sends to NZ and AU only, so its hook answers an
# error object whose errorSummary Okta shows this user.
ABROAD = {
    **PERSON,
    "Username": "tama.abroad@example.co.nz",
    "Primary email": "tama.abroad@example.co.nz",
    "Mobile phone": "+447911123456",
}
CODE = re.compile(r"\b(\d{6})\b")


@dataclass(frozen=True)
class Chain:
    """Mock EZITXT, the connector (HTTPS, a local CA) and mock Okta trusting that CA."""

    ezitxt: EzitxtServer
    connector: str
    okta: OktaServer


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("browser-tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_tls)
    backend = EzitxtBackend(db_path=":memory:", timings=TIMINGS)
    ezitxt_app = create_ezitxt(
        backend, console_user=EZITXT_CONSOLE.user, console_password=EZITXT_CONSOLE.password
    )
    with serve(ezitxt_app) as ezitxt_url:
        connector_app = create_connector(load_settings({}, gateway_url=ezitxt_url))
        with serve(connector_app, ssl_context=server_tls) as connector_url:
            # What the portal shows as the Okta Setup Values' URL (the stack's --hook-url).
            backend.hook_url = f"{connector_url}/okta/telephony"
            okta_app = create_okta(
                api_token=OKTA_TOKEN,
                ca_file=str(ca_file),
                challenge_interval_s=0.0,  # the same user signs in several times in a row
                console_user=OKTA_CONSOLE.user,
                console_password=OKTA_CONSOLE.password,
            )
            with serve(okta_app) as okta_url:
                yield Chain(EzitxtServer(ezitxt_url, backend), connector_url, OktaServer(okta_url))


@pytest.fixture
def fresh(chain: Chain) -> Chain:
    """The chain with both mocks emptied (their consoles' accounts stay)."""
    with requests.Session() as http:
        http.trust_env = False
        for url in (chain.ezitxt.url("/_mock/reset"), chain.okta.url("/_mock/reset")):
            assert http.post(url, timeout=5).status_code in (200, 204)
    return chain


# The steps, as a person does them.


def admin_menu(admin: Page, item: str) -> None:
    admin.get_by_role("navigation", name="Admin menu").get_by_role("link", name=item).click()


def portal_menu(portal: Page, item: str) -> None:
    portal.get_by_role("navigation", name="Menu").get_by_role("link", name=item).click()


def paste(page: Page, label: str) -> None:
    """Paste the clipboard into the field with that label, as Ctrl+V does."""
    field = page.get_by_label(label, exact=True)
    field.click()
    field.press("ControlOrMeta+a")
    field.press("ControlOrMeta+v")


def copy_setup_value(portal: Page, label: str) -> str:
    """Click the Copy button of one Okta Setup Value; what is now on the clipboard."""
    row = portal.locator("#okta-setup-values dd").filter(has=portal.get_by_label(label, exact=True))
    row.get_by_role("button", name="Copy").click()
    copied: str = portal.evaluate("navigator.clipboard.readText()")
    return copied


def generate_new_password(portal: Page, shot: Shot, name: str) -> None:
    portal_menu(portal, "Okta Inline Hook")
    portal.get_by_role("button", name="Generate New Password").click()
    expect(portal.get_by_role("heading", name="Generate New Password")).to_be_visible()
    shot(portal, f"{name}-confirm")
    portal.get_by_role("button", name="Generate New Password").click()
    expect(portal.get_by_text("Shown once.")).to_be_visible()
    shot(portal, f"{name}-setup-values")


def admin_sign_in(admin: Page, okta: OktaServer, shot: Shot) -> None:
    admin.goto(okta.url("/admin"))
    admin.get_by_label("Username").fill(okta.console.user)
    admin.get_by_label("Password").fill(okta.console.password)
    shot(admin, "okta-admin-sign-in")
    admin.get_by_role("button", name="Sign In").click()
    expect(admin.get_by_role("navigation", name="Admin menu")).to_be_visible()
    shot(admin, "okta-admin-dashboard")


def add_telephony_hook(admin: Page, portal: Page, shot: Shot) -> dict[str, str]:
    """Workflow > Inline Hooks > Add Inline Hook > Telephony, the three values pasted from the
    portal's Okta Setup Values; the values, as they were copied."""
    admin_menu(admin, "Inline Hooks")
    expect(admin.get_by_role("heading", name="Inline Hooks")).to_be_visible()
    shot(admin, "okta-inline-hooks")
    admin.locator("summary", has_text="Add Inline Hook").click()
    admin.get_by_role("menuitem", name="Telephony").click()
    admin.get_by_label("Name", exact=True).fill(HOOK_NAME)
    copied = {}
    for portal_label, okta_label in (
        ("URL", "URL"),
        ("Authentication Field", "Authentication field"),
        ("Authentication Secret", "Authentication secret"),
    ):
        copied[portal_label] = copy_setup_value(portal, portal_label)
        paste(admin, okta_label)
    expect(admin.get_by_label("HTTP headers")).to_be_checked()
    shot(admin, "okta-add-inline-hook")
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("heading", name=re.compile(HOOK_NAME))).to_be_visible()
    expect(admin.get_by_text(copied["URL"], exact=True)).to_be_visible()
    shot(admin, "okta-inline-hook-saved")
    return copied


def add_person(admin: Page, shot: Shot, person: dict[str, str] = PERSON) -> None:
    admin_menu(admin, "People")
    admin.get_by_role("link", name="Add person").first.click()
    for label, value in person.items():
        admin.get_by_label(label, exact=True).fill(value)
    shot(admin, "okta-add-person")
    admin.get_by_role("button", name="Save").click()
    admin_menu(admin, "People")
    expect(admin.locator("#people")).to_contain_text(person["Username"])
    shot(admin, "okta-people")


def set_up_by_clicking(
    context: BrowserContext, portal: Page, chain: Chain, shot: Shot
) -> tuple[Page, dict[str, str]]:
    """The setup guide: the application and its password in the portal, the hook and the
    person in Okta. The Okta Admin Console's tab, and the values copied."""
    portal_sign_in(portal, chain.ezitxt, shot)
    portal.get_by_label("Application Name").fill(APPLICATION)
    portal.get_by_role("button", name="Create Application").click()
    expect(portal.get_by_text("Application created")).to_be_visible()
    shot(portal, "portal-application-created")
    generate_new_password(portal, shot, "portal-generate-new-password")
    admin = context.new_page()
    admin_sign_in(admin, chain.okta, shot)
    copied = add_telephony_hook(admin, portal, shot)
    add_person(admin, shot)
    return admin, copied


def ask_for_a_code(user: Page, okta: OktaServer, shot: Shot, name: str, login: str = LOGIN) -> None:
    """The end user: username, Next, Receive a code via SMS."""
    user.goto(okta.url("/"))
    user.get_by_label("Username").fill(login)
    shot(user, f"{name}-username")
    user.get_by_role("button", name="Next").click()
    expect(user.get_by_role("heading", name="Verify with your phone")).to_be_visible()
    shot(user, f"{name}-receive-a-code")
    user.get_by_role("button", name="Receive a code via SMS").click()
    expect(user.get_by_text("A code was sent to")).to_be_visible()


def code_on_handset(portal: Page, shot: Shot, name: str, already: int = 0) -> str:
    """The newest SMS on the test phone, read on the portal's Handsets page; waits (bounded)
    until more than ``already`` messages have arrived."""
    portal_menu(portal, "Handsets")
    portal.get_by_label("Phone number").fill(MOBILE)
    portal.get_by_role("button", name="Open inbox").click()
    messages = portal.locator("article.sms .text")
    for _ in range(50):  # the SMS walks to "received" in well under a second here
        if messages.count() > already:
            break
        portal.wait_for_timeout(100)
        portal.reload()
    expect(messages).to_have_count(already + 1)
    shot(portal, f"{name}-handset")
    found = CODE.search(messages.first.inner_text())
    assert found is not None
    return found.group(1)


def enter_code(user: Page, code: str, shot: Shot, name: str) -> None:
    user.get_by_label("Enter Code").fill(code)
    user.get_by_role("button", name="Verify").click()
    expect(user.get_by_text("You are signed in.").first).to_be_visible()
    shot(user, f"{name}-signed-in")


def report_count(portal: Page, shot: Shot, name: str) -> int:
    portal_menu(portal, "Mobile Report")
    expect(portal.get_by_role("heading", name="Mobile Report")).to_be_visible()
    shot(portal, f"{name}-mobile-report")
    text = portal.locator("#matching").inner_text()
    found = re.match(r"(\d+|No) messages?", text)
    assert found is not None, text
    return 0 if found.group(1) == "No" else int(found.group(1))


# The guides.


def test_setup_guide_by_clicking_only(
    context: BrowserContext, page: Page, fresh: Chain, shot: Shot
) -> None:
    portal = page
    admin, copied = set_up_by_clicking(context, portal, fresh, shot)
    assert copied["URL"] == f"{fresh.connector}/okta/telephony"
    assert copied["Authentication Field"] == "Authorization"
    assert copied["Authentication Secret"].startswith("Basic ")

    user = context.new_page()
    ask_for_a_code(user, fresh.okta, shot, "sign-in")
    qa_note = user.get_by_test_id("qa-note")
    expect(qa_note).to_contain_text("Sent through the telephony inline hook (SUCCESSFUL, HTTP 200")
    shot(user, "sign-in-enter-code")
    code = code_on_handset(portal, shot, "sign-in")
    enter_code(user, code, shot, "sign-in")
    assert report_count(portal, shot, "after-sign-in") == 1


def test_troubleshooting_guide_stale_secret_then_fixed(
    context: BrowserContext, page: Page, fresh: Chain, shot: Shot
) -> None:
    portal = page
    admin, _ = set_up_by_clicking(context, portal, fresh, shot)
    before = report_count(portal, shot, "before")

    # Generate New Password in EZITXT, and do not update Okta yet.
    generate_new_password(portal, shot, "portal-generate-again")
    new_secret = copy_setup_value(portal, "Authentication Secret")
    portal.get_by_role("link", name="Done: back to Okta Inline Hook").click()

    # The next sign-in fails over: the user sees the code page as always, and gets the code
    # from Okta's own provider; only the QA note says the hook failed.
    user = context.new_page()
    ask_for_a_code(user, fresh.okta, shot, "failover")
    expect(user.get_by_role("alert")).to_have_count(0)
    qa_note = user.get_by_test_id("qa-note")
    expect(qa_note).to_contain_text("The inline hook failed (HTTP_ERROR: Hook answered HTTP 401)")
    expect(qa_note).to_contain_text("Okta's own provider sent this code instead")
    shot(user, "failover-enter-code")
    user.get_by_role("link", name="Okta's outbox").click()
    expect(user.get_by_role("heading", name="Okta's outbox")).to_be_visible()
    shot(user, "failover-okta-outbox")
    found = CODE.search(user.locator(".outbox .selected .sms-text").inner_text())
    assert found is not None
    user.go_back()
    enter_code(user, found.group(1), shot, "failover")

    # System Log: the failed hook call, with its HTTP 401.
    admin_menu(admin, "System Log")
    events = admin.locator("#events")
    failed = events.locator("tr").filter(has_text="inline_hook.executed")
    expect(failed.first).to_contain_text("Failure")
    expect(failed.first).to_contain_text("Hook answered HTTP 401")
    shot(admin, "okta-system-log")
    failed.first.get_by_role("link").click()
    # Its debug data, as the admin reads it in the event's detail.
    expect(admin.get_by_role("row", name="httpStatus 401", exact=True)).to_be_visible()
    shot(admin, "okta-system-log-event")

    # The Mobile Report has no new message: the gateway refused the old password.
    assert report_count(portal, shot, "after-failover") == before

    # Paste the new secret into the hook: it is still on the clipboard from its Copy button.
    admin_menu(admin, "Inline Hooks")
    admin.get_by_role("link", name=HOOK_NAME).click()
    admin.get_by_role("link", name="Edit").click()
    paste(admin, "Authentication secret")
    assert admin.get_by_label("Authentication secret", exact=True).input_value() == new_secret
    shot(admin, "okta-edit-inline-hook")
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("heading", name=re.compile(HOOK_NAME))).to_be_visible()

    # The next sign-in works, through the hook, and the Mobile Report shows it.
    user.get_by_role("button", name="Sign out").click()
    ask_for_a_code(user, fresh.okta, shot, "fixed")
    expect(user.get_by_test_id("qa-note")).to_contain_text(
        "Sent through the telephony inline hook (SUCCESSFUL, HTTP 200"
    )
    note = user.get_by_test_id("qa-note").inner_text()
    message_id = re.search(r"transaction ([0-9a-f-]+)\)", note)
    assert message_id is not None, note
    code = code_on_handset(portal, shot, "fixed", already=before)
    enter_code(user, code, shot, "fixed")
    assert report_count(portal, shot, "after-fix") == before + 1
    portal.get_by_label("Message ID").fill(message_id.group(1))
    portal.get_by_role("button", name="Search").click()
    expect(portal.locator("#report tbody tr")).to_have_count(1)
    expect(portal.locator("#report")).to_contain_text(APPLICATION)
    shot(portal, "fixed-mobile-report-message")


def test_the_user_sees_the_hooks_error_summary(
    context: BrowserContext, page: Page, fresh: Chain, shot: Shot
) -> None:
    """The hook answers an error object (the connector's country policy): Okta shows its
    errorSummary to the user, and its own provider sends the code; the gateway sent nothing."""
    portal = page
    admin, _ = set_up_by_clicking(context, portal, fresh, shot)
    add_person(admin, shot, ABROAD)
    user = context.new_page()
    ask_for_a_code(user, fresh.okta, shot, "abroad", login=ABROAD["Username"])
    expect(user.get_by_role("alert")).to_have_text(
        "Text messages cannot be sent to this phone number's country. Ask your administrator."
    )
    expect(user.get_by_test_id("qa-note")).to_contain_text("The inline hook failed (ERROR")
    shot(user, "abroad-enter-code")
    user.get_by_role("link", name="Okta's outbox").click()
    found = CODE.search(user.locator(".outbox .selected .sms-text").inner_text())
    assert found is not None
    shot(user, "abroad-okta-outbox")
    user.go_back()
    enter_code(user, found.group(1), shot, "abroad")
    assert report_count(portal, shot, "abroad") == 0
