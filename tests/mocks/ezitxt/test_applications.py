"""Integrations > API Configuration over a real socket: applications, Generate New Password,
the Okta Setup Values, callback URLs, and credentials that stop working on rotation."""

from __future__ import annotations

import base64

import pytest
import requests

from mocks.ezitxt.backend import DEFAULT_HOOK_URL

from .conftest import APP, Gateway, assert_error, assert_valid

DEST = "+64211234567"


def test_create_answers_201_with_the_application_page(base: str, http: requests.Session) -> None:
    response = http.post(f"{base}/api/applications", json={"name": "Okta Inline Hook"})
    assert response.status_code == 201
    body = response.json()
    assert_valid("application", body)
    assert body["applicationName"] == "Okta Inline Hook"
    assert body["authenticationDetails"]["passwordGenerated"] is False
    assert response.headers["location"] == "/api/applications/Okta%20Inline%20Hook"
    assert http.get(f"{base}{response.headers['location']}").json() == body


def test_duplicate_name_is_409(base: str, http: requests.Session) -> None:
    assert http.post(f"{base}/api/applications", json={"name": APP}).status_code == 201
    assert_error(http.post(f"{base}/api/applications", json={"name": APP}), 409, "invalid_attrib")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "a:b"}, "invalid_attrib"),
        ({"name": ""}, "invalid_attrib"),
        ({"name": "x" * 65}, "invalid_attrib"),
        ({"name": 7}, "invalid_attrib"),
        ({}, "missing_attrib"),
        ({"name": "ok", "extra": 1}, "invalid_attrib"),
    ],
)
def test_bad_names_are_refused(
    base: str, http: requests.Session, body: dict[str, object], code: str
) -> None:
    assert_error(http.post(f"{base}/api/applications", json=body), 400, code)


def test_generate_new_password_shows_it_once_with_the_setup_values(
    base: str, http: requests.Session
) -> None:
    http.post(f"{base}/api/applications", json={"name": APP})
    response = http.post(f"{base}/api/applications/{APP}/password")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert_valid("password", body)
    setup = body["oktaSetupValues"]
    assert setup["url"] == DEFAULT_HOOK_URL
    assert setup["authenticationField"] == "Authorization"
    token = base64.b64encode(f"{APP}:{body['password']}".encode()).decode()
    assert setup["authenticationSecret"] == f"Basic {token}"
    page = http.get(f"{base}/api/applications/{APP}").json()
    assert_valid("application", page)
    assert "authenticationSecret" not in page["oktaSetupValues"]
    assert body["password"] not in str(page)
    assert page["authenticationDetails"]["passwordGenerated"] is True


def test_new_password_stops_the_old_one_at_once(gw: Gateway) -> None:
    assert gw.send(destination=DEST).status_code == 202  # the old credential is now cached
    response = gw.http.post(f"{gw.base}/api/applications/{APP}/password")
    new_secret = response.json()["oktaSetupValues"]["authenticationSecret"]
    assert_error(gw.send(destination=DEST), 401, "send_failed")
    response = gw.http.post(
        f"{gw.base}/rest/sms/v2/messages",
        json={"destination": DEST, "content": "x"},
        headers={"Authorization": new_secret},
    )
    assert response.status_code == 202


def test_rotating_one_application_leaves_the_other_working(gw: Gateway) -> None:
    http, base = gw.http, gw.base
    http.post(f"{base}/api/applications", json={"name": "second"})
    second = http.post(f"{base}/api/applications/second/password").json()
    headers = {"Authorization": second["oktaSetupValues"]["authenticationSecret"]}
    body = {"destination": DEST, "content": "x"}
    assert http.post(f"{base}/rest/sms/v2/messages", json=body, headers=headers).status_code == 202
    http.post(f"{base}/api/applications/{APP}/password")
    assert http.post(f"{base}/rest/sms/v2/messages", json=body, headers=headers).status_code == 202


def test_callback_url_is_set_and_cleared(gw: Gateway) -> None:
    url = f"{gw.base}/api/applications/{APP}"
    response = gw.http.put(url, json={"callbackUrl": "http://127.0.0.1:9/status"})
    assert response.status_code == 200
    assert_valid("application", response.json())
    assert gw.http.get(url).json()["callbackUrl"] == "http://127.0.0.1:9/status"
    assert gw.http.put(url, json={"callbackUrl": None}).json()["callbackUrl"] is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"callbackUrl": "ftp://x/"}, "invalid_attrib"),
        ({"callbackUrl": "http://"}, "invalid_attrib"),
        ({"callbackUrl": 5}, "invalid_attrib"),
        ({}, "missing_attrib"),
    ],
)
def test_bad_callback_urls_are_refused(gw: Gateway, body: dict[str, object], code: str) -> None:
    assert_error(gw.http.put(f"{gw.base}/api/applications/{APP}", json=body), 400, code)


def test_list_applications(gw: Gateway) -> None:
    body = gw.http.get(f"{gw.base}/api/applications").json()
    assert [a["applicationName"] for a in body["applications"]] == [APP]
    for app in body["applications"]:
        assert_valid("application", app)


def test_unknown_application_is_404(base: str, http: requests.Session) -> None:
    assert_error(http.get(f"{base}/api/applications/nope"), 404, "invalid_attrib")
    assert_error(http.post(f"{base}/api/applications/nope/password"), 404, "invalid_attrib")
    response = http.put(f"{base}/api/applications/nope", json={"callbackUrl": None})
    assert_error(response, 404, "invalid_attrib")


def test_wrong_methods_are_405(base: str, http: requests.Session) -> None:
    assert_error(http.delete(f"{base}/api/applications"), 405, "invalid_attrib")
    assert_error(http.get(f"{base}/api/applications/{APP}/password"), 405, "invalid_attrib")


def test_bad_json_is_invalid_json(base: str, http: requests.Session) -> None:
    assert_error(http.post(f"{base}/api/applications", data=b"{"), 400, "invalid_json")
