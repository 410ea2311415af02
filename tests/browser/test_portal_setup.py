"""The EZITXT portal's setup pages in a real browser: sign in, create the application, Generate
New Password (confirmed), read the Okta Setup Values (Show and Copy), sign out."""

from __future__ import annotations

import base64

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import EzitxtServer, Shot, portal_sign_in

pytestmark = pytest.mark.slow


def test_sign_in_refuses_a_wrong_password_then_signs_in(
    page: Page, ezitxt: EzitxtServer, shot: Shot
) -> None:
    page.goto(ezitxt.url("/handsets?number=%2B64211234567"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("User name").fill(ezitxt.console.user)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong user name or password")
    shot(page, "sign-in-refused")
    page.get_by_label("Password").fill(ezitxt.console.password)
    page.get_by_role("button", name="Sign in").click()
    # Back where the sign-in page was asked for.
    expect(page.get_by_role("heading", name="Handsets", exact=True)).to_be_visible()
    shot(page, "back-at-handsets")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(page, "signed-out")
    page.goto(ezitxt.url("/integrations/api-configuration/okta-inline-hook"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(page, "okta-inline-hook-needs-sign-in")


def test_setup_values_by_clicking(page: Page, ezitxt: EzitxtServer, shot: Shot) -> None:
    portal_sign_in(page, ezitxt, shot)
    page.get_by_role("link", name="Okta Inline Hook").click()
    expect(page.get_by_text("Integrations > API Configuration > Okta Inline Hook")).to_be_visible()
    shot(page, "okta-inline-hook-empty")
    page.get_by_label("Application Name").fill("okta-hook")
    page.get_by_role("button", name="Create Application").click()
    expect(page.get_by_text("Application created")).to_be_visible()
    expect(page.locator("#authentication-details")).to_contain_text("Not generated yet")
    shot(page, "okta-inline-hook-created")

    page.get_by_role("button", name="Generate New Password").click()
    expect(page.get_by_role("heading", name="Generate New Password")).to_be_visible()
    shot(page, "generate-new-password-confirm")
    page.get_by_role("button", name="Generate New Password").click()
    expect(page.get_by_text("Shown once.")).to_be_visible()

    url = page.get_by_label("URL", exact=True)
    field = page.get_by_label("Authentication Field")
    secret = page.get_by_label("Authentication Secret")
    expect(url).to_have_value(ezitxt.backend.hook_url)
    expect(field).to_have_value("Authorization")
    expect(secret).to_have_attribute("type", "password")  # masked until Show
    shot(page, "setup-values-masked")
    setup = page.locator("#okta-setup-values")
    setup.get_by_role("button", name="Show").click()
    expect(secret).to_have_attribute("type", "text")
    expect(setup.get_by_role("button", name="Hide")).to_be_visible()
    shot(page, "setup-values-shown")
    value = secret.input_value()
    decoded = base64.b64decode(value.removeprefix("Basic ")).decode()
    assert decoded.startswith("okta-hook:") and len(decoded) > len("okta-hook:") + 10

    setup.get_by_role("button", name="Copy").nth(2).click()
    expect(setup.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == value

    # The copied secret is a working gateway credential.
    with requests.Session() as http:
        http.trust_env = False
        sent = http.post(
            ezitxt.url("/rest/sms/v2/messages"),
            json={"destination": "+64211234567", "content": "Your code is 123456"},
            headers={"Authorization": value},
            timeout=5,
        )
    assert sent.status_code == 202, sent.text

    # Back on the page, the secret is gone for good: only that it was generated.
    page.get_by_role("link", name="Done: back to Okta Inline Hook").click()
    expect(page.locator("#authentication-details")).to_contain_text("Generated")
    assert value not in page.content()
    shot(page, "okta-inline-hook-after")


def test_generate_new_password_stops_the_old_one_at_once(
    page: Page, ezitxt: EzitxtServer, shot: Shot
) -> None:
    portal_sign_in(page, ezitxt, shot)
    page.get_by_label("Application Name").fill("okta-hook")
    page.get_by_role("button", name="Create Application").click()
    secrets = []
    for _ in range(2):
        page.get_by_role("button", name="Generate New Password").click()
        page.get_by_role("button", name="Generate New Password").click()
        secrets.append(page.get_by_label("Authentication Secret").input_value())
        page.get_by_role("link", name="Done: back to Okta Inline Hook").click()
    old, new = secrets
    assert old != new
    with requests.Session() as http:
        http.trust_env = False

        def send(secret: str) -> int:
            return http.post(
                ezitxt.url("/rest/sms/v2/messages"),
                json={"destination": "+64211234567", "content": "Your code is 123456"},
                headers={"Authorization": secret},
                timeout=5,
            ).status_code

        assert send(old) == 401
        assert send(new) == 202
    # The confirmation says the old password stops at once; Cancel changes nothing.
    page.get_by_role("button", name="Generate New Password").click()
    expect(page.get_by_text("The current password stops working at once.")).to_be_visible()
    shot(page, "confirm-again")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="Okta Inline Hook", exact=True)).to_be_visible()
    with requests.Session() as http:
        http.trust_env = False
        still = http.post(
            ezitxt.url("/rest/sms/v2/messages"),
            json={"destination": "+64211234567", "content": "Your code is 123456"},
            headers={"Authorization": new},
            timeout=5,
        )
    assert still.status_code == 202  # the password made before Cancel still works


def test_application_name_rules_and_a_second_application(
    page: Page, ezitxt: EzitxtServer, shot: Shot
) -> None:
    portal_sign_in(page, ezitxt, shot)
    page.get_by_label("Application Name").fill("bad:name")
    page.get_by_role("button", name="Create Application").click()
    expect(page.get_by_role("alert")).to_contain_text("1 to 64 letters")
    shot(page, "application-name-refused")
    page.get_by_label("Application Name").fill("okta-hook")
    page.get_by_role("button", name="Create Application").click()
    page.get_by_text("Create another application").click()
    page.get_by_label("Application Name").fill("okta-hook")
    page.get_by_role("button", name="Create Application").click()
    expect(page.get_by_role("alert")).to_contain_text("That Application Name is taken.")
    page.get_by_label("Application Name").fill("okta-staging")
    page.get_by_role("button", name="Create Application").click()
    expect(page.locator("#application-name .value")).to_have_text("okta-staging")
    page.get_by_label("Application", exact=True).select_option("okta-hook")
    page.get_by_role("button", name="Open").click()
    expect(page.locator("#application-name .value")).to_have_text("okta-hook")
    shot(page, "two-applications")
