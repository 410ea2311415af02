"""Sign-in, the signed session cookie, sign-out and CSRF on every form of the Admin Console."""

from __future__ import annotations

import pytest
import requests
from starlette.routing import Route

from mocks.okta.console import (
    pages_authenticators,
    pages_event_hooks,
    pages_home,
    pages_hooks,
    pages_logs,
    pages_people,
)
from mocks.okta.console.app import DEFAULT_PASSWORD, DEFAULT_USER
from tests.mocks.okta.conftest import FakeHook, Org, running_org
from tests.mocks.okta.console.conftest import Console, csrf_of, new_console, text_of

# Every route of the console, read from its page modules, so that a page or form added later is
# covered by the sign-in and CSRF tests without anyone listing it here.
ROUTES: list[Route] = [
    route
    for module in (
        pages_home,
        pages_hooks,
        pages_event_hooks,
        pages_logs,
        pages_people,
        pages_authenticators,
    )
    for route in module.ROUTES
    if isinstance(route, Route)
]
PAGES = [
    f"/admin{r.path}"
    for r in ROUTES
    if "GET" in (r.methods or ()) and "{" not in r.path and r.path != "/signin"
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_a_stranger_to_sign_in_and_back(anonymous: Console, path: str) -> None:
    response = anonymous.get(path, allow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/signin?next=")
    signin = anonymous.get(response.headers["location"])
    assert "Sign In" in signin.text
    back = anonymous.post(
        "/admin/signin",
        {"username": DEFAULT_USER, "password": DEFAULT_PASSWORD, "next": path},
        allow_redirects=False,
    )
    assert back.status_code == 303 and back.headers["location"] == path


def test_admin_root_redirects_to_the_console(anonymous: Console) -> None:
    response = anonymous.get("/admin")
    assert response.status_code == 200 and response.url.endswith("/admin/signin?next=/admin/")


@pytest.mark.parametrize(
    ("user", "password"),
    [(DEFAULT_USER, "wrong"), ("someone@example.com", DEFAULT_PASSWORD), ("", "")],
)
def test_wrong_credentials_are_refused_without_saying_which(
    anonymous: Console, user: str, password: str
) -> None:
    response = anonymous.sign_in(user, password)
    assert response.status_code == 401
    assert "Unable to sign in" in text_of(response.text)
    assert anonymous.get("/admin/", allow_redirects=False).status_code == 303


def test_signed_in_admin_sees_the_layout(console: Console) -> None:
    page = console.get("/admin/").text
    for link in ("/admin/directory/people", "/admin/workflow/inline-hooks", "/admin/signout"):
        assert f'"{link}"' in page
    assert 'href="/admin/static/console.css"' in page
    text = text_of(page)
    for words in ("Dashboard", "Directory", "People", "Security", "Authenticators", "Workflow"):
        assert words in text
    assert "Inline Hooks" in text and "Reports" in text and "System Log" in text
    assert DEFAULT_USER in text


def test_a_tampered_cookie_is_no_session(console: Console) -> None:
    cookie = console.http.cookies.get("mock_okta_admin")
    assert cookie
    console.http.cookies.clear()
    payload, _, signature = cookie.rpartition(".")
    console.http.cookies.set("mock_okta_admin", payload + "." + signature[::-1], path="/admin")
    assert console.get("/admin/", allow_redirects=False).status_code == 303


def test_sign_out_ends_the_session(console: Console) -> None:
    response = console.post("/admin/signout")
    # The console's own sign-in, not the end-user sign-in's route of the same name.
    assert response.status_code == 200 and response.url.endswith("/admin/signin")
    assert console.get("/admin/", allow_redirects=False).status_code == 303


def test_next_cannot_lead_off_site(anonymous: Console) -> None:
    anonymous.get("/admin/signin")
    for target in ("https://evil.example/", "//evil.example/admin/", "/api/v1/users"):
        response = anonymous.post(
            "/admin/signin",
            {"username": DEFAULT_USER, "password": DEFAULT_PASSWORD, "next": target},
            allow_redirects=False,
        )
        assert response.headers["location"] == "/admin/"
        anonymous.post("/admin/signout")
        anonymous.get("/admin/signin")


def test_the_console_session_is_no_api_token(console: Console, org: Org) -> None:
    """The management API keeps its SSWS auth: the console's cookie opens nothing there."""
    response = console.http.get(org.url + "/api/v1/inlineHooks", timeout=10)
    assert response.status_code == 401 and response.json()["errorCode"] == "E0000011"


def test_console_credentials_come_from_create_app(ca_file: str) -> None:
    with running_org(ca_file, console_user="qa@example.com", console_password="pw-1") as org:
        with requests.Session() as http:
            http.trust_env = False
            console = Console(org.url, http)
            assert console.sign_in().status_code == 401
            response = console.sign_in("qa@example.com", "pw-1")
            assert response.status_code == 200 and "qa@example.com" in response.text


def _post_routes(org: Org, fake_hook: FakeHook) -> list[str]:
    """Every POST route of the console, its ``{id}`` filled with a thing of its kind."""
    ids = {
        pages_hooks.BASE: org.create_hook(f"{fake_hook.url}/successful")["id"],
        pages_event_hooks.BASE: _event_hook(org, fake_hook),
        "/directory/people": org.create_user(),
    }
    paths = []
    for route in ROUTES:
        if "POST" not in (route.methods or ()):
            continue
        path = route.path
        for base, thing_id in ids.items():
            if path.startswith(base + "/{id}"):
                path = path.replace("{id}", thing_id)
        assert "{" not in path, f"no id to fill {route.path} with"
        paths.append(f"/admin{path}")
    return paths


def _event_hook(org: Org, fake_hook: FakeHook) -> str:
    definition = {
        "name": "feedback",
        "events": {"type": "EVENT_TYPE", "items": ["user.authentication.auth_via_mfa"]},
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": f"{fake_hook.url}/events",
                "headers": [],
                "authScheme": {"type": "HEADER", "key": "Authorization", "value": "s3cret"},
            },
        },
    }
    response = org.api("POST", "/api/v1/eventHooks", json=definition)
    assert response.status_code == 200, response.text
    event_hook_id: str = response.json()["id"]
    return event_hook_id


def test_the_route_lists_hold_every_page_and_form() -> None:
    posts = [r.path for r in ROUTES if "POST" in (r.methods or ())]
    assert "/workflow/event-hooks/create" in posts and "/security/authenticators" in posts
    assert "/admin/workflow/event-hooks" in PAGES and "/admin/reports/system-log" in PAGES
    assert len(posts) >= 14


def test_every_form_refuses_a_post_without_the_token(
    console: Console, org: Org, fake_hook: FakeHook
) -> None:
    for path in _post_routes(org, fake_hook):
        for token in (None, "forged-token"):
            data = {"name": "x"} if token is None else {"name": "x", "csrf_token": token}
            response = console.post(path, data, csrf=False, allow_redirects=False)
            assert response.status_code == 403, path
            assert "not sent from this console" in text_of(response.text)
    # Nothing happened: the hook is still there and active, the admin still signed in.
    hooks = org.api("GET", "/api/v1/inlineHooks").json()
    assert [h["status"] for h in hooks] == ["ACTIVE"]
    event_hooks = org.api("GET", "/api/v1/eventHooks").json()
    assert [(h["status"], h["verificationStatus"]) for h in event_hooks] == [
        ("ACTIVE", "UNVERIFIED")
    ]
    assert console.get("/admin/", allow_redirects=False).status_code == 200


def test_the_token_of_another_session_is_refused(console: Console, org: Org) -> None:
    other = new_console(org.url)
    with other.http:
        other.sign_in()
        foreign = csrf_of(other.get("/admin/").text)
    response = console.post("/admin/security/authenticators", {"csrf_token": foreign}, csrf=False)
    assert response.status_code == 403


def test_unknown_console_page_is_an_html_404(console: Console) -> None:
    response = console.get("/admin/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "no such page" in text_of(response.text)


def test_pages_carry_security_headers(console: Console, anonymous: Console) -> None:
    for response in (console.get("/admin/"), anonymous.get("/admin/signin")):
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["cache-control"] == "no-store"
    cookie = console.http.cookies.get("mock_okta_admin")
    assert cookie
    [header] = [
        h
        for h in console.sign_in().history[0].raw.headers.getlist("set-cookie")
        if h.startswith("mock_okta_admin=")
    ]
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/admin" in header


def test_hostile_form_bodies_are_refused(console: Console) -> None:
    path = "/admin/security/authenticators"
    token = console.token
    huge = console.http.post(
        console.url + path,
        data={"csrf_token": token, "pad": "x" * 300_000},
        timeout=10,
    )
    assert huge.status_code == 413
    many = console.http.post(
        console.url + path,
        data=[("csrf_token", token)] + [(f"f{i}", "1") for i in range(300)],
        timeout=10,
    )
    assert many.status_code == 400
    multipart = console.http.post(
        console.url + path, files={"csrf_token": (None, token)}, timeout=10
    )
    assert multipart.status_code == 400
    bad_bytes = console.http.post(
        console.url + path,
        data=b"csrf_token=" + token.encode() + b"&x=%ff%fe\xff",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert bad_bytes.status_code == 400
    # The settings are untouched and the session still works.
    assert console.get(path).text.count('value="on" checked') == 3


def test_repeated_wrong_passwords_lock_that_username_for_a_while(
    anonymous: Console, org: Org
) -> None:
    from mocks.okta.console.lockout import MAX_FAILURES, WINDOW_S

    for _ in range(MAX_FAILURES):
        assert anonymous.sign_in(DEFAULT_USER, "guess").status_code == 401
    locked = anonymous.sign_in()  # even the right password, while locked
    assert locked.status_code == 429
    assert "Too many failed sign-ins. Try again in 15 minutes." in text_of(locked.text)
    # Another username is not locked by these failures (and says nothing about which exist).
    assert anonymous.sign_in("nobody@example.com", "guess").status_code == 401
    org.clock.advance(WINDOW_S)
    assert anonymous.sign_in().status_code == 200
    assert anonymous.get("/admin/", allow_redirects=False).status_code == 200
    # The System Log has each attempt (never a password) and the lock.
    starts = org.logs(filter='eventType eq "user.session.start"')
    results = [e["outcome"]["result"] for e in starts]
    assert results.count("FAILURE") == MAX_FAILURES + 1 and results[-1] == "SUCCESS"
    assert all(e["outcome"]["reason"] == "INVALID_CREDENTIALS" for e in starts[:-1])
    assert [e["actor"]["alternateId"] for e in starts[:2]] == [DEFAULT_USER, DEFAULT_USER]
    [lock] = org.logs(filter='eventType eq "user.account.lock"')
    assert lock["actor"]["alternateId"] == DEFAULT_USER
    assert "guess" not in str(org.logs())
