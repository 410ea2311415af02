"""Okta's end-user sign-in page in a real browser: the resend countdown that enables "Send
again", wrong codes, account unlock and password reset by SMS, each page kept as a screenshot.
No hook is active here, so Okta's own provider sends and the code is read in Okta's outbox."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Page, expect

from mocks.okta.app import create_app as create_okta
from tests.browser.conftest import OKTA_TOKEN, Shot
from tests.servers import serve

pytestmark = pytest.mark.slow

INTERVAL_S = 2.0  # Okta's one challenge per number per 30 s, shortened so the wait is seen end
LOGIN = "mere.tane@example.co.nz"
CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture(scope="module")
def org_server() -> Iterator[str]:
    app = create_okta(api_token=OKTA_TOKEN, challenge_interval_s=INTERVAL_S)
    with serve(app) as base:
        yield base


@pytest.fixture
def org(org_server: str) -> Iterator[str]:
    """The org, emptied, with one user who has a mobile phone."""
    with requests.Session() as http:
        http.trust_env = False
        assert http.post(f"{org_server}/_mock/reset", timeout=5).status_code == 204
        profile = {
            "firstName": "Mere",
            "lastName": "Tane",
            "email": LOGIN,
            "login": LOGIN,
            "mobilePhone": "+64219876543",
        }
        created = http.post(
            f"{org_server}/api/v1/users?activate=true",
            json={"profile": profile},
            headers={"Authorization": f"SSWS {OKTA_TOKEN}"},
            timeout=5,
        )
        assert created.status_code == 200, created.text
    yield org_server


def identify(page: Page, org: str, start: str, shot: Shot, name: str) -> None:
    page.goto(f"{org}{start}")
    shot(page, f"{name}-username")
    page.get_by_label("Username").fill(LOGIN)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("button", name="Receive a code via SMS")).to_be_visible()
    shot(page, f"{name}-receive-a-code")
    page.get_by_role("button", name="Receive a code via SMS").click()
    expect(page.get_by_text("A code was sent to")).to_be_visible()
    shot(page, f"{name}-enter-code")


def code_from_outbox(page: Page, shot: Shot, name: str) -> str:
    """Follow the QA note's link to Okta's outbox, read the flow's code, come back."""
    page.get_by_role("link", name="Okta's outbox").click()
    expect(page.get_by_role("heading", name="Okta's outbox")).to_be_visible()
    shot(page, f"{name}-okta-outbox")
    found = CODE.search(page.locator(".outbox .selected .sms-text").inner_text())
    assert found is not None
    page.go_back()
    expect(page.get_by_label("Enter Code")).to_be_visible()
    return found.group(1)


def test_resend_waits_then_a_new_code_signs_in(page: Page, org: str, shot: Shot) -> None:
    page.goto(org)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("alert")).to_have_text("This field cannot be left blank")
    page.get_by_label("Username").fill("nobody@example.co.nz")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("alert")).to_have_text(
        "There is no account with the Username nobody@example.co.nz."
    )
    shot(page, "unknown-user")

    identify(page, org, "/signin", shot, "sign-in")
    send_again = page.get_by_role("button", name="Send again")
    expect(send_again).to_be_disabled()
    expect(page.get_by_text("You can ask for a new code in")).to_be_visible()
    shot(page, "sign-in-enter-code-wait")
    first = code_from_outbox(page, shot, "sign-in-first")
    # The countdown ends and enables the button; its text says so.
    expect(send_again).to_be_enabled(timeout=int(INTERVAL_S * 1000) + 3000)
    expect(page.get_by_text("Haven't received an SMS?")).to_be_visible()
    send_again.click()
    expect(page.get_by_role("alert")).to_have_count(0)
    second = code_from_outbox(page, shot, "sign-in-second")
    if first != second:  # the new code replaced the first one
        page.get_by_label("Enter Code").fill(first)
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_role("alert")).to_have_text("Invalid code. Try again.")
        shot(page, "sign-in-invalid-code")
    page.get_by_label("Enter Code").fill(second)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Signed in")).to_be_visible()
    expect(page.get_by_text("Welcome, Mere Tane.")).to_be_visible()
    shot(page, "sign-in-signed-in")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()


def test_account_unlock_by_sms(page: Page, org: str, shot: Shot) -> None:
    page.goto(f"{org}/signin")
    shot(page, "unlock-sign-in-page")
    page.get_by_role("link", name="Unlock account?").click()
    expect(page.get_by_role("heading", name="Unlock account?")).to_be_visible()
    identify(page, org, "/signin/unlock", shot, "unlock")
    expect(page.get_by_text("to unlock your account")).to_be_visible()
    page.get_by_label("Enter Code").fill(code_from_outbox(page, shot, "unlock"))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_have_text("Account successfully unlocked!")
    shot(page, "unlock-done")


def test_password_reset_by_sms(page: Page, org: str, shot: Shot) -> None:
    page.goto(f"{org}/signin")
    shot(page, "reset-sign-in-page")
    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    identify(page, org, "/signin/forgot-password", shot, "reset")
    page.get_by_label("Enter Code").fill(code_from_outbox(page, shot, "reset"))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    page.get_by_label("New password").fill("mere-tane-1")
    page.get_by_label("Re-enter password").fill("mere-tane-1")
    page.get_by_role("button", name="Reset Password").click()
    expect(page.get_by_role("alert")).to_contain_text("Password requirements were not met.")
    shot(page, "reset-password-refused")
    page.get_by_label("New password").fill("Pohutukawa-2026")
    page.get_by_label("Re-enter password").fill("Pohutukawa-2026")
    page.get_by_role("button", name="Reset Password").click()
    expect(page.get_by_role("status")).to_have_text("Your password has been reset.")
    shot(page, "reset-done")
