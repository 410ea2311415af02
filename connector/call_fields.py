"""The fields of a hook call's log line, built once at the end from what the call decided.

Pure. Only safe values (DESIGN.md decision 5): the request's ids, types and channel, the
number masked to its last 3 digits, the destination's country and prefix (country code and the
first national digits: a range, not a number), fixed reason tokens, the gateway's status and
message id. Never the OTP, the message text, the credential or a number.
"""

from __future__ import annotations

from typing import Any

from connector.decisions import Send
from connector.gateway import GatewayReceipt
from connector.hook import Handled
from connector.outcomes import Outcomes
from connector.phone import mask
from connector.refusals import NUMBER_TYPE_REFUSED, SCHEMA_INVALID, Refusal

_TABLE = Outcomes()


def call_fields(handled: Handled, *, duration_ms: float) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    request, decision, trip = handled.request, handled.decision, handled.trip
    if request is not None:
        fields["event_id"] = request.event_id
        fields["okta_request_id"] = request.okta_request_id
        fields["request_type"] = request.request_type
        fields["channel"] = request.channel
        fields["number"] = mask(request.phone_number)
        if request.unknown_fields:
            fields["unknown_fields"] = request.unknown_fields
    if isinstance(decision, Send):
        fields["country"] = decision.country
        fields["prefix"] = decision.prefix
    elif isinstance(decision, Refusal):
        if decision.country:
            fields["country"] = decision.country
        if decision.prefix:
            fields["prefix"] = decision.prefix  # a range (phone.number_prefix), not a number
        if decision.reason == NUMBER_TYPE_REFUSED:
            fields["number_type"] = decision.detail
        elif decision.detail:
            fields["number_problem"] = decision.detail
        if decision.reason == SCHEMA_INVALID:
            fields["schema_errors"] = [cause.location for cause in decision.causes]
    if trip is not None:
        result = trip.result
        if trip.replayed:
            # The first call's outcome (the table names outcomes alike in every configuration).
            fields["replay_of"] = _TABLE.answer_for(result).outcome
        else:
            fields["gateway_status"] = result.http_status
            if isinstance(result, GatewayReceipt):
                fields["message_id"] = result.message_id
            else:
                fields["gateway_reason"] = result.reason
        if trip.event_id_reused:
            fields["event_id_reused"] = True
        if trip.other_credential:
            fields["replay_refused"] = "other_credential"
        if trip.state_unavailable:
            fields["state_unavailable"] = True
    fields["outcome"] = handled.answer.outcome
    fields["http_status"] = handled.answer.http_status
    fields["duration_ms"] = duration_ms
    return fields
