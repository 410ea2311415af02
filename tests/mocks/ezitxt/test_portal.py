"""The portal's server side without a browser: sign-in, session cookie, CSRF, redirects, the
secret shown once, escaping, and the JSON APIs left as they were."""

from __future__ import annotations

import re

import pytest
import requests
from starlette.routing import Route

from mocks.ezitxt.app import create_app
from mocks.ezitxt.portal.console import DEFAULT_CONSOLE_PASSWORD, DEFAULT_CONSOLE_USER
from mocks.ezitxt.portal.routes import ROUTES
from mocks.ezitxt.portal.sessions import COOKIE
from tests.mocks.ezitxt.conftest import APP, TIMINGS, Gateway, new_application
from tests.servers import serve

HOOK_PAGE = "/integrations/api-configuration/okta-inline-hook"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html
    return found.group(1)


def sign_in(base: str, http: requests.Session) -> str:
    """Sign in as the demo account; the signed-in session's CSRF token."""
    form = http.get(f"{base}/")
    assert form.status_code == 200 and COOKIE in http.cookies
    done = http.post(
        f"{base}/",
        data={
            "csrf": csrf_of(form.text),
            "username": DEFAULT_CONSOLE_USER,
            "password": DEFAULT_CONSOLE_PASSWORD,
            "next": HOOK_PAGE,
        },
        allow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == HOOK_PAGE
    page = http.get(f"{base}{HOOK_PAGE}")
    assert page.status_code == 200 and "Okta Inline Hook" in page.text
    return csrf_of(page.text)


def test_console_pages_redirect_to_sign_in_and_back(base: str, http: requests.Session) -> None:
    for path in (HOOK_PAGE, "/reports/mobile", "/handsets?number=%2B64211234567"):
        answer = http.get(f"{base}{path}", allow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/?next=%2F"), answer.headers
    page = http.get(f"{base}/handsets?number=%2B64211234567")
    assert "Sign in" in page.text and 'value="/handsets?number=%2B64211234567"' in page.text


def test_wrong_password_is_refused_and_no_session_is_signed_in(
    base: str, http: requests.Session
) -> None:
    form = http.get(f"{base}/")
    answer = http.post(
        f"{base}/",
        data={"csrf": csrf_of(form.text), "username": DEFAULT_CONSOLE_USER, "password": "nope"},
        allow_redirects=False,
    )
    assert answer.status_code == 401 and "wrong user name or password" in answer.text
    assert http.get(f"{base}{HOOK_PAGE}", allow_redirects=False).status_code == 303


def test_a_post_without_the_csrf_token_is_refused(base: str, http: requests.Session) -> None:
    token = sign_in(base, http)
    for data in ({"name": "okta-hook"}, {"name": "okta-hook", "csrf": "forged"}):
        answer = http.post(f"{base}{HOOK_PAGE}/applications", data=data, allow_redirects=False)
        assert answer.status_code == 403 and "Request refused" in answer.text
    assert http.get(f"{base}/api/applications").json() == {"applications": []}
    # The same form with the session's token goes through.
    made = http.post(
        f"{base}{HOOK_PAGE}/applications",
        data={"name": "okta-hook", "csrf": token},
        allow_redirects=False,
    )
    assert made.status_code == 303
    assert [
        a["applicationName"] for a in http.get(f"{base}/api/applications").json()["applications"]
    ] == ["okta-hook"]


def test_every_portal_form_refuses_a_post_without_the_session_token(
    base: str, http: requests.Session
) -> None:
    """Every POST route of the portal (read from its route table, so a new form is covered)."""
    posts = [r.path for r in ROUTES if isinstance(r, Route) and "POST" in (r.methods or ())]
    assert len(posts) >= 4 and "/signout" in posts
    secret, _ = new_application(base, http)
    sign_in(base, http)
    for path in posts:
        for data in ({"application": APP}, {"application": APP, "csrf": "forged"}):
            answer = http.post(f"{base}{path}", data=data, allow_redirects=False)
            assert answer.status_code == 403, path
    # Nothing changed: the password still works, and the session is still signed in.
    assert Gateway(base, http, secret, "").send(destination="+64211234567").status_code == 202
    assert http.get(f"{base}{HOOK_PAGE}", allow_redirects=False).status_code == 200


def test_sign_in_itself_needs_the_csrf_token(base: str, http: requests.Session) -> None:
    answer = http.post(
        f"{base}/",
        data={"username": DEFAULT_CONSOLE_USER, "password": DEFAULT_CONSOLE_PASSWORD},
        allow_redirects=False,
    )
    assert answer.status_code == 403


def test_a_forged_cookie_is_no_session(base: str, http: requests.Session) -> None:
    sign_in(base, http)
    value = http.cookies[COOKIE]
    http.cookies.set(COOKIE, value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert http.get(f"{base}{HOOK_PAGE}", allow_redirects=False).status_code == 303


def test_sign_out_ends_the_session_for_good(base: str, http: requests.Session) -> None:
    token = sign_in(base, http)
    stolen = http.cookies[COOKIE]
    out = http.post(f"{base}/signout", data={"csrf": token}, allow_redirects=False)
    assert out.status_code == 303
    with requests.Session() as thief:
        thief.trust_env = False
        thief.cookies.set(COOKIE, stolen)
        assert thief.get(f"{base}{HOOK_PAGE}", allow_redirects=False).status_code == 303


def test_sign_in_never_redirects_off_site(base: str, http: requests.Session) -> None:
    form = http.get(f"{base}/")
    answer = http.post(
        f"{base}/",
        data={
            "csrf": csrf_of(form.text),
            "username": DEFAULT_CONSOLE_USER,
            "password": DEFAULT_CONSOLE_PASSWORD,
            "next": "//evil.example/x",
        },
        allow_redirects=False,
    )
    assert answer.headers["location"] == HOOK_PAGE


def test_the_new_secret_is_shown_once(base: str, http: requests.Session) -> None:
    token = sign_in(base, http)
    http.post(f"{base}{HOOK_PAGE}/applications", data={"name": "okta-hook", "csrf": token})
    confirm = http.get(f"{base}{HOOK_PAGE}/password?application=okta-hook")
    assert "stops working at once" in confirm.text or "shown once" in confirm.text
    shown = http.post(
        f"{base}{HOOK_PAGE}/password", data={"application": "okta-hook", "csrf": token}
    )
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    secret = re.search(r'id="setup-secret" type="password" readonly value="([^"]+)"', shown.text)
    assert secret and secret.group(1).startswith("Basic ")
    later = http.get(f"{base}{HOOK_PAGE}?application=okta-hook").text
    assert secret.group(1) not in later and "Generated" in later
    # It is the gateway credential.
    gw = Gateway(base, http, secret.group(1), "")
    assert gw.send(destination="+64211234567").status_code == 202


def test_hostile_values_are_shown_as_text(gw: Gateway, http: requests.Session) -> None:
    hostile = "<script>alert(1)</script>"
    message_id = gw.accepted(destination="+64211234567", content=hostile)
    gw.wait(message_id)
    sign_in(gw.base, http)
    inbox = http.get(f"{gw.base}/handsets", params={"number": "+64211234567"}).text
    assert hostile not in inbox and "&lt;script&gt;alert(1)&lt;/script&gt;" in inbox
    echoed = http.get(f"{gw.base}/handsets", params={"number": '"><script>x</script>'}).text
    assert "<script>x" not in echoed


def test_pages_carry_a_strict_content_security_policy(base: str, http: requests.Session) -> None:
    page = http.get(f"{base}/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text  # no inline script anywhere


def test_json_apis_are_unchanged(base: str, http: requests.Session) -> None:
    secret, _ = new_application(base, http)
    assert http.get(f"{base}/api/applications/okta-hook").json()["applicationName"] == "okta-hook"
    unknown = http.get(f"{base}/no-such-page")
    assert unknown.status_code == 404 and unknown.json()["error"] == "invalid_attrib"
    assert http.get(f"{base}/api/reports/mobile").json()["total"] == 0


def test_anonymous_sessions_never_push_out_signed_in_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    from mocks.ezitxt.portal import sessions as module

    monkeypatch.setattr(module, "MAX_ANONYMOUS", 5)
    sessions = module.Sessions()
    signed_in = sessions.start("qa")
    cookie = sessions.cookie_value(signed_in)
    for _ in range(50):
        sessions.start()
    assert sessions.find(cookie) is signed_in
    assert sessions.find(cookie + "x") is None and sessions.find(None) is None


def test_content_is_shown_on_request_to_an_account_permitted_to_read_it(gw: Gateway) -> None:
    message_id = gw.accepted(destination="+64211234567", content="Your code is 482913")
    with requests.Session() as http:
        http.trust_env = False
        sign_in(gw.base, http)
        hidden = http.get(f"{gw.base}/reports/mobile").text
        shown = http.get(f"{gw.base}/reports/mobile", params={"content": "1"}).text
        message = http.get(f"{gw.base}/reports/mobile/{message_id}", params={"content": "1"}).text
    assert "482913" not in hidden and "Show content" in hidden
    assert "482913" in shown and "482913" in message


def test_an_account_not_permitted_never_sees_content() -> None:
    app = create_app(db_path=":memory:", timings=TIMINGS, console_content=False)
    with serve(app) as base, requests.Session() as http:
        http.trust_env = False
        secret, _ = new_application(base, http)
        gw = Gateway(base, http, secret, "")
        message_id = gw.accepted(destination="+64211234567", content="Your code is 482913")
        sign_in(base, http)
        report = http.get(f"{base}/reports/mobile", params={"content": "1"}).text
        message = http.get(f"{base}/reports/mobile/{message_id}", params={"content": "1"}).text
        search = http.get(f"{base}/reports/mobile", params={"id": message_id, "content": "1"}).text
    for page in (report, message, search):
        assert "482913" not in page and "Show content" not in page
    assert "not permitted to read message content" in report
    assert message_id in search and "not permitted to this account" in message
