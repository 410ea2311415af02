"""``/api/v1/eventHooks``: Okta's rules and error codes, the lifecycle, and the one-time
verification call, against a real org and a real HTTPS receiver."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.mocks.okta.conftest import TOKEN, Org
from tests.mocks.okta.event_receiver import (
    CHALLENGE,
    SECRET,
    Receiver,
    create,
    event_hook_body,
    running_receiver,
    verified,
)

HOOKS = "/api/v1/eventHooks"


@pytest.fixture(scope="module")
def receiver(server_tls: ssl.SSLContext) -> Iterator[Receiver]:
    with running_receiver(server_tls) as running:
        yield running


@pytest.fixture
def hooks_org(org: Org, receiver: Receiver) -> Org:
    receiver.reset()
    return org


def causes(response: requests.Response) -> list[str]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["errorCode"] == "E0000001"
    assert body["errorSummary"] == "Api validation failed: eventHook"
    return [c["errorSummary"] for c in body["errorCauses"]]


def log_types(org: Org) -> list[tuple[str, str]]:
    return [(e["eventType"], e["outcome"]["result"]) for e in org.logs()]


def test_create_is_active_and_unverified_and_hides_the_secret(
    hooks_org: Org, receiver: Receiver
) -> None:
    hook = create(hooks_org, f"{receiver.url}/ok", "user.account.unlock")
    assert hook["id"].startswith("who") and len(hook["id"]) == 20
    assert (hook["status"], hook["verificationStatus"]) == ("ACTIVE", "UNVERIFIED")
    assert hook["events"] == {
        "type": "EVENT_TYPE",
        "items": ["user.account.unlock"],
        "filter": None,
    }
    config = hook["channel"]["config"]
    assert config["authScheme"] == {"type": "HEADER", "key": "Authorization"}
    assert config["method"] == "POST" and config["headers"] == [
        {"key": "X-Tenant", "value": "acme"}
    ]
    assert SECRET not in str(hook)
    links = hook["_links"]
    assert links["self"]["href"] == f"{hooks_org.url}{HOOKS}/{hook['id']}"
    assert set(links) == {"self", "verify", "deactivate"}
    listed = hooks_org.api("GET", HOOKS).json()
    assert [h["id"] for h in listed] == [hook["id"]]
    assert hooks_org.api("GET", f"{HOOKS}/{hook['id']}").json() == hook
    assert ("event_hook.created", "SUCCESS") in log_types(hooks_org)
    assert receiver.calls == []  # nothing is called before a verify


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": ""}, "name: The field cannot be left blank"),
        ({"events": None}, "events: The field is required"),
        ({"events": {"type": "EVENT_TYPE", "items": []}}, "events.items: at least one"),
        (
            {"events": {"type": "EVENT_TYPE", "items": ["event_hook.delivery"]}},
            "events.items.0: event_hook.delivery is not an event-hook-eligible type",
        ),
        ({"events": {"type": "FILTER", "items": ["user.account.unlock"]}}, "events.type"),
    ],
)
def test_definition_rules(hooks_org: Org, change: dict[str, Any], expected: str) -> None:
    body = {**event_hook_body("https://127.0.0.1:9/x"), **change}
    found = causes(hooks_org.api("POST", HOOKS, json=body))
    assert any(cause.startswith(expected) for cause in found), found


def test_channel_rules(hooks_org: Org) -> None:
    body = event_hook_body("http://127.0.0.1:9/events")
    body["channel"]["type"] = "OAUTH"
    body["channel"]["config"]["authScheme"] = {"type": "BASIC", "key": "Authorization"}
    found = causes(hooks_org.api("POST", HOOKS, json=body))
    assert "channel.config.uri: The URI must use HTTPS" in found
    assert "channel.type: must be HTTP" in found
    assert "channel.config.authScheme.type: must be HEADER" in found
    assert "channel.config.authScheme.value: The field cannot be left blank" in found
    assert hooks_org.api("GET", HOOKS).json() == []


def test_errors_unknown_id_token_and_malformed(hooks_org: Org) -> None:
    missing = hooks_org.api("GET", f"{HOOKS}/whoNoSuchHook0000000")
    assert missing.status_code == 404 and missing.json()["errorCode"] == "E0000007"
    for path in ("", "/lifecycle/verify", "/lifecycle/activate"):
        method = "GET" if not path else "POST"
        answer = hooks_org.api(method, f"{HOOKS}/whoNoSuchHook0000000{path}")
        assert answer.json()["errorCode"] == "E0000007"
    anonymous = requests.get(hooks_org.url + HOOKS, timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["errorCode"] == "E0000011"
    malformed = hooks_org.api("POST", HOOKS, data=b"{", headers={"Content-Type": "x"})
    assert malformed.json()["errorCode"] == "E0000003"


def test_at_most_25_event_hooks(hooks_org: Org) -> None:
    for _ in range(25):
        create(hooks_org, "https://127.0.0.1:9/events")
    found = causes(hooks_org.api("POST", HOOKS, json=event_hook_body("https://127.0.0.1:9/x")))
    assert found == ["An org can have at most 25 event hooks"]


def test_lifecycle_and_delete_only_when_inactive(hooks_org: Org) -> None:
    hook = create(hooks_org, "https://127.0.0.1:9/events")
    path = f"{HOOKS}/{hook['id']}"
    refused = causes(hooks_org.api("DELETE", path))
    assert refused == ["Only an INACTIVE event hook can be deleted; deactivate it first"]
    inactive = hooks_org.api("POST", f"{path}/lifecycle/deactivate").json()
    assert inactive["status"] == "INACTIVE" and "activate" in inactive["_links"]
    active = hooks_org.api("POST", f"{path}/lifecycle/activate").json()
    assert active["status"] == "ACTIVE"
    hooks_org.api("POST", f"{path}/lifecycle/deactivate")
    assert hooks_org.api("DELETE", path).status_code == 204
    assert hooks_org.api("GET", path).status_code == 404
    verbs = [t for t, _ in log_types(hooks_org) if t.startswith("event_hook.")]
    assert verbs == [
        "event_hook.created",
        "event_hook.deactivated",
        "event_hook.activated",
        "event_hook.deactivated",
        "event_hook.deleted",
    ]


def test_verification_sends_the_challenge_with_the_hook_headers(
    hooks_org: Org, receiver: Receiver
) -> None:
    hook = verified(hooks_org, f"{receiver.url}/ok")
    (call,) = receiver.gets()
    assert call.path == "ok" and call.body == b""
    assert len(call.headers[CHALLENGE]) >= 32
    assert call.headers["authorization"] == SECRET
    assert call.headers["x-tenant"] == "acme"
    assert hooks_org.api("GET", f"{HOOKS}/{hook['id']}").json()["verificationStatus"] == "VERIFIED"
    assert ("event_hook.verified", "SUCCESS") in log_types(hooks_org)


@pytest.mark.parametrize(
    ("behaviour", "calls", "reason"),
    [
        ("wrong", 1, "does not carry the verification value"),
        ("text", 1, "is not JSON"),
        ("error", 2, "answered HTTP 500"),  # one retry after an error answer
    ],
)
def test_verification_failures(
    hooks_org: Org, receiver: Receiver, behaviour: str, calls: int, reason: str
) -> None:
    hook = create(hooks_org, f"{receiver.url}/{behaviour}")
    found = causes(hooks_org.api("POST", f"{HOOKS}/{hook['id']}/lifecycle/verify"))
    assert (
        len(found) == 1
        and found[0].startswith("Event hook verification failed")
        and reason in found[0]
    )
    assert len(receiver.gets()) == calls
    after = hooks_org.api("GET", f"{HOOKS}/{hook['id']}").json()
    assert after["verificationStatus"] == "UNVERIFIED"
    assert ("event_hook.verified", "FAILURE") in log_types(hooks_org)


def test_verification_retries_once_after_an_error(hooks_org: Org, receiver: Receiver) -> None:
    verified(hooks_org, f"{receiver.url}/flaky")
    assert len(receiver.gets()) == 2


def test_verification_of_an_unreachable_endpoint(hooks_org: Org) -> None:
    hook = create(hooks_org, "https://127.0.0.1:9/events")  # nothing listens on port 9
    found = causes(hooks_org.api("POST", f"{HOOKS}/{hook['id']}/lifecycle/verify"))
    assert "Connection failed" in found[0]


def test_replace_keeps_the_secret_and_a_channel_change_needs_verifying_again(
    hooks_org: Org, receiver: Receiver
) -> None:
    hook = verified(hooks_org, f"{receiver.url}/ok")
    path = f"{HOOKS}/{hook['id']}"
    shown = hooks_org.api("GET", path).json()
    renamed = {k: shown[k] for k in ("name", "events", "channel")} | {"name": "Renamed"}
    again = hooks_org.api("PUT", path, json=renamed).json()
    assert again["name"] == "Renamed" and again["verificationStatus"] == "VERIFIED"
    moved = dict(renamed)
    moved["channel"] = {**renamed["channel"], "config": {**renamed["channel"]["config"]}}
    moved["channel"]["config"]["uri"] = f"{receiver.url}/flaky"
    assert hooks_org.api("PUT", path, json=moved).json()["verificationStatus"] == "UNVERIFIED"
    receiver.reset()
    assert hooks_org.api("POST", f"{path}/lifecycle/verify").status_code == 200
    assert all(c.headers["authorization"] == SECRET for c in receiver.gets())
    assert ("event_hook.updated", "SUCCESS") in log_types(hooks_org)


def test_reset_forgets_event_hooks(hooks_org: Org) -> None:
    create(hooks_org, "https://127.0.0.1:9/events")
    assert requests.post(hooks_org.url + "/_mock/reset", timeout=10).status_code == 204
    assert hooks_org.api("GET", HOOKS, headers={"Authorization": f"SSWS {TOKEN}"}).json() == []
