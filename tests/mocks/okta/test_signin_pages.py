"""The end-user sign-in pages, through HTTP as a browser posts them: every step, every message
Okta shows the user, the mock's note for QA, the resend rule, wrong and expired codes, account
unlock, password reset, and the session and CSRF checks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from mocks.okta.classify import DEFAULT_END_USER_ERROR
from mocks.okta.signin import messages, passwords
from mocks.okta.signin.sessions import MAX_CODE_ATTEMPTS
from tests.mocks.okta.conftest import FakeHook, Org, running_org
from tests.mocks.okta.console.conftest import new_console
from tests.mocks.okta.widget import Widget, hook_otp, outbox_otp

LOGIN = "ana@example.com"
RESEND_DENIED = "A code was sent recently. Wait a few seconds before asking for another one."


@pytest.fixture
def widget(org: Org) -> Iterator[Widget]:
    browser = Widget(org)
    try:
        yield browser
    finally:
        browser.close()


def code_in_outbox_page(org: Org, path: str) -> str:
    """The code as QA read it on the outbox page: in the message the link marks."""
    viewer = Widget(org)
    try:
        text = viewer.get(path).text
    finally:
        viewer.close()
    selected = re.search(
        r'<li class="sms selected".*?<div class="sms-text">([^<]*)</div>', text, re.S
    )
    assert selected is not None, text
    assert "+64211234567" not in text and "+********567" in text
    found = re.search(r"\d{6}", selected.group(1))
    assert found is not None
    return found.group(0)


def events(org: Org, event_type: str) -> list[dict[str, object]]:
    return [e for e in org.logs(limit="1000") if e["eventType"] == event_type]


def test_org_root_leads_to_the_sign_in_page(widget: Widget) -> None:
    response = widget.get("/")
    assert response.history and response.history[0].status_code == 302
    assert response.url.endswith("/signin")
    assert widget.page.heading == "Sign In"
    assert 'name="username"' in response.text and ("Next", False) in widget.page.buttons
    assert "Forgot password?" in response.text and "Unlock account?" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_sign_in_by_sms_through_the_hook(org: Org, fake_hook: FakeHook, widget: Widget) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    user_id = org.create_user(LOGIN)
    widget.get("/signin")
    widget.post("/signin/identify", {"username": LOGIN.upper()})
    assert widget.last is not None and widget.last.url.endswith("/signin/challenge")
    assert widget.page.heading == "Verify with your phone"
    assert "+********567" in widget.last.text and "+64211234567" not in widget.last.text
    assert ("Receive a code via SMS", False) in widget.page.buttons
    widget.post("/signin/challenge")
    assert widget.last.url.endswith("/signin/verify")
    assert "A code was sent to" in widget.last.text and widget.errors == []
    assert widget.page.qa_note == (
        "QA Sent through the telephony inline hook (SUCCESSFUL, HTTP 200, transaction txn-ok-1)."
    )
    sent = json.loads(fake_hook.received[-1]["body"])
    assert sent["requestType"] == "com.okta.user.telephony.mfa-verification"
    otp = hook_otp(fake_hook)
    assert otp not in widget.last.text  # the page never shows the code
    widget.post("/signin/verify", {"code": otp})
    assert widget.last.url.endswith("/signin/done")
    assert ("success", messages.SIGNED_IN) in widget.page.notices
    assert "Welcome, Ana Ngata." in widget.last.text
    (mfa,) = events(org, "user.authentication.auth_via_mfa")
    (start,) = events(org, "user.session.start")
    assert mfa["outcome"] == {"result": "SUCCESS", "reason": None}
    assert start["actor"]["id"] == user_id
    assert len(events(org, "system.sms.send_factor_verify_message")) == 1
    # Signed in is final: the same session cannot verify again, and sign-out starts afresh.
    widget.post("/signin/verify", {"code": otp})
    assert widget.last.url.endswith("/signin") and messages.SESSION_EXPIRED in widget.errors
    widget.get("/signin/done")
    assert widget.last.url.endswith("/signin")


def test_sign_out_ends_the_session(org: Org, fake_hook: FakeHook, widget: Widget) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    org.create_user(LOGIN)
    widget.sign_in_to_code_page(LOGIN)
    widget.post("/signin/verify", {"code": hook_otp(fake_hook)})
    old_cookie = widget.http.cookies["idx"]
    widget.post("/signin/signout")
    assert widget.last is not None and widget.last.url.endswith("/signin")
    assert widget.http.cookies["idx"] != old_cookie
    widget.get("/signin/done")
    assert widget.last.url.endswith("/signin")


@pytest.mark.parametrize(
    ("username", "error"),
    [
        ("", messages.BLANK),
        ("   ", messages.BLANK),
        ("nobody@example.com", "There is no account with the Username nobody@example.com."),
    ],
)
def test_username_errors(org: Org, widget: Widget, username: str, error: str) -> None:
    org.create_user(LOGIN)
    widget.get("/signin")
    widget.post("/signin/identify", {"username": username})
    assert widget.last is not None and widget.last.url.endswith("/signin/identify")
    assert widget.errors == [error]


def test_username_is_escaped_not_rendered(org: Org, widget: Widget) -> None:
    widget.get("/signin")
    widget.post("/signin/identify", {"username": '<script>alert("x")</script>'})
    assert widget.last is not None and "<script>alert" not in widget.last.text
    assert "&lt;script&gt;" in widget.last.text


@pytest.mark.parametrize(
    ("behaviour", "shown"),
    [("error", "This number cannot receive SMS"), ("error-empty", DEFAULT_END_USER_ERROR)],
)
def test_error_object_is_shown_to_the_user_and_okta_sends(
    org: Org, fake_hook: FakeHook, widget: Widget, behaviour: str, shown: str
) -> None:
    org.create_hook(f"{fake_hook.url}/{behaviour}")
    org.create_user(LOGIN)
    widget.sign_in_to_code_page(LOGIN)
    assert widget.errors == [shown]
    assert widget.page.qa_note is not None
    assert "Okta's own provider sent this code instead" in widget.page.qa_note
    assert widget.page.qa_note.startswith("QA The inline hook failed (ERROR")
    # The fallback's code reaches the user, so the code form is there and works.
    widget.post("/signin/verify", {"code": outbox_otp(org)})
    assert ("success", messages.SIGNED_IN) in widget.page.notices


@pytest.mark.parametrize(
    ("behaviour", "failure"),
    [
        ("unauthorized", "HTTP_ERROR: Hook answered HTTP 401"),
        ("server-error", "HTTP_ERROR: Hook answered HTTP 500"),
        ("failed", "FAILED: Hook reported FAILED"),
        ("malformed", "MALFORMED: Hook answer is not JSON"),
        ("redirect", "HTTP_ERROR: Hook answered HTTP 302"),
        ("slow?s=2", "TIMEOUT"),
    ],
)
def test_silent_failover_tells_qa_only(
    org: Org, fake_hook: FakeHook, widget: Widget, behaviour: str, failure: str
) -> None:
    org.create_hook(f"{fake_hook.url}/{behaviour}")
    org.create_user(LOGIN)
    widget.sign_in_to_code_page(LOGIN)
    assert widget.last is not None and "A code was sent to" in widget.last.text
    assert widget.errors == []  # Okta shows the user nothing of these failures
    assert widget.page.qa_note is not None
    assert widget.page.qa_note.startswith(f"QA The inline hook failed ({failure}")
    assert widget.page.qa_note.endswith("Okta's own provider sent this code instead. Okta's outbox")
    link = re.search(r'href="(/signin/outbox\?flow=flw[^"]+)"', widget.last.text)
    assert link is not None
    widget.post("/signin/verify", {"code": code_in_outbox_page(org, link.group(1))})
    assert ("success", messages.SIGNED_IN) in widget.page.notices
    (send,) = events(org, "system.sms.send_factor_verify_message")
    assert send["debugContext"]["debugData"]["is_sms_hook_failover"] == "true"


def test_no_active_hook_okta_sends(org: Org, widget: Widget) -> None:
    org.create_user(LOGIN)
    widget.sign_in_to_code_page(LOGIN)
    assert widget.page.qa_note == (
        "QA No active telephony inline hook: Okta's own provider sent this code. Okta's outbox"
    )
    widget.post("/signin/verify", {"code": outbox_otp(org)})
    assert ("success", messages.SIGNED_IN) in widget.page.notices


def test_fallback_over_its_limit_sends_nothing(ca_file: str, fake_hook: FakeHook) -> None:
    with running_org(ca_file, fallback_limit=0) as org:
        org.create_hook(f"{fake_hook.url}/server-error")
        org.create_user(LOGIN)
        widget = Widget(org)
        try:
            widget.sign_in_to_code_page(LOGIN)
            assert widget.page.qa_note is not None
            assert "fallback provider refused the send (its rate limit): no code was sent" in (
                widget.page.qa_note
            )
            assert org.api("GET", "/_mock/fallback/messages").json() == []
        finally:
            widget.close()


def test_in_flight_limit_shows_okta_rate_limit(ca_file: str, fake_hook: FakeHook) -> None:
    fake_hook.reset()
    with running_org(ca_file, max_hooks_in_flight=0) as org:
        org.create_hook(f"{fake_hook.url}/successful")
        org.create_user(LOGIN)
        widget = Widget(org)
        try:
            widget.sign_in_to_code_page(LOGIN)
            assert widget.errors == ["API call exceeded rate limit due to too many requests."]
            assert fake_hook.received == []
        finally:
            widget.close()


def test_user_without_phone(org: Org, widget: Widget) -> None:
    profile = {"firstName": "No", "lastName": "Phone", "email": LOGIN, "login": LOGIN}
    assert org.api("POST", "/api/v1/users", json={"profile": profile}).status_code == 200
    widget.get("/signin")
    widget.post("/signin/identify", {"username": LOGIN})
    assert widget.errors == [messages.NO_PHONE]
    assert ("Receive a code via SMS", False) not in widget.page.buttons
    widget.post("/signin/challenge")
    assert messages.NO_PHONE in widget.errors


def test_resend_waits_for_the_number_interval(
    org: Org, fake_hook: FakeHook, widget: Widget
) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    org.create_user(LOGIN)
    widget.sign_in_to_code_page(LOGIN)
    first = hook_otp(fake_hook)
    assert widget.page.wait == "Haven't received an SMS? You can ask for a new code in 30 s."
    assert ("Send again", True) in widget.page.buttons
    org.clock.advance(12)
    widget.get("/signin/verify")
    assert widget.page.wait is not None and "in 18 s." in widget.page.wait
    # Posting anyway (the button is only disabled in the page): Okta refuses, nothing is sent.
    widget.post("/signin/resend")
    assert widget.errors == [RESEND_DENIED]
    assert len(fake_hook.received) == 1
    assert widget.page.qa_note is not None and "nothing was sent" in widget.page.qa_note
    (denied,) = events(org, "system.sms.send_factor_verify_message")[-1:]
    assert denied["outcome"]["result"] == "DENY"
    org.clock.advance(18)
    widget.get("/signin/verify")
    assert widget.page.wait == "Haven't received an SMS?" and ("Send again", False) in (
        widget.page.buttons
    )
    widget.post("/signin/resend")
    assert widget.errors == [] and len(fake_hook.received) == 2
    second = hook_otp(fake_hook)
    if first != second:  # a resend replaces the code: the first one no longer works
        widget.post("/signin/verify", {"code": first})
        assert widget.errors == [messages.INVALID_CODE]
    widget.post("/signin/verify", {"code": second})
    assert ("success", messages.SIGNED_IN) in widget.page.notices


def test_first_send_denied_when_another_session_just_sent(
    org: Org, fake_hook: FakeHook, widget: Widget
) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    org.create_user(LOGIN)
    other = Widget(org)
    try:
        other.sign_in_to_code_page(LOGIN)
    finally:
        other.close()
    widget.sign_in_to_code_page(LOGIN)
    assert widget.errors == [RESEND_DENIED]
    assert widget.last is not None and 'name="code"' not in widget.last.text
    assert widget.page.wait is not None and widget.page.wait.startswith("You can ask for a new")
    widget.post("/signin/verify", {"code": hook_otp(fake_hook)})
    assert widget.errors == [messages.NO_CODE_YET]


def test_wrong_blank_and_too_many_codes(org: Org, fake_hook: FakeHook, widget: Widget) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    org.create_user(LOGIN)
    widget.sign_in_to_code_page(LOGIN)
    otp = hook_otp(fake_hook)
    wrong = "000000" if otp != "000000" else "111111"
    widget.post("/signin/verify", {"code": "  "})
    assert widget.errors == [messages.BLANK]
    for _ in range(MAX_CODE_ATTEMPTS):
        widget.post("/signin/verify", {"code": wrong})
        assert widget.errors == [messages.INVALID_CODE]
    failures = events(org, "user.authentication.auth_via_mfa")
    assert len(failures) == MAX_CODE_ATTEMPTS
    assert {f["outcome"]["reason"] for f in failures} == {"INVALID_CREDENTIALS"}
    widget.post("/signin/verify", {"code": otp})
    assert widget.errors == [messages.TOO_MANY_TRIES]
    # A new code resets the count.
    org.clock.advance(30)
    widget.post("/signin/resend")
    widget.post("/signin/verify", {"code": hook_otp(fake_hook)})
    assert ("success", messages.SIGNED_IN) in widget.page.notices


def test_expired_code(org: Org, fake_hook: FakeHook, widget: Widget) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    org.create_user(LOGIN)
    widget.sign_in_to_code_page(LOGIN)
    org.clock.advance(301)  # otpExpires is five minutes after the send
    widget.post("/signin/verify", {"code": hook_otp(fake_hook)})
    assert widget.errors == [messages.EXPIRED_CODE]


def test_account_unlock_by_sms(org: Org, fake_hook: FakeHook, widget: Widget) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    org.create_user(LOGIN)
    widget.get("/signin")
    widget.get("/signin/unlock")
    assert widget.page.heading == "Unlock account?" and "Back to sign in" in str(widget.last.text)
    widget.post("/signin/identify", {"username": LOGIN})
    assert widget.last is not None and "to unlock your account" in widget.last.text
    widget.post("/signin/challenge")
    sent = json.loads(fake_hook.received[-1]["body"])
    assert sent["requestType"] == "com.okta.user.telephony.account-unlock"
    widget.post("/signin/verify", {"code": hook_otp(fake_hook)})
    assert ("success", messages.UNLOCKED) in widget.page.notices
    assert len(events(org, "system.sms.send_account_unlock_message")) == 1
    assert len(events(org, "user.account.unlock")) == 1
    assert events(org, "user.session.start") == []


def test_password_reset_by_sms(org: Org, fake_hook: FakeHook, widget: Widget) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    user_id = org.create_user(LOGIN)
    widget.get("/signin/reset-password")
    assert widget.last is not None and widget.last.url.endswith("/signin")  # not verified yet
    widget.sign_in_to_code_page(LOGIN, start="/signin/forgot-password")
    sent = json.loads(fake_hook.received[-1]["body"])
    assert sent["requestType"] == "com.okta.user.telephony.password-reset"
    widget.post("/signin/verify", {"code": hook_otp(fake_hook)})
    assert widget.last.url.endswith("/signin/reset-password")
    assert widget.page.heading == "Reset your password"
    for password, again, error in [
        ("Tuatara2026", "Tuatara2027", passwords.MISMATCH),
        ("short1A", "short1A", passwords.NOT_MET),
        ("alllowercase1", "alllowercase1", passwords.NOT_MET),
        ("NoDigitsHere", "NoDigitsHere", passwords.NOT_MET),
        ("Ana-Example-2026", "Ana-Example-2026", passwords.NOT_MET),  # parts of the username
    ]:
        widget.post("/signin/reset-password", {"password": password, "again": again})
        assert widget.errors == [error], password
    assert org.api("GET", f"/api/v1/users/{user_id}").json()["passwordChanged"] is None
    widget.post("/signin/reset-password", {"password": "Tuatara2026", "again": "Tuatara2026"})
    assert ("success", messages.PASSWORD_RESET) in widget.page.notices
    assert org.api("GET", f"/api/v1/users/{user_id}").json()["passwordChanged"] is not None
    assert len(events(org, "user.account.reset_password")) == 1
    assert len(events(org, "system.sms.send_password_reset_message")) == 1
    assert "Tuatara2026" not in json.dumps(org.logs(limit="1000"))


def test_steps_cannot_be_skipped(org: Org, widget: Widget) -> None:
    for path in ("/signin/challenge", "/signin/verify", "/signin/done", "/signin/reset-password"):
        widget.get(path)
        assert widget.last is not None and widget.last.url.endswith("/signin"), path
        assert widget.errors == [messages.SESSION_EXPIRED]
    widget.post("/signin/verify", {"code": "123456"})
    assert widget.last is not None and widget.last.url.endswith("/signin")


def test_org_reset_mid_journey_starts_again(org: Org, fake_hook: FakeHook, widget: Widget) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    org.create_user(LOGIN)
    widget.sign_in_to_code_page(LOGIN)
    assert org.api("POST", "/_mock/reset").status_code == 204
    widget.post("/signin/verify", {"code": hook_otp(fake_hook)})
    assert widget.last is not None and widget.last.url.endswith("/signin")
    assert widget.errors == [messages.SESSION_EXPIRED]


def test_post_without_session_or_csrf_token_is_refused(org: Org, widget: Widget) -> None:
    org.create_user(LOGIN)
    widget.get("/signin")
    token = widget.page.csrf_token
    assert token
    for fields in ({"csrf_token": ""}, {"csrf_token": token + "x"}, {"csrf_token": token[:-1]}):
        response = widget.post("/signin/identify", {"username": LOGIN, **fields})
        assert response.status_code == 403 and "not sent from this page" in response.text
    no_token = widget.http.post(f"{widget.url}/signin/identify", data={"username": LOGIN})
    assert no_token.status_code == 403
    # A token without its session's cookie (another browser replaying it) is refused too.
    stranger = Widget(org)
    try:
        replay = stranger.post("/signin/identify", {"username": LOGIN, "csrf_token": token})
        assert replay.status_code == 403
    finally:
        stranger.close()
    # Every POST route checks it, not only the first.
    posts = ("challenge", "verify", "resend", "signout", "reset-password")
    for path in posts:
        assert widget.http.post(f"{widget.url}/signin/{path}", data={"a": "1"}).status_code == 403


def test_hostile_form_bodies(widget: Widget) -> None:
    widget.get("/signin")
    url, token = f"{widget.url}/signin/identify", widget.page.csrf_token or ""
    as_json = widget.http.post(url, json={"username": "x", "csrf_token": token})
    assert as_json.status_code == 415
    huge = widget.http.post(url, data={"csrf_token": token, "username": "a" * 20_000})
    assert huge.status_code == 413
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    bad_bytes = b"username=%ff%fe&csrf_token=" + token.encode()
    assert widget.http.post(url, data=bad_bytes, headers=form).status_code == 400
    many = "&".join(f"f{i}=1" for i in range(50)) + f"&csrf_token={token}"
    assert widget.http.post(url, data=many, headers=form).status_code == 400


def test_pages_carry_sign_in_headers_and_a_strict_cookie(widget: Widget) -> None:
    response = widget.get("/signin")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("idx=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    css = widget.http.get(f"{widget.url}/signin/static/signin.css", timeout=10)
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert widget.http.get(f"{widget.url}/signin/static/../routes.py", timeout=10).status_code in (
        400,
        404,
    )


def test_api_routes_still_answer_json(org: Org) -> None:
    # The pages sit beside the API: an unknown route is still Okta's JSON 404.
    response = org.api("GET", "/signin/nope")
    assert response.status_code == 404 and response.json()["errorCode"] == "E0000007"


def test_outbox_page_lists_okta_sends_newest_first(org: Org, fake_hook: FakeHook) -> None:
    org.create_hook(f"{fake_hook.url}/server-error")
    org.create_user(LOGIN)
    viewer = Widget(org)
    try:
        viewer.get("/signin/outbox")
        assert viewer.page.heading == "Okta's outbox"
        assert "Okta's own provider has sent nothing yet." in str(
            viewer.last.text if viewer.last else ""
        )
        first = org.flow(LOGIN).json()["id"]
        org.clock.advance(30)
        second = org.flow(LOGIN).json()["id"]
        text = viewer.get(f"/signin/outbox?flow={first}").text
        assert text.index(f'data-flow="{second}"') < text.index(f'data-flow="{first}"')
        assert text.count("sms selected") == 1 and "· fallback" in text
        assert "<script" not in viewer.get("/signin/outbox?flow=<script>").text.split("</head>")[1]
    finally:
        viewer.close()


@pytest.mark.parametrize(
    ("start", "use", "cause"),
    [
        ("/signin", "sms_sign-in", "sign-in (authentication)"),
        ("/signin/unlock", "sms_recovery", "recovery (password reset and account unlock)"),
        ("/signin/forgot-password", "sms_recovery", "recovery (password reset and account unlock)"),
    ],
)
def test_sms_switched_off_in_authenticators_is_not_offered(
    org: Org, fake_hook: FakeHook, widget: Widget, start: str, use: str, cause: str
) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    org.create_user(LOGIN)
    admin = new_console(org.url)
    with admin.http:
        assert admin.sign_in().status_code == 200
        uses = {"sms_sign-in": "on", "sms_enrolment": "on", "sms_recovery": "on"}
        del uses[use]
        admin.post("/admin/security/authenticators", uses)
    widget.get(start)
    widget.post("/signin/identify", {"username": LOGIN})
    assert widget.errors == [messages.SMS_OFF]
    assert ("Receive a code via SMS", False) not in widget.page.buttons
    assert widget.page.qa_note == (
        f"QA Phone (SMS) is not enabled for {cause} in Security > Authenticators."
    )
    widget.post("/signin/challenge")  # posted anyway: still nothing sent
    assert messages.SMS_OFF in widget.errors
    assert fake_hook.received == [] and org.api("GET", "/_mock/flows").json() == []
