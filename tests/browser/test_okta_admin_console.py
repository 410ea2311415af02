"""The mock Okta Admin Console in a real browser, by clicking: sign in, Workflow > Inline Hooks >
Add Inline Hook > Telephony, activate/deactivate/delete, Preview against a stub hook on a free
port, Reports > System Log filters and an event's detail, Directory > People, and Security >
Authenticators honoured by the flows. Every page visited is kept as a screenshot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.browser.conftest import OktaServer, Shot
from tests.servers import serve

# Each test drives a real browser through several pages.
pytestmark = pytest.mark.slow

SECRET = "Basic ZXppdHh0LXFhOnMzY3JldA=="


@dataclass
class StubHook:
    """A telephony hook on a free loopback port: ``/ok`` accepts, ``/denied`` answers 401."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def ok(request: Request) -> Response:
            self.received.append(
                {"headers": dict(request.headers), "body": json.loads(await request.body())}
            )
            action = {"status": "SUCCESSFUL", "provider": "EZITXT", "transactionId": "stub-42"}
            return JSONResponse(
                {"commands": [{"type": "com.okta.telephony.action", "value": [action]}]}
            )

        async def denied(request: Request) -> Response:
            await request.body()
            return JSONResponse({"error": {"errorSummary": "Unauthorized"}}, status_code=401)

        return Starlette(
            routes=[Route("/ok", ok, methods=["POST"]), Route("/denied", denied, methods=["POST"])]
        )


@pytest.fixture(scope="module")
def stub_hook() -> Iterator[StubHook]:
    stub = StubHook()
    with serve(stub.app()) as url:
        stub.url = url
        yield stub


@pytest.fixture
def hook(stub_hook: StubHook) -> StubHook:
    stub_hook.received.clear()
    return stub_hook


def api(okta: OktaServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    with requests.Session() as http:
        http.trust_env = False
        headers = {"Authorization": f"SSWS {okta.token}"}
        return http.request(method, okta.url(path), headers=headers, timeout=10, **kwargs)


def add_user(okta: OktaServer, login: str = "aroha@example.co.nz") -> str:
    profile = {
        "firstName": "Aroha",
        "lastName": "Ngata",
        "email": login,
        "login": login,
        "mobilePhone": "+64211234567",
    }
    response = api(okta, "POST", "/api/v1/users?activate=true", json={"profile": profile})
    assert response.status_code == 200, response.text
    user_id: str = response.json()["id"]
    return user_id


def sign_in(page: Page, okta: OktaServer, shot: Shot) -> None:
    page.goto(okta.url("/admin"))
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    page.get_by_label("Username", exact=True).fill(okta.console.user)
    page.get_by_label("Password", exact=True).fill(okta.console.password)
    shot(page, "00-sign-in")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    shot(page, "01-dashboard")


def menu(page: Page, item: str) -> None:
    page.get_by_role("navigation", name="Admin menu").get_by_role("link", name=item).click()


def add_telephony_hook(page: Page, name: str, url: str, shot: Shot, step: str) -> None:
    """Workflow > Inline Hooks > Add Inline Hook > Telephony, filled and saved; a screenshot of
    each page on the way, named after ``step``."""
    menu(page, "Inline Hooks")
    expect(page.get_by_role("heading", name="Inline Hooks")).to_be_visible()
    shot(page, f"{step}a-inline-hooks")
    page.locator("summary", has_text="Add Inline Hook").click()
    shot(page, f"{step}b-add-inline-hook-menu")
    page.get_by_role("menuitem", name="Telephony").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("URL", exact=True).fill(url)
    expect(page.get_by_label("HTTP headers")).to_be_checked()
    page.get_by_label("Authentication field").fill("Authorization")
    page.get_by_label("Authentication secret").fill(SECRET)
    page.get_by_label("Field name").first.fill("X-Tenant")
    page.get_by_label("Value", exact=True).first.fill("acme")
    shot(page, f"{step}c-add-inline-hook-telephony")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text(f"Inline hook \u201c{name}\u201d saved")
    shot(page, f"{step}d-hook-saved")


def test_add_activate_deactivate_delete_by_clicking(
    page: Page, okta: OktaServer, hook: StubHook, shot: Shot
) -> None:
    sign_in(page, okta, shot)
    menu(page, "Inline Hooks")
    expect(page.get_by_text("No inline hooks yet")).to_be_visible()
    shot(page, "02-inline-hooks-empty")
    add_telephony_hook(page, "EZITXT SMS", f"{hook.url}/ok", shot, "03")
    expect(page.get_by_role("heading", name="EZITXT SMS")).to_contain_text("Active")
    [registered] = api(okta, "GET", "/api/v1/inlineHooks").json()
    assert registered["channel"]["config"]["authScheme"] == {
        "type": "HEADER",
        "key": "Authorization",
    }

    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_text("deactivate it first")).to_be_visible()
    shot(page, "05-delete-confirm-active")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Only an INACTIVE inline hook can be deleted; deactivate it first"
    )
    shot(page, "06-delete-refused")

    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("status")).to_contain_text("deactivated")
    expect(page.get_by_role("heading", name="EZITXT SMS")).to_contain_text("Inactive")
    shot(page, "07-deactivated")
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("status")).to_contain_text("activated")
    shot(page, "07b-activated")
    page.get_by_role("button", name="Deactivate").click()
    shot(page, "07c-deactivated-again")

    page.get_by_role("link", name="Delete").click()
    shot(page, "08-delete-confirm")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Inline hook \u201cEZITXT SMS\u201d deleted."
    )
    expect(page.get_by_text("No inline hooks yet")).to_be_visible()
    shot(page, "09-deleted")
    assert api(okta, "GET", "/api/v1/inlineHooks").json() == []


def test_rules_shown_on_the_form(page: Page, okta: OktaServer, hook: StubHook, shot: Shot) -> None:
    sign_in(page, okta, shot)
    add_telephony_hook(page, "First", f"{hook.url}/ok", shot, "02")
    menu(page, "Inline Hooks")
    page.locator("summary", has_text="Add Inline Hook").click()
    page.get_by_role("menuitem", name="Telephony").click()
    shot(page, "03-add-inline-hook-telephony")
    rows = page.locator("#custom-headers .header-row")
    before = rows.count()
    page.get_by_role("button", name="+ Add Another").click()
    expect(rows).to_have_count(before + 1)  # the console's script runs under its CSP
    page.get_by_label("Name", exact=True).fill('<script>alert("x")</script>')
    page.get_by_label("URL", exact=True).fill(f"{hook.url}/ok")
    page.get_by_label("Authentication field").fill("Bad Header")
    page.get_by_role("button", name="Save").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Api validation failed: inlineHook")
    expect(alert).to_contain_text("does not match")
    expect(page.get_by_label("Name", exact=True)).to_have_value('<script>alert("x")</script>')
    shot(page, "04-form-errors")
    page.get_by_label("Authentication field").fill("Authorization")
    page.get_by_label("Authentication secret").fill(SECRET)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Only one ACTIVE telephony inline hook is allowed per org"
    )
    shot(page, "05-one-active-telephony-hook")


def test_add_inline_hook_shows_the_fields_of_the_authentication_type_chosen(
    page: Page, okta: OktaServer, hook: StubHook, shot: Shot
) -> None:
    sign_in(page, okta, shot)
    menu(page, "Inline Hooks")
    shot(page, "02-inline-hooks")
    page.locator("summary", has_text="Add Inline Hook").click()
    page.get_by_role("menuitem", name="Telephony").click()
    expect(page.get_by_label("HTTP headers")).to_be_checked()
    expect(page.get_by_label("Authentication field")).to_be_visible()
    expect(page.get_by_label("Client ID")).to_be_hidden()
    shot(page, "03-http-headers")
    page.get_by_label("OAuth 2.0").check()
    expect(page.get_by_label("Authentication field")).to_be_hidden()
    expect(page.get_by_label("Authentication secret")).to_be_hidden()
    expect(page.get_by_label("Use client secret")).to_be_checked()
    expect(page.get_by_label("Client secret", exact=True)).to_be_visible()
    expect(page.get_by_label("Key (hook key id)")).to_be_hidden()
    shot(page, "04-oauth-client-secret")
    page.get_by_label("Use private key").check()
    expect(page.get_by_label("Key (hook key id)")).to_be_visible()
    expect(page.get_by_label("Client secret", exact=True)).to_be_hidden()
    shot(page, "05-oauth-private-key")
    page.get_by_label("Use client secret").check()
    page.get_by_label("Name", exact=True).fill("EZITXT SMS (OAuth)")
    page.get_by_label("URL", exact=True).fill(f"{hook.url}/ok")
    page.get_by_label("Client ID").fill("0oaj43vkrq7wKxZSI5e6")
    page.get_by_label("Client secret", exact=True).fill("browser-client-secret")
    page.get_by_label("Authorization server token URL").fill(f"{okta.base}/oauth2/default/v1/token")
    page.get_by_label("Scope").fill("ezitxt.hook")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    view = page.locator("dl.props")
    expect(view).to_contain_text("OAuth 2.0")
    expect(view).not_to_contain_text("Authentication field")  # a header-auth row, not OAuth's
    shot(page, "06-oauth-hook-saved")
    [registered] = api(okta, "GET", "/api/v1/inlineHooks").json()
    config = registered["channel"]["config"]
    assert registered["channel"]["type"] == "OAUTH"
    assert (config["authType"], config["clientId"]) == (
        "client_secret_post",
        "0oaj43vkrq7wKxZSI5e6",
    )
    assert config["authScheme"] is None and "clientSecret" not in config


def test_preview_sends_a_sample_to_the_hook(
    page: Page, okta: OktaServer, hook: StubHook, shot: Shot
) -> None:
    add_user(okta)
    sign_in(page, okta, shot)
    add_telephony_hook(page, "EZITXT SMS", f"{hook.url}/ok", shot, "02")
    page.get_by_role("link", name="Preview").click()
    expect(page.get_by_role("heading", name="Configure Inline Hook request")).to_be_visible()
    shot(page, "03-preview")
    page.get_by_label("Request type").select_option("password-reset")
    page.get_by_role("button", name="Generate Request").click()
    expect(page.get_by_label("Request", exact=True)).to_contain_text(
        "com.okta.user.telephony.password-reset"
    )
    shot(page, "04-preview-request")
    page.get_by_role("button", name="View Response").click()
    response = page.locator("#response")
    expect(response.locator("dd").first).to_have_text("200")
    expect(response).to_contain_text("SUCCESSFUL")
    expect(page.locator("#response_body")).to_contain_text("stub-42")
    shot(page, "05-preview-response")
    [received] = hook.received
    assert received["headers"]["authorization"] == SECRET
    assert received["headers"]["x-tenant"] == "acme"
    assert received["body"]["data"]["userProfile"]["login"] == "aroha@example.co.nz"


def test_system_log_filter_and_event_detail(
    page: Page, okta: OktaServer, hook: StubHook, shot: Shot
) -> None:
    user = add_user(okta)
    sign_in(page, okta, shot)
    add_telephony_hook(page, "EZITXT SMS", f"{hook.url}/denied", shot, "02")
    flow = requests.post(
        okta.url("/_mock/flows"),
        json={"user": user, "requestType": "mfa-verification", "channel": "SMS"},
        timeout=10,
    )
    assert flow.json()["outcome"] == "HTTP_ERROR"
    menu(page, "System Log")
    expect(page.get_by_role("heading", name="System Log")).to_be_visible()
    rows = page.locator("#events tbody tr")
    expect(rows.first).to_contain_text("Received SMS delivery status")
    shot(page, "03-system-log")
    page.get_by_label("Event type", exact=True).select_option("inline_hook.executed")
    page.get_by_label("Outcome", exact=True).select_option("FAILURE")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Hook answered HTTP 401")
    shot(page, "04-system-log-filtered")
    rows.first.get_by_role("link", name="Inline hook execution failed").click()
    debug = page.locator("#debug-data")
    expect(debug).to_contain_text("httpStatus")
    expect(debug.locator("tr", has_text="httpStatus")).to_contain_text("401")
    shot(page, "05-system-log-event")


def test_people_create_and_edit(page: Page, okta: OktaServer, shot: Shot) -> None:
    sign_in(page, okta, shot)
    menu(page, "People")
    expect(page.get_by_text("No people yet.")).to_be_visible()
    shot(page, "02-people-empty")
    page.get_by_role("link", name="Add person").first.click()
    shot(page, "03-add-person")
    page.get_by_label("First name").fill("Aroha")
    page.get_by_label("Username", exact=True).fill("not an email")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("The field cannot be left blank")
    expect(page.get_by_role("alert")).to_contain_text("Does not match required pattern")
    shot(page, "04-person-errors")
    page.get_by_label("Last name").fill("Ngata")
    page.get_by_label("Username", exact=True).fill("aroha@example.co.nz")
    page.get_by_label("Primary email").fill("aroha@example.co.nz")
    page.get_by_label("Mobile phone").fill("021 123 4567")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("aroha@example.co.nz added.")
    expect(page.locator("#people")).to_contain_text("021 123 4567")
    shot(page, "05-people")
    page.get_by_role("link", name="Aroha Ngata").click()
    page.get_by_label("Mobile phone").fill("+64 27 555 0101")
    shot(page, "06-person-edit")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#people")).to_contain_text("+64 27 555 0101")
    shot(page, "07-people-after-edit")
    profile = api(okta, "GET", "/api/v1/users/aroha@example.co.nz").json()["profile"]
    assert profile["mobilePhone"] == "+64 27 555 0101"


def test_authenticators_toggle_is_honoured_by_the_flows(
    page: Page, okta: OktaServer, hook: StubHook, shot: Shot
) -> None:
    user = add_user(okta)
    sign_in(page, okta, shot)
    add_telephony_hook(page, "EZITXT SMS", f"{hook.url}/ok", shot, "02")
    menu(page, "Authenticators")
    expect(
        page.get_by_text("Confirm SMS is enabled in the relevant Okta authentication")
    ).to_be_visible()
    shot(page, "03-authenticators")
    page.get_by_label("SMS for sign-in (authentication)").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Phone authenticator saved.")
    expect(page.get_by_label("SMS for sign-in (authentication)")).not_to_be_checked()
    shot(page, "04-authenticators-sms-off-for-sign-in")
    body = {"user": user, "requestType": "mfa-verification", "channel": "SMS"}
    refused = requests.post(okta.url("/_mock/flows"), json=body, timeout=10)
    assert refused.status_code == 403 and refused.json()["errorCode"] == "E0000006"
    assert hook.received == []
    page.get_by_label("SMS for sign-in (authentication)").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("SMS for sign-in (authentication)")).to_be_checked()
    shot(page, "05-authenticators-sms-on-again")
    allowed = requests.post(okta.url("/_mock/flows"), json=body, timeout=10)
    assert allowed.json()["outcome"] == "SUCCESSFUL" and len(hook.received) == 1
    menu(page, "Dashboard")
    expect(page.get_by_text("Phone (SMS): sign-in on")).to_be_visible()
    shot(page, "06-dashboard-after")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    assert page.url.endswith("/admin/signin")
    shot(page, "07-signed-out")
