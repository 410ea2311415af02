"""Event hook deliveries: the events Okta writes when a code is entered right, delivered to
ACTIVE, VERIFIED hooks that subscribe to them, in Okta's body with the hook's headers; one
retry, at least once, and the fault switches. A real org (0.5 s event hook timeout) and a real
HTTPS receiver."""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mocks.okta.signin import messages
from tests.mocks.okta.conftest import Org, assert_valid, running_org
from tests.mocks.okta.event_receiver import (
    SECRET,
    Receiver,
    create,
    running_receiver,
    settled,
    verified,
)
from tests.mocks.okta.widget import Widget, outbox_otp

MFA = "user.authentication.auth_via_mfa"
ENROL = "user.mfa.factor.activate"
UNLOCK = "user.account.unlock"
RESET = "user.account.reset_password"
FAULTS = "/_mock/event-hooks/faults"


@pytest.fixture(scope="module")
def receiver(server_tls: ssl.SSLContext) -> Iterator[Receiver]:
    with running_receiver(server_tls) as running:
        yield running


@pytest.fixture(scope="module")
def quick_org(ca_file: str) -> Iterator[Org]:
    with running_org(ca_file, event_hook_timeout_s=0.5) as org:
        yield org


@pytest.fixture
def org(quick_org: Org, receiver: Receiver) -> Org:
    assert quick_org.api("POST", "/_mock/reset").status_code == 204
    quick_org.clock.now = time.time()
    receiver.reset()
    return quick_org


def challenge(org: Org, user_id: str, request_type: str = "mfa-verification") -> tuple[str, str]:
    """A flow sent by Okta's own provider (no telephony hook): its id and the code in the SMS."""
    org.clock.advance(31)  # past Okta's one challenge per number per 30 s
    flow = org.flow(user_id, requestType=request_type).json()
    sent = [
        m for m in org.api("GET", "/_mock/fallback/messages").json() if m["flowId"] == flow["id"]
    ]
    code = re.search(r"\d{6}", sent[0]["text"])
    assert code is not None
    return flow["id"], code.group(0)


def enter(org: Org, flow_id: str, code: str) -> str:
    answer = org.api("POST", f"/_mock/flows/{flow_id}/verify", json={"otp": code})
    result: str = answer.json()["result"]
    return result


def delivered_events(receiver: Receiver, path: str = "ok") -> list[dict[str, Any]]:
    return [e for call in receiver.posts(path) for e in call.json()["data"]["events"]]


def test_a_verified_code_is_delivered_in_oktas_body(org: Org, receiver: Receiver) -> None:
    hook = verified(org, f"{receiver.url}/ok", MFA)
    user_id = org.create_user()
    flow_id, code = challenge(org, user_id)
    assert enter(org, flow_id, code) == "SUCCESS"
    (attempt,) = settled(org)
    assert (attempt["outcome"], attempt["httpStatus"], attempt["attempt"]) == ("DELIVERED", 200, 1)
    (call,) = receiver.posts()
    assert call.headers["authorization"] == SECRET
    assert call.headers["x-tenant"] == "acme"
    assert call.headers["content-type"] == "application/json"
    body = call.json()
    assert body["eventType"] == "com.okta.event_hook"
    assert (body["eventTypeVersion"], body["cloudEventsVersion"]) == ("1.0", "0.1")
    assert body["source"] == f"{org.url}/api/v1/eventHooks/{hook['id']}"
    assert body["contentType"] == "application/json"
    assert body["eventId"] == attempt["deliveryId"] and body["eventTime"].endswith("Z")
    (event,) = body["data"]["events"]
    assert_valid("okta/log-event", event)
    assert event["eventType"] == MFA and event["outcome"]["result"] == "SUCCESS"
    assert event["version"] == "0" and event["severity"] == "INFO"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", event["published"])
    users = [t for t in event["target"] if t["type"] == "User"]
    assert [u["id"] for u in users] == [user_id] and event["actor"]["id"] == user_id
    assert event["debugContext"]["debugData"]["factor"] == "SMS_FACTOR"
    assert event["debugContext"]["debugData"]["flowId"] == flow_id
    assert "authenticationContext" in event and "transaction" in event
    assert attempt["eventUuids"] == [event["uuid"]]
    # The event is the System Log's own, as Okta delivers it.
    logged = org.logs(filter=f'eventType eq "{MFA}"')
    assert [e["uuid"] for e in logged] == [event["uuid"]]
    assert code not in call.body.decode()  # the OTP is never in an event


@pytest.mark.parametrize(
    ("request_type", "event_type", "factor"),
    [
        ("pre-enrollment", ENROL, "SMS_FACTOR"),
        ("account-unlock", UNLOCK, None),
        ("password-reset", RESET, None),
    ],
)
def test_each_request_type_writes_its_event(
    org: Org, receiver: Receiver, request_type: str, event_type: str, factor: str | None
) -> None:
    verified(org, f"{receiver.url}/ok", MFA, ENROL, UNLOCK, RESET)
    user_id = org.create_user()
    flow_id, code = challenge(org, user_id, request_type)
    assert enter(org, flow_id, code) == "SUCCESS"
    settled(org)
    (event,) = delivered_events(receiver)
    assert event["eventType"] == event_type
    assert event["debugContext"]["debugData"].get("factor") == factor
    assert event["target"][0] == {**event["target"][0], "id": user_id, "type": "User"}
    if factor:
        enrolment = event["target"][1]
        assert (enrolment["type"], enrolment["displayName"]) == ("AuthenticatorEnrollment", "Phone")


def test_no_event_without_a_successful_verification(org: Org, receiver: Receiver) -> None:
    verified(org, f"{receiver.url}/ok", MFA)
    flow_id, code = challenge(org, org.create_user())
    wrong = "000000" if code != "000000" else "111111"
    assert enter(org, flow_id, wrong) == "INVALID"
    org.clock.advance(301)
    assert enter(org, flow_id, code) == "EXPIRED"
    assert settled(org) == [] and receiver.posts() == []
    assert org.logs(filter=f'eventType eq "{MFA}"') == []


def test_only_subscribed_types_reach_a_hook(org: Org, receiver: Receiver) -> None:
    verified(org, f"{receiver.url}/ok", UNLOCK)
    user_id = org.create_user()
    flow_id, code = challenge(org, user_id)
    assert enter(org, flow_id, code) == "SUCCESS"
    flow_id, code = challenge(org, user_id, "account-unlock")
    assert enter(org, flow_id, code) == "SUCCESS"
    settled(org)
    assert [e["eventType"] for e in delivered_events(receiver)] == [UNLOCK]


def test_only_active_and_verified_hooks_receive(org: Org, receiver: Receiver) -> None:
    create(org, f"{receiver.url}/ok", MFA)  # never verified
    inactive = verified(org, f"{receiver.url}/refuse", MFA)
    org.api("POST", f"/api/v1/eventHooks/{inactive['id']}/lifecycle/deactivate")
    live = verified(org, f"{receiver.url}/flaky", MFA)
    receiver.reset()
    flow_id, code = challenge(org, org.create_user())
    assert enter(org, flow_id, code) == "SUCCESS"
    attempts = settled(org)
    assert {a["hookId"] for a in attempts} == {live["id"]}
    assert receiver.posts("ok") == [] and receiver.posts("refuse") == []


def test_one_retry_after_a_server_error_delivers_at_least_once(
    org: Org, receiver: Receiver
) -> None:
    verified(org, f"{receiver.url}/flaky", MFA)
    receiver.reset()
    flow_id, code = challenge(org, org.create_user())
    enter(org, flow_id, code)
    attempts = settled(org)
    assert [(a["attempt"], a["outcome"], a["httpStatus"]) for a in attempts] == [
        (1, "HTTP_ERROR", 502),
        (2, "DELIVERED", 200),
    ]
    first, second = (call.json() for call in receiver.posts("flaky"))
    assert first == second  # the same delivery again: the receiver de-duplicates on uuid
    assert org.logs(filter='eventType eq "event_hook.delivery"') == []


def test_one_retry_after_a_timeout(org: Org, receiver: Receiver) -> None:
    verified(org, f"{receiver.url}/slow", MFA)
    flow_id, code = challenge(org, org.create_user())
    enter(org, flow_id, code)
    attempts = settled(org)
    assert [(a["attempt"], a["outcome"]) for a in attempts] == [(1, "TIMEOUT"), (2, "DELIVERED")]


def test_a_failed_delivery_is_retried_once_and_logged(org: Org, receiver: Receiver) -> None:
    hook = verified(org, f"{receiver.url}/broken", MFA)
    flow_id, code = challenge(org, org.create_user())
    enter(org, flow_id, code)
    attempts = settled(org)
    assert [(a["attempt"], a["httpStatus"]) for a in attempts] == [(1, 500), (2, 500)]
    (failure,) = org.logs(filter='eventType eq "event_hook.delivery"')
    assert failure["outcome"]["result"] == "FAILURE"
    assert failure["target"][0]["id"] == hook["id"]
    assert failure["debugContext"]["debugData"]["eventUuids"] == attempts[0]["eventUuids"][0]


def test_a_client_error_is_not_retried(org: Org, receiver: Receiver) -> None:
    verified(org, f"{receiver.url}/refuse", MFA)
    flow_id, code = challenge(org, org.create_user())
    enter(org, flow_id, code)
    assert [(a["attempt"], a["httpStatus"]) for a in settled(org)] == [(1, 400)]
    assert len(org.logs(filter='eventType eq "event_hook.delivery"')) == 1


def test_faults_duplicate_drop_and_delay(org: Org, receiver: Receiver) -> None:
    verified(org, f"{receiver.url}/ok", MFA)
    user_id = org.create_user()
    assert org.api("PUT", FAULTS, json={"duplicate": True}).status_code == 200
    flow_id, code = challenge(org, user_id)
    enter(org, flow_id, code)
    settled(org)
    first, second = delivered_events(receiver)
    assert first["uuid"] == second["uuid"]

    receiver.reset()
    org.api("PUT", FAULTS, json={"drop": True})
    flow_id, code = challenge(org, user_id)
    enter(org, flow_id, code)
    assert [a["outcome"] for a in settled(org)][-1] == "DROPPED"
    assert receiver.posts() == []

    org.api("PUT", FAULTS, json={"delayS": 1.0})
    flow_id, code = challenge(org, user_id)
    enter(org, flow_id, code)
    pending = requests.get(org.url + "/_mock/event-hooks/deliveries", timeout=10).json()
    assert pending["pending"] == 1 and receiver.posts() == []  # late: the flow did not wait
    settled(org)
    assert len(receiver.posts()) == 1
    assert org.api("DELETE", FAULTS).status_code == 204
    assert org.api("GET", FAULTS).json() == {"delayS": 0.0, "duplicate": False, "drop": False}


def test_faults_are_checked(org: Org) -> None:
    bad = org.api("PUT", FAULTS, json={"delayS": -1, "duplicate": "yes", "late": 1})
    assert bad.status_code == 400
    found = {c["errorSummary"] for c in bad.json()["errorCauses"]}
    assert found == {
        "late: unknown fault",
        "delayS: must be between 0 and 120",
        "duplicate: must be true or false",
    }


def test_the_sign_in_pages_deliver_the_same_event(org: Org, receiver: Receiver) -> None:
    """A wrong code on the sign-in page is an auth_via_mfa FAILURE, which Okta delivers too
    (a hook gets every event of its types; the receiver counts only SUCCESS); the right code
    then delivers the agreement's SUCCESS event."""
    verified(org, f"{receiver.url}/ok", MFA)
    user_id = org.create_user("ana@example.com")
    widget = Widget(org)
    try:
        widget.sign_in_to_code_page("ana@example.com")
        code = outbox_otp(org)
        widget.post("/signin/verify", {"code": "000000" if code != "000000" else "111111"})
        widget.post("/signin/verify", {"code": code})
        assert ("success", messages.SIGNED_IN) in widget.page.notices
    finally:
        widget.close()
    settled(org)
    failed, entered = delivered_events(receiver)
    assert (failed["eventType"], failed["outcome"]["result"]) == (MFA, "FAILURE")
    assert (entered["eventType"], entered["outcome"]["result"]) == (MFA, "SUCCESS")
    assert entered["target"][0]["id"] == user_id
    assert entered["debugContext"]["debugData"]["factor"] == "SMS_FACTOR"
