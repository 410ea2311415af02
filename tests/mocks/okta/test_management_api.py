"""``/api/v1/inlineHooks``: Okta's rules and errors (CONTRACT.md §4)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from mocks.okta.hooks import MAX_HOOKS
from tests.mocks.okta.conftest import (
    AUTH_VALUE,
    TOKEN,
    FakeHook,
    Org,
    assert_valid,
    hook_body,
    running_org,
)

HOOKS = "/api/v1/inlineHooks"


def error_of(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert_valid("okta/error", body)
    assert body["errorCode"] == code and body["errorLink"] == code
    return body


@pytest.mark.parametrize(
    "authorization", [None, "SSWS wrong-token", f"Bearer {TOKEN}", "SSWS", f"ssws {TOKEN}"]
)
def test_token_required(org: Org, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, path in [("GET", HOOKS), ("GET", "/api/v1/logs"), ("GET", "/api/v1/users/x")]:
        response = requests.request(method, org.url + path, headers=headers, timeout=10)
        error_of(response, 401, "E0000011")


def test_create_get_list(org: Org, fake_hook: FakeHook) -> None:
    created = org.create_hook(f"{fake_hook.url}/successful")
    assert_valid("okta/inline-hook", created)
    assert created["status"] == "ACTIVE" and len(created["id"]) == 20
    assert created["channel"]["config"]["authScheme"] == {"type": "HEADER", "key": "Authorization"}
    assert AUTH_VALUE not in str(created)
    assert created["_links"]["self"]["href"] == f"{org.url}{HOOKS}/{created['id']}"
    fetched = org.api("GET", f"{HOOKS}/{created['id']}").json()
    assert fetched == created
    other = org.api(
        "POST",
        HOOKS,
        json={
            "name": "import",
            "type": "com.okta.import.transform",
            "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": fake_hook.url}},
        },
    )
    assert other.status_code == 200, other.text
    assert len(org.api("GET", HOOKS).json()) == 2
    listed = org.api("GET", HOOKS, params={"type": "com.okta.telephony.provider"}).json()
    assert [h["id"] for h in listed] == [created["id"]]
    for hook in org.api("GET", HOOKS).json():
        assert_valid("okta/inline-hook", hook)
    created_events = org.logs(filter='eventType eq "inline_hook.created"')
    assert [e["target"][0]["id"] for e in created_events] == [created["id"], other.json()["id"]]


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"uri": "http://127.0.0.1:9/hook"}, "HTTPS"),
        ({"uri": "https://example.com/" + "a" * 1024}, "1024"),
        ({"authScheme": None}, "authScheme"),
        ({"authScheme": {"type": "HEADER", "key": "Authorization"}}, "authScheme.value"),
        ({"method": "GET"}, "channel.config.method"),
        ({"headers": [{"key": "X-A"}]}, "channel.config.headers.0.value"),
    ],
)
def test_create_rejects_bad_config(org: Org, change: dict[str, Any], needle: str) -> None:
    body = hook_body("https://127.0.0.1:9/hook")
    config = body["channel"]["config"]
    config.update(change)
    if config.get("authScheme") is None:
        del config["authScheme"]
    errors = error_of(org.api("POST", HOOKS, json=body), 400, "E0000001")
    assert errors["errorSummary"].startswith("Api validation failed")
    assert any(needle in cause["errorSummary"] for cause in errors["errorCauses"]), errors


@pytest.mark.parametrize(
    "change",
    [{"name": ""}, {"name": "n" * 256}, {"type": "com.example.nope"}, {"channel": "HTTP"}],
)
def test_create_rejects_bad_fields(org: Org, change: dict[str, Any]) -> None:
    body = hook_body("https://127.0.0.1:9/hook", **change)
    error_of(org.api("POST", HOOKS, json=body), 400, "E0000001")


def test_malformed_json_and_unknown_routes(org: Org) -> None:
    error_of(org.api("POST", HOOKS, data=b"{not json"), 400, "E0000003")
    error_of(org.api("GET", f"{HOOKS}/calNope"), 404, "E0000007")
    error_of(org.api("GET", "/api/v1/nothing-here"), 404, "E0000007")
    error_of(org.api("PATCH", HOOKS), 405, "E0000022")


def test_one_active_telephony_hook(org: Org, fake_hook: FakeHook) -> None:
    first = org.create_hook(f"{fake_hook.url}/successful")
    body = hook_body(f"{fake_hook.url}/pending", name="second")
    errors = error_of(org.api("POST", HOOKS, json=body), 400, "E0000001")
    assert first["id"] in errors["errorCauses"][0]["errorSummary"]
    org.api("POST", f"{HOOKS}/{first['id']}/lifecycle/deactivate")
    second = org.create_hook(f"{fake_hook.url}/pending", name="second")
    error_of(org.api("POST", f"{HOOKS}/{first['id']}/lifecycle/activate"), 400, "E0000001")
    deactivated = org.api("POST", f"{HOOKS}/{second['id']}/lifecycle/deactivate").json()
    assert deactivated["status"] == "INACTIVE" and "activate" in deactivated["_links"]
    assert_valid("okta/inline-hook", deactivated)
    activated = org.api("POST", f"{HOOKS}/{first['id']}/lifecycle/activate").json()
    assert activated["status"] == "ACTIVE"
    types = [e["eventType"] for e in org.logs() if e["eventType"].startswith("inline_hook.")]
    assert types == [
        "inline_hook.created",
        "inline_hook.deactivated",
        "inline_hook.created",
        "inline_hook.deactivated",
        "inline_hook.activated",
    ]


def test_delete_only_inactive(org: Org, fake_hook: FakeHook) -> None:
    hook = org.create_hook(f"{fake_hook.url}/successful")
    path = f"{HOOKS}/{hook['id']}"
    error_of(org.api("DELETE", path), 400, "E0000001")
    org.api("POST", f"{path}/lifecycle/deactivate")
    assert org.api("DELETE", path).status_code == 204
    error_of(org.api("GET", path), 404, "E0000007")
    error_of(org.api("DELETE", path), 404, "E0000007")
    assert org.logs(filter='eventType eq "inline_hook.deleted"')


def test_type_is_immutable(org: Org, fake_hook: FakeHook) -> None:
    hook = org.create_hook(f"{fake_hook.url}/successful")
    path = f"{HOOKS}/{hook['id']}"
    error_of(org.api("POST", path, json={"type": "com.okta.import.transform"}), 400, "E0000001")
    body = hook_body(f"{fake_hook.url}/successful", type="com.okta.import.transform")
    error_of(org.api("PUT", path, json=body), 400, "E0000001")
    assert org.api("GET", path).json()["type"] == "com.okta.telephony.provider"


def test_update_and_replace_keep_the_secret(org: Org, fake_hook: FakeHook) -> None:
    hook = org.create_hook(f"{fake_hook.url}/successful")
    path = f"{HOOKS}/{hook['id']}"
    updated = org.api("POST", path, json={"name": "renamed"})
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == "renamed"
    assert updated.json()["channel"]["config"]["uri"] == f"{fake_hook.url}/successful"
    # GET, change, PUT back: the write-only value is not in hand but stays.
    current = org.api("GET", path).json()
    current["channel"]["config"]["uri"] = f"{fake_hook.url}/pending"
    replaced = org.api("PUT", path, json=current)
    assert replaced.status_code == 200, replaced.text
    assert_valid("okta/inline-hook", replaced.json())
    flow = org.flow(org.create_user()).json()
    assert flow["outcome"] == "PENDING"
    assert fake_hook.received[-1]["headers"]["authorization"] == AUTH_VALUE
    rotated = hook_body(f"{fake_hook.url}/successful")
    rotated["channel"]["config"]["authScheme"]["value"] = "Basic bmV3"
    assert org.api("PUT", path, json=rotated).status_code == 200
    org.clock.advance(60)
    org.flow(org.create_user("bo@example.com"))
    assert fake_hook.received[-1]["headers"]["authorization"] == "Basic bmV3"
    assert len(org.logs(filter='eventType eq "inline_hook.updated"')) == 3


def test_org_hook_count_limit(org: Org) -> None:
    body = hook_body("https://127.0.0.1:9/h", type="com.okta.import.transform")
    for _ in range(MAX_HOOKS):
        assert org.api("POST", HOOKS, json=body).status_code == 200
    error_of(org.api("POST", HOOKS, json=body), 400, "E0000001")


def test_execute_returns_the_hooks_answer_and_never_falls_back(
    org: Org, fake_hook: FakeHook
) -> None:
    hook = org.create_hook(f"{fake_hook.url}/error")
    sample = {"eventId": "abc", "data": {"messageProfile": {"phoneNumber": "9876543210"}}}
    answer = org.api("POST", f"{HOOKS}/{hook['id']}/execute", json=sample)
    assert answer.status_code == 200
    assert answer.json() == {"error": {"errorSummary": "This number cannot receive SMS"}}
    assert (
        fake_hook.received[-1]["body"]
        == b'{"eventId":"abc","data":{"messageProfile":{"phoneNumber":"9876543210"}}}'
    )
    org.api(
        "POST",
        f"{HOOKS}/{hook['id']}",
        json={"channel": {"config": {"uri": f"{fake_hook.url}/server-error"}}},
    )
    failed = org.api("POST", f"{HOOKS}/{hook['id']}/execute", json=sample)
    errors = error_of(failed, 400, "E0000001")
    assert "500" in errors["errorCauses"][0]["errorSummary"]
    assert org.api("GET", "/_mock/fallback/messages").json() == []
    assert len(org.logs(filter='eventType eq "inline_hook.executed"')) == 1
    assert not [e for e in org.logs() if e["eventType"].startswith("system.sms")]


def test_allow_http(ca_file: str) -> None:
    with running_org(ca_file, allow_http=True) as org:
        hook = org.create_hook("http://127.0.0.1:9/hook")
        assert hook["channel"]["config"]["uri"] == "http://127.0.0.1:9/hook"
        # Nothing listens on port 9: the hook is unreachable and Okta falls back.
        flow = org.flow(org.create_user()).json()
        assert flow["outcome"] == "UNREACHABLE" and flow["fallback"] is True
