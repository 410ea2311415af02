"""Sign-in flows against fake hooks answering each way Okta tells apart (CONTRACT.md §2)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from mocks.common.timestamps import parse_iso
from mocks.okta.classify import DEFAULT_END_USER_ERROR
from tests.mocks.okta.conftest import AUTH_KEY, AUTH_VALUE, FakeHook, Org, assert_valid

SEND = "system.sms.send_factor_verify_message"
FALLBACK_SENT = ("OKTA_FALLBACK", True)
# behaviour, outcome, httpStatus, hook status, fallback, end-user message, hook executed-failure
CASES: list[tuple[str, str, int | None, str | None, bool, str | None, bool]] = [
    ("successful", "SUCCESSFUL", 200, "SUCCESSFUL", False, None, False),
    ("pending", "PENDING", 200, "PENDING", False, None, False),
    ("failed", "FAILED", 200, "FAILED", True, None, False),
    ("error", "ERROR", 200, None, True, "This number cannot receive SMS", False),
    ("error-empty", "ERROR", 200, None, True, DEFAULT_END_USER_ERROR, False),
    ("unauthorized", "HTTP_ERROR", 401, None, True, None, True),
    ("server-error", "HTTP_ERROR", 500, None, True, None, True),
    ("slow?s=1", "TIMEOUT", None, None, True, None, True),
    ("redirect", "HTTP_ERROR", 302, None, True, None, True),
    ("malformed", "MALFORMED", 200, None, True, None, True),
    ("unknown-status", "MALFORMED", 200, None, True, None, True),
    ("oversized", "TOO_LARGE", 200, None, True, None, True),
    ("oversized-stream", "TOO_LARGE", 200, None, True, None, True),
]


def by_type(events: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [e for e in events if e["eventType"] == event_type]


@pytest.mark.parametrize(
    ("behaviour", "outcome", "http_status", "status", "fallback", "user_message", "failed"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_outcome_per_answer(
    org: Org,
    fake_hook: FakeHook,
    behaviour: str,
    outcome: str,
    http_status: int | None,
    status: str | None,
    fallback: bool,
    user_message: str | None,
    failed: bool,
) -> None:
    hook = org.create_hook(f"{fake_hook.url}/{behaviour}")
    user = org.create_user()
    response = org.flow(user)
    assert response.status_code == 200, response.text
    flow = response.json()
    assert flow["outcome"] == outcome
    assert flow["fallback"] is fallback
    assert flow["endUserMessage"] == user_message
    assert flow["hook"]["id"] == hook["id"]
    assert flow["hook"]["httpStatus"] == http_status
    assert flow["hook"]["status"] == status
    assert isinstance(flow["hook"]["durationMs"], int)
    # The hook's own errorSummary, or what went wrong; an empty error object has none.
    assert (flow["hook"]["errorSummary"] is not None) is (fallback and behaviour != "error-empty")
    via = (flow["delivery"]["via"], flow["delivery"]["sent"])
    assert via == (FALLBACK_SENT if fallback else ("HOOK", True))
    # Okta never retries a telephony hook and never follows a redirect.
    assert [r["path"] for r in fake_hook.received] == [behaviour.split("?")[0]]

    events = org.logs()
    for event in events:
        assert_valid("okta/log-event", event)
    assert len(by_type(events, "inline_hook.executed")) == int(failed)
    processed = by_type(events, "inline_hook.response.processed")
    assert len(processed) == int(http_status is not None)
    if processed:
        assert processed[0]["outcome"]["result"] == (
            "SUCCESS" if outcome in ("SUCCESSFUL", "PENDING") else "FAILURE"
        )
    (send,) = by_type(events, SEND)
    debug = send["debugContext"]["debugData"]
    assert send["outcome"]["result"] == "SUCCESS"
    assert debug["is_sms_hook_failover"] == ("true" if fallback else "false")
    assert debug["phone_number"] == "+********567"
    assert debug["country_code_iso2"] == "NZ"
    assert debug["transaction_id"] == flow["delivery"]["transactionId"]
    assert ("hook_error_message" in debug) is fallback
    receive = by_type(events, "system.sms.receive_status")
    assert len(receive) == int(fallback)
    outbox = org.api("GET", "/_mock/fallback/messages").json()
    assert len(outbox) == int(fallback)


def test_request_is_built_and_sent_as_okta_does(org: Org, fake_hook: FakeHook) -> None:
    hook = org.create_hook(f"{fake_hook.url}/successful")
    user = org.create_user()
    flow = org.flow(user, requestType="password-reset", ipAddress="203.0.113.9").json()
    (call,) = fake_hook.received
    headers = call["headers"]
    assert headers[AUTH_KEY.lower()] == AUTH_VALUE
    assert headers["x-tenant"] == "acme"
    assert headers["accept"] == "application/json"
    assert headers["content-type"] == "application/json"
    body = json.loads(call["body"])
    assert_valid("okta/telephony-request", body)
    assert body["eventId"] == flow["eventId"] and len(body["eventId"]) == 22
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["eventTime"])
    assert body["source"] == f"{org.url}/api/v1/inlineHooks/{hook['id']}"
    assert body["requestType"] == "com.okta.user.telephony.password-reset"
    request = body["data"]["context"]["request"]
    assert request["method"] == "POST" and request["ipAddress"] == "203.0.113.9"
    assert request["id"].startswith("req")
    assert body["data"]["userProfile"] == {
        "firstName": "Ana",
        "lastName": "Ngata",
        "login": "ana@example.com",
        "userId": user,
    }
    message = body["data"]["messageProfile"]
    assert re.fullmatch(r"\d{6}", message["otpCode"])
    assert message["msgTemplate"] == f"Your verification code is {message['otpCode']}."
    assert message["phoneNumber"] == "+64211234567"
    assert message["deliveryChannel"] == "SMS"
    assert message["locale"] == "EN-US"
    expires = parse_iso(message["otpExpires"]) - parse_iso(body["eventTime"])
    assert expires == pytest.approx(300, abs=0.01)


def test_locale_voice_and_phone_override(org: Org, fake_hook: FakeHook) -> None:
    org.create_hook(f"{fake_hook.url}/failed")
    user = org.create_user()
    flow = org.flow(user, channel="voice call", locale="fr-CA", phoneNumber="+61412345678").json()
    message = json.loads(fake_hook.received[0]["body"])["data"]["messageProfile"]
    assert message["deliveryChannel"] == "voice call"
    assert message["locale"] == "fr-CA"
    assert message["phoneNumber"] == "+61412345678"
    assert message["msgTemplate"].startswith("Votre code de vérification est")
    assert " ".join(message["otpCode"]) in message["msgTemplate"]
    assert flow["phoneNumber"] == "+********678"
    (send,) = by_type(org.logs(), "system.voice.send_mfa_challenge_call")
    debug = send["debugContext"]["debugData"]
    assert debug["is_call_hook_failover"] == "true"
    assert debug["country_code_iso2"] == "AU"
    assert by_type(org.logs(), "system.voice.receive_status")


def test_verify_the_otp_the_hook_received(org: Org, fake_hook: FakeHook) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    flow = org.flow(org.create_user()).json()
    otp = json.loads(fake_hook.received[0]["body"])["data"]["messageProfile"]["otpCode"]
    verify = f"/_mock/flows/{flow['id']}/verify"
    wrong = "000000" if otp != "000000" else "111111"
    assert org.api("POST", verify, json={"otp": wrong}).json()["result"] == "INVALID"
    assert org.api("POST", verify, json={"otp": otp}).json()["result"] == "SUCCESS"
    assert org.api("POST", verify, json={"otp": otp}).json()["result"] == "INVALID"
    assert org.api("POST", verify, json={}).status_code == 400
    assert org.api("POST", "/_mock/flows/flwNope/verify", json={"otp": otp}).status_code == 404


def test_otp_expires_after_five_minutes(org: Org, fake_hook: FakeHook) -> None:
    org.create_hook(f"{fake_hook.url}/server-error")
    flow = org.flow(org.create_user()).json()
    (sent,) = org.api("GET", "/_mock/fallback/messages").json()
    otp = re.search(r"\d{6}", sent["text"])
    assert otp is not None and sent["flowId"] == flow["id"] and sent["failover"] is True
    org.clock.advance(301)
    result = org.api("POST", f"/_mock/flows/{flow['id']}/verify", json={"otp": otp.group(0)})
    assert result.json()["result"] == "EXPIRED"


def test_no_active_hook_sends_through_okta(org: Org) -> None:
    flow = org.flow(org.create_user()).json()
    assert flow["outcome"] == "NO_HOOK"
    assert flow["hook"] is None and flow["fallback"] is False
    assert flow["delivery"]["via"] == "OKTA" and flow["delivery"]["sent"] is True
    (send,) = by_type(org.logs(), SEND)
    assert send["debugContext"]["debugData"]["is_sms_hook_failover"] == "false"


def test_one_challenge_per_number_per_interval(org: Org, fake_hook: FakeHook) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    user = org.create_user()
    assert org.flow(user).json()["outcome"] == "SUCCESSFUL"
    org.clock.advance(29)
    denied = org.flow(user, requestType="account-unlock").json()
    assert denied["outcome"] == "DENY"
    assert denied["endUserMessage"] and denied["delivery"] == {
        "via": "NONE",
        "sent": False,
        "transactionId": None,
    }
    assert len(fake_hook.received) == 1
    (send,) = by_type(org.logs(), "system.sms.send_account_unlock_message")
    assert send["outcome"]["result"] == "DENY"
    verify = org.api("POST", f"/_mock/flows/{denied['id']}/verify", json={"otp": "123456"})
    assert verify.json()["result"] == "INVALID"
    org.clock.advance(1)
    assert org.flow(user).json()["outcome"] == "SUCCESSFUL"


def test_flow_input_errors(org: Org) -> None:
    missing = org.flow("nobody@example.com")
    assert missing.status_code == 404 and missing.json()["errorCode"] == "E0000007"
    user = org.create_user()
    bad = org.api("POST", "/_mock/flows", json={"user": user, "requestType": "x", "channel": "fax"})
    assert bad.status_code == 400
    body = bad.json()
    assert_valid("okta/error", body)
    assert body["errorCode"] == "E0000001" and len(body["errorCauses"]) == 2
    garbage = org.api("POST", "/_mock/flows", data=b"{nope")
    assert garbage.status_code == 400 and garbage.json()["errorCode"] == "E0000003"


def test_flows_are_listed_and_fetched_without_secrets(org: Org, fake_hook: FakeHook) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    flow = org.flow(org.create_user()).json()
    fetched = org.api("GET", f"/_mock/flows/{flow['id']}").json()
    assert fetched == flow
    assert org.api("GET", "/_mock/flows").json() == [flow]
    otp = json.loads(fake_hook.received[0]["body"])["data"]["messageProfile"]["otpCode"]
    assert otp not in json.dumps(flow)
    assert "+64211234567" not in json.dumps(flow)
