"""DESIGN.md's outcome table, whole and in one place: every situation the hook meets → its answer.

Pure: a ``Refusal`` (nothing sent), the gateway's result (a ``GatewayReceipt`` or a
``GatewayError``), or an internal error in; an ``Answer`` out. The endpoint and the app's 404,
405 and 500 handlers all answer through here. Each answer is chosen for what Okta does with it
(CONTRACT.md §2): a status other than 200 makes Okta fall back silently (admins see it); an
error object with 200 is shown to the end user, so its texts are fixed and hold no personal data;
PENDING never makes Okta send a second SMS.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from connector import answers, refusals
from connector.answers import Answer, ErrorCause
from connector.errors import (
    GatewayError,
    GatewayNoAnswer,
    GatewayRejectedCredential,
    GatewayRejectedMessage,
    GatewayUnavailable,
)
from connector.gateway import GatewayReceipt
from connector.refusals import Refusal

GatewayResult = GatewayReceipt | GatewayError

# errorSummary texts Okta shows to end users (CONTRACT.md §2): fixed, no personal data.
USER_VOICE = "Voice calls are not available. Please choose to get your code by text message."
USER_NUMBER = (
    "Your phone number cannot receive text messages. Check the number, or ask your administrator."
)
USER_POLICY = "Text messages cannot be sent to this phone number's country. Ask your administrator."
USER_NUMBER_TYPE = (
    "Codes cannot be sent by text message to this type of phone number. Use a mobile number."
)
USER_TOO_MANY = "Too many codes were requested. Please wait a while and try again."
USER_PREFIX_BLOCKED = (
    "Codes cannot be sent by text message to this phone number right now. Ask your administrator."
)
USER_REJECTED = (
    "Your code could not be sent by text message. Check your phone number and try again."
)
UNAUTHORIZED = "The hook's credential is missing, malformed or not accepted."
CHECK_SECRET = "Check the Authentication Secret of the inline hook in Okta"
CHECK_EVENTS_SECRET = "Check the Authentication secret of the event hook in Okta"
CHECK_OAUTH = "Check the OAuth 2.0 settings of the inline hook in Okta and the connector's"
CHALLENGE = ((b"www-authenticate", b'Basic realm="ezitxt-okta"'),)


@dataclass(frozen=True, slots=True)
class Row:
    """How one kind of refusal is answered. ``location`` ``None``: the refusal's own."""

    http_status: int
    summary: str
    cause: str  # the errorCause's summary; the cause's reason is the refusal's
    location_type: str = "body"
    location: str | None = "$"


_CREDENTIAL = Row(401, UNAUTHORIZED, CHECK_SECRET, "header", None)
_URL = "url"
REFUSAL_ROWS: dict[str, Row] = {
    refusals.MISSING_CREDENTIAL: _CREDENTIAL,
    refusals.MALFORMED_CREDENTIAL: _CREDENTIAL,
    refusals.AMBIGUOUS_CREDENTIAL: _CREDENTIAL,
    refusals.UNKNOWN_SECRET: _CREDENTIAL,
    refusals.TOKEN_MISSING: Row(401, UNAUTHORIZED, CHECK_OAUTH, "header", None),
    **{
        reason: Row(401, UNAUTHORIZED, CHECK_OAUTH, "header", None)
        for reason in refusals.TOKEN_REASONS
    },
    refusals.BAD_JSON: Row(400, "The request body is not JSON.", "Body is not valid JSON"),
    refusals.SCHEMA_INVALID: Row(
        400, "The request does not match Okta's telephony hook contract.", ""
    ),
    refusals.TOO_LARGE: Row(413, "The request body is too large.", "Body over the size limit"),
    refusals.BODY_TIMEOUT: Row(
        408, "The request body did not arrive in time.", "Body not received within the budget"
    ),
    refusals.VOICE_NOT_OFFERED: Row(
        200, USER_VOICE, USER_VOICE, location="$.data.messageProfile.deliveryChannel"
    ),
    refusals.UNUSABLE_NUMBER: Row(
        200, USER_NUMBER, USER_NUMBER, location="$.data.messageProfile.phoneNumber"
    ),
    refusals.BLOCKED_BY_POLICY: Row(
        200, USER_POLICY, USER_POLICY, location="$.data.messageProfile.phoneNumber"
    ),
    refusals.NUMBER_TYPE_REFUSED: Row(
        200, USER_NUMBER_TYPE, USER_NUMBER_TYPE, location="$.data.messageProfile.phoneNumber"
    ),
    **{
        reason: Row(200, USER_TOO_MANY, USER_TOO_MANY, location="$.data.messageProfile.phoneNumber")
        for reason in refusals.RATE_LIMITS
    },
    refusals.PREFIX_BLOCKED: Row(
        200, USER_PREFIX_BLOCKED, USER_PREFIX_BLOCKED, location="$.data.messageProfile.phoneNumber"
    ),
    refusals.EVENTS_UNAUTHORIZED: Row(401, UNAUTHORIZED, CHECK_EVENTS_SECRET, "header", None),
    refusals.EVENTS_AUTH_UNAVAILABLE: Row(
        503,
        "The SMS gateway could not check the credential; try again.",
        "Gateway unavailable",
        "header",
        None,
    ),
    refusals.EVENTS_NO_CHALLENGE: Row(
        400,
        "A verification request must carry X-Okta-Verification-Challenge.",
        "Missing or unusable X-Okta-Verification-Challenge",
        "header",
        "X-Okta-Verification-Challenge",
    ),
    refusals.EVENTS_BAD_JSON: Row(400, "The request body is not JSON.", "Body is not valid JSON"),
    refusals.EVENTS_SCHEMA_INVALID: Row(
        400, "The request does not match Okta's event hook contract.", ""
    ),
    refusals.EVENTS_STATE_UNAVAILABLE: Row(
        503,
        "The events could not be recorded; deliver them again.",
        "State store unavailable",
        "hook",
        "state_store",
    ),
    refusals.NOT_FOUND: Row(404, "No such endpoint.", "No such endpoint.", _URL, None),
    refusals.METHOD_NOT_ALLOWED: Row(405, "Method not allowed.", "Method not allowed.", _URL, None),
}
# Reasons the body refusals carry in their one cause (the refusal's own name is the outcome).
_CAUSE_REASONS = {
    refusals.BAD_JSON: "invalid_json",
    refusals.EVENTS_BAD_JSON: "invalid_json",
    refusals.TOO_LARGE: "body_too_large",
}


@dataclass(frozen=True, slots=True)
class Outcomes:
    """The table, with the two settings its answers name: the provider, and the header that
    carries Okta's credential."""

    provider: str = "EZITXT"
    auth_field: str = "Authorization"

    def refused(self, refusal: Refusal) -> Answer:
        row = REFUSAL_ROWS[refusal.reason]
        if refusal.causes:
            causes = list(refusal.causes)
        else:
            location = refusal.location or row.location or self.auth_field
            reason = _CAUSE_REASONS.get(refusal.reason, refusal.reason)
            causes = [ErrorCause(row.cause, reason, row.location_type, location)]
        headers = CHALLENGE if row.http_status == 401 else ()
        return answers.error(
            row.http_status, row.summary, causes, outcome=refusal.reason, headers=headers
        )

    def answer_for(self, result: GatewayResult) -> Answer:
        """The gateway's reply, or what became of the call, as Okta's answer."""
        if isinstance(result, GatewayReceipt):
            if result.message_id is None:
                return self.pending("accepted_without_id")
            return answers.command(
                "SUCCESSFUL",
                provider=self.provider,
                transaction_id=result.message_id,
                metadata=f"accepted by gateway (HTTP {result.http_status})",
                outcome="sent",
            )
        if isinstance(result, GatewayNoAnswer):
            return self.pending(result.reason)
        if isinstance(result, GatewayRejectedCredential):
            return self._credential_rejected()
        if isinstance(result, GatewayRejectedMessage):
            field = "msgTemplate" if result.field == "content" else "phoneNumber"
            cause = ErrorCause(
                "The SMS gateway refused the message",
                result.reason,
                location=f"$.data.messageProfile.{field}",
            )
            return answers.error(200, USER_REJECTED, [cause], outcome="rejected_by_gateway")
        if isinstance(result, GatewayUnavailable):
            return answers.error(
                503,
                "The SMS gateway is unavailable; no message was sent.",
                [ErrorCause("Gateway unavailable", result.reason, location_type="gateway")],
                outcome="gateway_unavailable",
            )
        # A GatewayError the table does not know: nothing says it was sent, and nothing says
        # it was not; PENDING is the answer that never costs a second SMS.
        return self.pending(result.reason)

    def replayed(self, result: GatewayResult) -> Answer:
        """The answer a repeat of an event gets: the first call's, byte for byte."""
        return self.answer_for(result)._replace(outcome="replayed")

    def pending(self, reason: str) -> Answer:
        # The SMS may be on its way: a failure answer would make Okta send a second one.
        return answers.command(
            "PENDING",
            provider=self.provider,
            transaction_id=None,
            metadata=f"sent, not confirmed within the budget ({reason})",
            outcome="pending",
        )

    def events_verified(self, challenge: str) -> Answer:
        """Okta's one-time event hook verification: the challenge echoed (CONTRACT.md §6)."""
        body = orjson.dumps({"verification": challenge})
        return Answer(200, body, "events_verification")

    def events_accepted(self) -> Answer:
        """A delivery taken: Okta wants 200 or 204 and an empty body, at once."""
        return Answer(200, b"", "events_accepted")

    def internal_error(self) -> Answer:
        """A bug, before anything was sent (after a send starts, the answer is PENDING)."""
        return answers.error(
            500,
            "The hook failed unexpectedly; no message was sent.",
            [ErrorCause("Internal error", "internal_error", location_type="hook")],
            outcome="internal_error",
        )

    def _credential_rejected(self) -> Answer:
        cause = ErrorCause(
            CHECK_SECRET, "credential_rejected_by_gateway", "header", self.auth_field
        )
        return answers.error(
            401, UNAUTHORIZED, [cause], outcome="credential_rejected_by_gateway", headers=CHALLENGE
        )
