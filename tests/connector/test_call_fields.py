"""The log line's fields, built from the call's values at the end: pure, no server, no loop."""

from __future__ import annotations

from typing import Any

import pytest

from connector.answers import ErrorCause
from connector.call_fields import call_fields
from connector.decisions import Send
from connector.errors import GatewayNoAnswer, GatewayUnavailable
from connector.gateway import GatewayReceipt, OutboundSms
from connector.hook import Handled, Trip
from connector.outcomes import Outcomes
from connector.refusals import RATE_LIMITS, Refusal
from connector.request import HookRequest
from tests.connector import payloads

TABLE = Outcomes()
REQUEST = HookRequest("evt1", "req1", "mfa-verification", "sms", "021 123 4567", payloads.MESSAGE)
SEND = Send(OutboundSms(payloads.PHONE, payloads.MESSAGE, "evt1"), "NZ", "+6421123")
RECEIPT = GatewayReceipt(202, "msg-1")
COMMON = {
    "event_id": "evt1",
    "okta_request_id": "req1",
    "request_type": "mfa-verification",
    "channel": "sms",
    "number": "***567",
}


def handled(decision: Refusal | Send, trip: Trip | None = None) -> Handled:
    if isinstance(decision, Refusal):
        return Handled(TABLE.refused(decision), REQUEST, decision)
    assert trip is not None
    answer = TABLE.replayed(trip.result) if trip.replayed else TABLE.answer_for(trip.result)
    return Handled(answer, REQUEST, decision, trip)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            handled(SEND, Trip(RECEIPT)),
            {
                **COMMON,
                "country": "NZ",
                "prefix": "+6421123",
                "gateway_status": 202,
                "message_id": "msg-1",
            },
        ),
        (
            handled(SEND, Trip(RECEIPT, replayed=True)),
            {**COMMON, "country": "NZ", "prefix": "+6421123", "replay_of": "sent"},
        ),
        (
            handled(
                SEND, Trip(GatewayNoAnswer("gateway_http_504", http_status=504), replayed=True)
            ),
            {**COMMON, "country": "NZ", "prefix": "+6421123", "replay_of": "pending"},
        ),
        (
            handled(SEND, Trip(RECEIPT, event_id_reused=True)),
            {
                **COMMON,
                "country": "NZ",
                "prefix": "+6421123",
                "gateway_status": 202,
                "message_id": "msg-1",
                "event_id_reused": True,
            },
        ),
        (
            handled(SEND, Trip(GatewayUnavailable("gateway_unreachable"), other_credential=True)),
            {
                **COMMON,
                "country": "NZ",
                "prefix": "+6421123",
                "gateway_status": None,
                "gateway_reason": "gateway_unreachable",
                "replay_refused": "other_credential",
            },
        ),
        (
            handled(Refusal("unusable_number", detail="invalid_number")),
            {**COMMON, "number_problem": "invalid_number"},
        ),
        (handled(Refusal("blocked_by_policy", country="US")), {**COMMON, "country": "US"}),
        (
            handled(Refusal("number_type_refused", detail="premium_rate", country="NZ")),
            {**COMMON, "country": "NZ", "number_type": "premium_rate"},
        ),
        (
            handled(Refusal("prefix_blocked", country="NZ", prefix="+6421123")),
            {**COMMON, "country": "NZ", "prefix": "+6421123"},
        ),
        *(
            (
                handled(Refusal(reason, country="NZ", prefix="+6421123")),
                {**COMMON, "country": "NZ", "prefix": "+6421123"},
            )
            for reason in RATE_LIMITS
        ),
    ],
)
def test_fields_name_what_the_call_decided(call: Handled, expected: dict[str, Any]) -> None:
    fields = call_fields(call, duration_ms=1.5)
    tail = {
        "outcome": call.answer.outcome,
        "http_status": call.answer.http_status,
        "duration_ms": 1.5,
    }
    assert fields == {**expected, **tail}
    text = repr(fields)
    assert payloads.OTP not in text and "1234567" not in text and "211234567" not in text


def test_refusals_before_the_request_was_read_carry_only_the_outcome() -> None:
    cause = ErrorCause("$.eventId is required", "schema_required", location="$.eventId")
    refusal = Refusal("schema_invalid", causes=(cause,))
    fields = call_fields(Handled(TABLE.refused(refusal), decision=refusal), duration_ms=0.2)
    assert fields == {
        "schema_errors": ["$.eventId"],
        "outcome": "schema_invalid",
        "http_status": 400,
        "duration_ms": 0.2,
    }
    assert call_fields(Handled(TABLE.internal_error()), duration_ms=0.0)["http_status"] == 500
