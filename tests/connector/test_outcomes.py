"""DESIGN.md's outcome table, row by row, as ``connector.outcomes`` answers it: pure functions, no
server, no event loop. Every answer validates against Okta's response schema."""

from __future__ import annotations

import pytest

from connector import refusals
from connector.answers import ErrorCause
from connector.errors import (
    GatewayError,
    GatewayNoAnswer,
    GatewayRejectedCredential,
    GatewayRejectedMessage,
    GatewayUnavailable,
)
from connector.gateway import GatewayReceipt
from connector.outcomes import REFUSAL_ROWS, GatewayResult, Outcomes
from connector.refusals import Refusal
from tests.contract import command_value, okta_answer

TABLE = Outcomes(provider="EZITXT", auth_field="X-Okta-Secret")
SCHEMA_CAUSE = ErrorCause("$.eventId is required", "schema_required", location="$.eventId")

# refusal → HTTP status, outcome, the cause's reason, locationType, location
REFUSALS = [
    (Refusal("missing_credential"), 401, "missing_credential", "header", "X-Okta-Secret"),
    (Refusal("malformed_credential"), 401, "malformed_credential", "header", "X-Okta-Secret"),
    (Refusal("ambiguous_credential"), 401, "ambiguous_credential", "header", "X-Okta-Secret"),
    # The auth modes (connector.auth_modes): every refused caller is a 401 naming the header.
    *(
        (Refusal(reason), 401, reason, "header", "X-Okta-Secret")
        for reason in ("unknown_secret", "token_missing", *refusals.TOKEN_REASONS)
    ),
    (Refusal("bad_json"), 400, "invalid_json", "body", "$"),
    (
        Refusal("schema_invalid", causes=(SCHEMA_CAUSE,)),
        400,
        "schema_required",
        "body",
        "$.eventId",
    ),
    (Refusal("too_large"), 413, "body_too_large", "body", "$"),
    (Refusal("body_timeout"), 408, "body_timeout", "body", "$"),
    (
        Refusal("voice_not_offered"),
        200,
        "voice_not_offered",
        "body",
        "$.data.messageProfile.deliveryChannel",
    ),
    (
        Refusal("unusable_number", detail="invalid_number"),
        200,
        "unusable_number",
        "body",
        "$.data.messageProfile.phoneNumber",
    ),
    (
        Refusal("blocked_by_policy", country="US"),
        200,
        "blocked_by_policy",
        "body",
        "$.data.messageProfile.phoneNumber",
    ),
    *[
        (Refusal(reason, prefix="+6421"), 200, reason, "body", "$.data.messageProfile.phoneNumber")
        for reason in (
            "number_type_refused",
            "rate_limited_number",
            "rate_limited_prefix",
            "rate_limited_application",
            "rate_limited_user",
            "prefix_blocked",
        )
    ],
    # Okta's event hook (/okta/events): admins only.
    (Refusal("events_unauthorized"), 401, "events_unauthorized", "header", "X-Okta-Secret"),
    (Refusal("events_auth_unavailable"), 503, "events_auth_unavailable", "header", "X-Okta-Secret"),
    (
        Refusal("events_no_challenge"),
        400,
        "events_no_challenge",
        "header",
        "X-Okta-Verification-Challenge",
    ),
    (Refusal("events_bad_json"), 400, "invalid_json", "body", "$"),
    (
        Refusal("events_schema_invalid", causes=(SCHEMA_CAUSE,)),
        400,
        "schema_required",
        "body",
        "$.eventId",
    ),
    (Refusal("events_state_unavailable"), 503, "events_state_unavailable", "hook", "state_store"),
    (Refusal("http_404", location="/nope"), 404, "http_404", "url", "/nope"),
    (Refusal("http_405", location="/okta/telephony"), 405, "http_405", "url", "/okta/telephony"),
]


@pytest.mark.parametrize(
    ("refusal", "status", "reason", "location_type", "location"),
    REFUSALS,
    ids=[row[0].reason for row in REFUSALS],
)
def test_each_refusal_is_answered_as_the_table_says(
    refusal: Refusal, status: int, reason: str, location_type: str, location: str
) -> None:
    answer = TABLE.refused(refusal)
    assert answer.http_status == status
    assert answer.outcome == refusal.reason
    [cause] = okta_answer(answer.body)["error"]["errorCauses"]
    assert (cause["reason"], cause["locationType"], cause["location"]) == (
        reason,
        location_type,
        location,
    )
    challenged = dict(answer.headers).get(b"www-authenticate", b"")
    assert challenged.startswith(b"Basic") is (status == 401)


def test_event_hook_answers() -> None:
    """Okta's verification gets its challenge back; a delivery taken, 200 and nothing else
    (Okta's event hook docs: 200 or 204, an empty body)."""
    verified = TABLE.events_verified("a-challenge-value")
    assert (verified.http_status, verified.body) == (200, b'{"verification":"a-challenge-value"}')
    accepted = TABLE.events_accepted()
    assert (accepted.http_status, accepted.body, accepted.outcome) == (200, b"", "events_accepted")


def test_every_refusal_reason_has_a_row_and_a_test() -> None:
    reasons = {v for k, v in vars(refusals).items() if k.isupper() and isinstance(v, str)}
    assert reasons == set(REFUSAL_ROWS) == {row[0].reason for row in REFUSALS}


def test_end_user_answers_hold_fixed_text_only() -> None:
    """A 200 error object is shown to the end user (CONTRACT.md §2)."""
    for refusal, status, *_ in REFUSALS:
        if status == 200:
            summary = okta_answer(TABLE.refused(refusal).body)["error"]["errorSummary"]
            assert summary == REFUSAL_ROWS[refusal.reason].summary
            assert "US" not in summary and "invalid_number" not in summary
            assert "+64" not in summary and "rate_limited" not in summary


# gateway result → HTTP status, outcome, command status (None: an error object), cause reason
RESULTS: list[tuple[GatewayResult, int, str, str | None, str | None]] = [
    (GatewayReceipt(202, "msg-1"), 200, "sent", "SUCCESSFUL", None),
    (GatewayReceipt(202, None), 200, "pending", "PENDING", None),
    (GatewayNoAnswer("gateway_timeout"), 200, "pending", "PENDING", None),
    (GatewayNoAnswer("gateway_http_502", http_status=502), 200, "pending", "PENDING", None),
    (GatewayNoAnswer("budget_exhausted"), 200, "pending", "PENDING", None),
    (
        GatewayRejectedCredential("gateway_rejected_credential", http_status=401),
        401,
        "credential_rejected_by_gateway",
        None,
        "credential_rejected_by_gateway",
    ),
    (
        GatewayRejectedMessage("invalid_attrib", http_status=400, field="destination"),
        200,
        "rejected_by_gateway",
        None,
        "invalid_attrib",
    ),
    (
        GatewayUnavailable("gateway_http_503", http_status=503),
        503,
        "gateway_unavailable",
        None,
        "gateway_http_503",
    ),
    (
        GatewayUnavailable("gateway_tls_error"),
        503,
        "gateway_unavailable",
        None,
        "gateway_tls_error",
    ),
    (GatewayError("some_new_kind"), 200, "pending", "PENDING", None),
]


@pytest.mark.parametrize(
    ("result", "status", "outcome", "command", "reason"),
    RESULTS,
    ids=[f"{type(r[0]).__name__}-{r[2]}" for r in RESULTS],
)
def test_each_gateway_result_is_answered_as_the_table_says(
    result: GatewayResult, status: int, outcome: str, command: str | None, reason: str | None
) -> None:
    answer = TABLE.answer_for(result)
    assert (answer.http_status, answer.outcome) == (status, outcome)
    document = okta_answer(answer.body)
    if command is None:
        assert document["error"]["errorCauses"][0]["reason"] == reason
    else:
        value = command_value(document)
        assert value["status"] == command and value["provider"] == "EZITXT"
        if command == "SUCCESSFUL":
            assert value["transactionId"] == "msg-1"
        else:
            assert "transactionId" not in value


def test_a_replay_is_the_first_answer_byte_for_byte() -> None:
    for result, *_ in RESULTS:
        first, again = TABLE.answer_for(result), TABLE.replayed(result)
        assert (again.body, again.http_status, again.outcome) == (
            first.body,
            first.http_status,
            "replayed",
        )


def test_an_internal_error_is_500_and_okta_shaped() -> None:
    answer = TABLE.internal_error()
    assert answer.http_status == 500 and answer.outcome == "internal_error"
    assert okta_answer(answer.body)["error"]["errorCauses"][0]["locationType"] == "hook"
