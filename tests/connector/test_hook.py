"""Every row of DESIGN.md's outcome table, reached through ``TelephonyHook`` with the gateway
faked behind its Protocol, and the log fields each call leaves."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import pytest

from connector.answers import Answer
from connector.call_fields import call_fields
from connector.errors import (
    GatewayNoAnswer,
    GatewayRejectedCredential,
    GatewayRejectedMessage,
    GatewayUnavailable,
)
from connector.gateway import GatewayReceipt
from connector.hook import HookCall, TelephonyHook
from connector.request import SHORT_REQUEST_TYPES
from connector.settings import load_settings
from connector.validation import RequestValidator
from tests.connector import payloads
from tests.connector.fakes import FakeGateway
from tests.contract import command_value, okta_answer

VALIDATOR = RequestValidator()


def run_hook(
    body: bytes,
    gateway: FakeGateway,
    *,
    authorization: str | None = payloads.AUTHORIZATION,
    **settings: Any,
) -> tuple[Answer, dict[str, Any], dict[str, Any]]:
    hook = TelephonyHook(
        load_settings({}, gateway_url="http://127.0.0.1:9", **settings), gateway, VALIDATOR
    )
    authorizations = () if authorization is None else (authorization,)
    call = HookCall(authorizations=authorizations, body=body, arrived=time.monotonic())
    handled = asyncio.run(hook.handle(call))
    answer = handled.answer
    return answer, okta_answer(answer.body), call_fields(handled, duration_ms=0.0)


def test_accepted_by_gateway_is_successful_with_message_id() -> None:
    gateway = FakeGateway(GatewayReceipt(http_status=202, message_id="3f1c2b9e-msg"))
    okta_request = payloads.request()
    answer, document, log = run_hook(json.dumps(okta_request).encode(), gateway)
    assert answer.http_status == 200
    value = command_value(document)
    assert value["status"] == "SUCCESSFUL"
    assert value["provider"] == "EZITXT"
    assert value["transactionId"] == "3f1c2b9e-msg"
    sms, authorization, timeout_s = gateway.calls[0]
    assert sms.destination == payloads.PHONE
    assert sms.content == payloads.MESSAGE
    assert sms.reference == okta_request["eventId"]
    assert authorization == payloads.AUTHORIZATION
    assert 0 < timeout_s < 2.5
    assert log["message_id"] == "3f1c2b9e-msg"
    assert answer.outcome == "sent"


def test_provider_name_is_configurable() -> None:
    _, document, _ = run_hook(payloads.body(), FakeGateway(), provider_name="EZITXT-AU")
    assert command_value(document)["provider"] == "EZITXT-AU"


@pytest.mark.parametrize("number", ["021 123 4567", "+64211234567", "64211234567", "0211234567"])
def test_every_form_of_a_nz_number_reaches_the_same_handset(number: str) -> None:
    gateway = FakeGateway()
    run_hook(payloads.body(phoneNumber=number), gateway)
    assert gateway.calls[0][0].destination == "+64211234567"


def test_default_region_reads_national_numbers() -> None:
    gateway = FakeGateway()
    run_hook(payloads.body(phoneNumber="0412 345 678"), gateway, default_region="AU")
    assert gateway.calls[0][0].destination == "+61412345678"


@pytest.mark.parametrize("channel", ["voice call", "Voice Call", "CALL", "call", "Voice", "VOICE"])
def test_voice_in_any_spelling_is_an_end_user_error_and_nothing_is_sent(channel: str) -> None:
    gateway = FakeGateway()
    answer, document, log = run_hook(payloads.body(deliveryChannel=channel), gateway)
    assert answer.http_status == 200
    assert "Voice calls are not available" in document["error"]["errorSummary"]
    assert document["error"]["errorCauses"][0]["reason"] == "voice_not_offered"
    assert gateway.calls == []
    assert answer.outcome == "voice_not_offered"


@pytest.mark.parametrize("channel", ["SMS", "sms", "Sms"])
def test_sms_in_any_case_is_sent(channel: str) -> None:
    gateway = FakeGateway()
    answer, _, _ = run_hook(payloads.body(deliveryChannel=channel), gateway)
    assert answer.outcome == "sent" and len(gateway.calls) == 1


@pytest.mark.parametrize("number", ["9876543210", "not a number", "", "+64 21 123", "+999123"])
def test_unusable_number_is_an_end_user_error_and_nothing_is_sent(number: str) -> None:
    gateway = FakeGateway()
    answer, document, _ = run_hook(payloads.body(phoneNumber=number), gateway)
    assert answer.http_status == 200
    assert document["error"]["errorCauses"][0]["reason"] == "unusable_number"
    assert number.strip() == "" or number not in answer.body.decode()
    assert gateway.calls == []


def test_region_outside_the_allowed_ones_is_blocked_by_policy() -> None:
    gateway = FakeGateway()
    answer, document, _ = run_hook(
        payloads.body(phoneNumber="+16502530000"), gateway, allowed_regions="NZ,AU"
    )
    assert answer.http_status == 200 and answer.outcome == "blocked_by_policy"
    assert gateway.calls == []


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        (None, "missing_credential"),
        ("", "missing_credential"),
        ("Bearer abc.def.ghi", "malformed_credential"),
        ("Basic", "malformed_credential"),
        ("Basic !!!not-base64!!!", "malformed_credential"),
        ("Basic " + base64.b64encode(b"no-colon").decode(), "malformed_credential"),
        ("Basic " + base64.b64encode(b":password-only").decode(), "malformed_credential"),
        ("Basic " + base64.b64encode(b"app:").decode(), "malformed_credential"),
        ("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), "malformed_credential"),
    ],
)
def test_missing_or_malformed_credential_is_401_without_gateway_call(
    authorization: str | None, reason: str
) -> None:
    gateway = FakeGateway()
    answer, document, _ = run_hook(payloads.body(), gateway, authorization=authorization)
    assert answer.http_status == 401
    assert document["error"]["errorCauses"][0]["reason"] == reason
    assert document["error"]["errorCauses"][0]["locationType"] == "header"
    assert gateway.calls == []


@pytest.mark.parametrize("status", [401, 403])
def test_gateway_refusing_the_credential_is_401(status: int) -> None:
    error = GatewayRejectedCredential("gateway_rejected_credential", http_status=status)
    answer, document, log = run_hook(payloads.body(), FakeGateway(error))
    assert answer.http_status == 401
    assert log["gateway_status"] == status


@pytest.mark.parametrize(
    ("field", "location"),
    [
        ("destination", "$.data.messageProfile.phoneNumber"),
        ("content", "$.data.messageProfile.msgTemplate"),
    ],
)
@pytest.mark.parametrize("status", [400, 422])
def test_gateway_refusing_destination_or_content_is_an_end_user_error(
    status: int, field: str, location: str
) -> None:
    error = GatewayRejectedMessage("invalid_attrib", http_status=status, field=field)
    answer, document, _ = run_hook(payloads.body(), FakeGateway(error))
    assert answer.http_status == 200
    assert document["error"]["errorCauses"][0]["location"] == location
    assert document["error"]["errorCauses"][0]["reason"] == "invalid_attrib"


@pytest.mark.parametrize("reason", ["gateway_http_500", "gateway_unreachable", "no_time_left"])
def test_gateway_down_is_503(reason: str) -> None:
    answer, document, _ = run_hook(payloads.body(), FakeGateway(GatewayUnavailable(reason)))
    assert answer.http_status == 503
    assert document["error"]["errorCauses"][0]["reason"] == reason


def test_gateway_silent_after_sending_is_pending() -> None:
    answer, document, _ = run_hook(payloads.body(), FakeGateway(GatewayNoAnswer("gateway_timeout")))
    assert answer.http_status == 200
    assert command_value(document)["status"] == "PENDING"
    assert "transactionId" not in command_value(document)


def test_accepted_without_an_id_is_pending_not_a_failure() -> None:
    answer, document, _ = run_hook(payloads.body(), FakeGateway(GatewayReceipt(202, None)))
    assert command_value(document)["status"] == "PENDING"


@pytest.mark.parametrize("body", [b"", b"{", b"not json", b"\xff\xfe", b'{"a":}'])
def test_body_not_json_is_400(body: bytes) -> None:
    gateway = FakeGateway()
    answer, document, _ = run_hook(body, gateway)
    assert answer.http_status == 400
    assert document["error"]["errorCauses"][0]["reason"] == "invalid_json"
    assert gateway.calls == []


def test_schema_failure_names_every_failing_field() -> None:
    document = payloads.request()
    del document["eventId"]
    document["requestType"] = "com.okta.user.telephony.sign-up"
    document["data"]["messageProfile"]["phoneNumber"] = [64211234567]  # a number, but in a list
    del document["data"]["messageProfile"]["msgTemplate"]
    gateway = FakeGateway()
    answer, answer_json, log = run_hook(json.dumps(document).encode(), gateway)
    assert answer.http_status == 400
    causes = answer_json["error"]["errorCauses"]
    assert {c["location"] for c in causes} == {
        "$.eventId",
        "$.requestType",
        "$.data.messageProfile.phoneNumber",
        "$.data.messageProfile.msgTemplate",
    }
    assert all(c["locationType"] == "body" for c in causes)
    assert "64211234567" not in answer.body.decode()
    assert gateway.calls == []


def test_unknown_properties_are_accepted_and_counted() -> None:
    document = payloads.request()
    document["newTopLevel"] = 1
    document["data"]["messageProfile"]["newField"] = "x"
    answer, _, log = run_hook(json.dumps(document).encode(), FakeGateway())
    assert answer.outcome == "sent"
    assert log["unknown_fields"] == 2


def test_okta_sample_with_national_number_is_an_end_user_error() -> None:
    """Okta's Preview sends "9876543210": usable in no region we serve."""
    path = "schemas/okta/examples/telephony-request.okta-sample.pass.json"
    with open(path, encoding="utf-8") as sample:
        body = sample.read().encode()
    answer, _, log = run_hook(body, FakeGateway())
    assert answer.http_status == 200 and answer.outcome == "unusable_number"
    assert log["request_type"] == "pre-enrollment"


@pytest.mark.parametrize(
    ("extra", "count"),
    [
        ({}, 0),
        ({"a": 1}, 1),
        ({"a": 1, "b": {"c": 2}}, 2),
    ],
)
def test_unknown_properties_are_counted_at_every_level(extra: dict[str, Any], count: int) -> None:
    document = payloads.request()
    document.update(extra)
    document["data"]["context"]["request"].update(extra)
    assert VALIDATOR.check(document) == ([], 2 * count)


def test_every_request_type_the_schema_allows_has_a_log_name() -> None:
    assert set(VALIDATOR.schema["properties"]["requestType"]["enum"]) == set(SHORT_REQUEST_TYPES)


@pytest.mark.parametrize(("number", "otp"), [(64211234567, 482915), ("+64211234567", 482915)])
def test_integer_phone_number_and_otp_code_are_read_as_their_decimal_text(
    number: int | str, otp: int
) -> None:
    """Okta's OpenAPI example writes both unquoted (CONTRACT.md §1)."""
    gateway = FakeGateway()
    answer, _, log = run_hook(payloads.body(phoneNumber=number, otpCode=otp), gateway)
    assert answer.outcome == "sent"
    assert gateway.calls[0][0].destination == "+64211234567"
    assert log["number"] == "***567"


@pytest.mark.parametrize("value", [True, 64211234567.0, -1, {"n": 1}])
def test_anything_else_in_place_of_a_number_is_refused(value: Any) -> None:
    gateway = FakeGateway()
    answer, document, log = run_hook(payloads.body(phoneNumber=value), gateway)
    assert answer.http_status == 400 and answer.outcome == "schema_invalid"
    assert log["schema_errors"] == ["$.data.messageProfile.phoneNumber"]
    assert gateway.calls == []
