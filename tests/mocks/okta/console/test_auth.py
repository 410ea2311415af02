"""Sign-in, the signed session cookie, sign-out and CSRF on every form of the Admin Console."""

from __future__ import annotations

import pytest
import requests

from mocks.okta.console.app import DEFAULT_PASSWORD, DEFAULT_USER
from tests.mocks.okta.conftest import FakeHook, Org, running_org
from tests.mocks.okta.console.conftest import Console, csrf_of, new_console, text_of

PAGES = [
    "/admin/",
    "/admin/workflow/inline-hooks",
    "/admin/workflow/inline-hooks/add/telephony",
    "/admin/reports/system-log",
    "/admin/directory/people",
    "/admin/directory/people/add",
    "/admin/security/authenticators",
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
    assert response.status_code == 200 and "Sign In" in response.text
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
    hook_id = org.create_hook(f"{fake_hook.url}/successful")["id"]
    user_id = org.create_user()
    base = f"/admin/workflow/inline-hooks/{hook_id}"
    return [
        "/admin/signin",
        "/admin/signout",
        "/admin/workflow/inline-hooks/add/telephony",
        f"{base}/edit",
        f"{base}/activate",
        f"{base}/deactivate",
        f"{base}/delete",
        f"{base}/preview",
        "/admin/directory/people/add",
        f"/admin/directory/people/{user_id}",
        "/admin/security/authenticators",
    ]


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
