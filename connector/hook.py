"""The telephony hook from body bytes to answer: credential → parse → schema → phone number →
channel → policy → gateway → answer. The HTTP route (``connector.app``) only reads the body and
writes the answer; every row of DESIGN.md's outcome table is decided here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import orjson

from connector import answers
from connector.answers import Answer, ErrorCause
from connector.credentials import parse_basic
from connector.errors import (
    CredentialError,
    GatewayError,
    GatewayNoAnswer,
    GatewayRejectedCredential,
    GatewayRejectedMessage,
    GatewayUnavailable,
    UnusableNumber,
)
from connector.gateway import Gateway, OutboundSms
from connector.phone import mask, normalise
from connector.replays import RecentEvents
from connector.settings import Settings
from connector.validation import RequestValidator

# Room left after the gateway call to build and write the answer inside the budget.
ANSWER_MARGIN_S = 0.05
VOICE_CHANNELS = frozenset({"voice", "voice call", "call"})
# The schema enumerates requestType; logs carry its last part ("mfa-verification").
SHORT_REQUEST_TYPES = {
    f"com.okta.user.telephony.{short}": short
    for short in ("pre-enrollment", "mfa-verification", "account-unlock", "password-reset")
}

# errorSummary texts Okta shows to end users (CONTRACT.md §2): fixed, no personal data.
USER_VOICE = "Voice calls are not available. Please choose to get your code by text message."
USER_NUMBER = (
    "Your phone number cannot receive text messages. Check the number, or ask your administrator."
)
USER_POLICY = "Text messages cannot be sent to this phone number's country. Ask your administrator."
USER_REJECTED = (
    "Your code could not be sent by text message. Check your phone number and try again."
)


@dataclass(slots=True)
class HookCall:
    """What one hook call carries through the pipeline; ``log`` becomes its log line."""

    authorization: str | None
    arrived: float  # time.monotonic() when the request arrived
    log: dict[str, Any]


class TelephonyHook:
    """The hook's decisions; built once per app with its settings, validator and gateway."""

    def __init__(self, settings: Settings, gateway: Gateway, validator: RequestValidator) -> None:
        self.settings = settings
        self.gateway = gateway
        self.validator = validator
        self.budget_s = settings.budget_ms / 1000
        self.allowed_regions = settings.allowed_region_set
        self.default_region = settings.default_region
        self.recent = RecentEvents()

    async def handle(self, body: bytes, call: HookCall) -> Answer:
        log = call.log
        try:
            credential = parse_basic(call.authorization)
        except CredentialError as exc:
            return self._unauthorized(exc.reason)
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            return answers.error(
                400,
                "The request body is not JSON.",
                [ErrorCause("Body is not valid JSON", "invalid_json", location="$")],
                outcome="bad_json",
            )
        causes, unknown = self.validator.check(document)
        if causes:
            log["schema_errors"] = [c.location for c in causes]
            return answers.error(
                400,
                "The request does not match Okta's telephony hook contract.",
                causes,
                outcome="schema_invalid",
            )
        self._describe(document, log)
        if unknown:
            log["unknown_fields"] = unknown
        profile = document["data"]["messageProfile"]
        if log["channel"] in VOICE_CHANNELS:
            return self._user_error(USER_VOICE, "voice_not_offered", "deliveryChannel")
        try:
            destination = normalise(profile["phoneNumber"], self.default_region)
        except UnusableNumber as exc:
            log["number_problem"] = exc.reason
            return self._user_error(USER_NUMBER, "unusable_number", "phoneNumber")
        log["country"] = destination.region
        if self.allowed_regions and destination.region not in self.allowed_regions:
            return self._user_error(USER_POLICY, "blocked_by_policy", "phoneNumber")
        sms = OutboundSms(destination.e164, profile["msgTemplate"], document["eventId"])
        key = f"{credential.application}\n{sms.reference}"
        while (earlier := self.recent.previous(key)) is not None:
            answer = earlier if isinstance(earlier, Answer) else await earlier
            if answer is not None:
                log["replay_of"] = answer.outcome
                return replace(answer, outcome="replayed")
            # The earlier call sent nothing: this one tries afresh.
        answer = None
        try:
            answer = await self._send(sms, credential.header_value, call)
            return answer
        finally:
            self.recent.settle(key, answer)

    async def _send(self, sms: OutboundSms, authorization: str, call: HookCall) -> Answer:
        log = call.log
        remaining = self.budget_s - (time.monotonic() - call.arrived) - ANSWER_MARGIN_S
        try:
            receipt = await self.gateway.send(sms, authorization=authorization, timeout_s=remaining)
        except GatewayError as exc:
            log["gateway_status"] = exc.http_status
            log["gateway_reason"] = exc.reason
            return self._gateway_failure(exc)
        log["gateway_status"] = receipt.http_status
        log["message_id"] = receipt.message_id
        if receipt.message_id is None:
            return self.pending("accepted_without_id")
        return answers.command(
            "SUCCESSFUL",
            provider=self.settings.provider_name,
            transaction_id=receipt.message_id,
            metadata=f"accepted by gateway (HTTP {receipt.http_status})",
            outcome="sent",
        )

    def _describe(self, document: dict[str, Any], log: dict[str, Any]) -> None:
        profile = document["data"]["messageProfile"]
        log["event_id"] = document["eventId"]
        log["okta_request_id"] = document["data"]["context"]["request"]["id"]
        log["request_type"] = SHORT_REQUEST_TYPES[document["requestType"]]
        log["channel"] = profile["deliveryChannel"].lower()
        log["number"] = mask(profile["phoneNumber"])

    def _gateway_failure(self, exc: GatewayError) -> Answer:
        if isinstance(exc, GatewayNoAnswer):
            return self.pending(exc.reason)
        if isinstance(exc, GatewayRejectedCredential):
            return self._unauthorized("credential_rejected_by_gateway")
        if isinstance(exc, GatewayRejectedMessage):
            field = "msgTemplate" if exc.field == "content" else "phoneNumber"
            location = f"$.data.messageProfile.{field}"
            return answers.error(
                200,
                USER_REJECTED,
                [ErrorCause("The SMS gateway refused the message", exc.reason, location=location)],
                outcome="rejected_by_gateway",
            )
        assert isinstance(exc, GatewayUnavailable)
        return answers.error(
            503,
            "The SMS gateway is unavailable; no message was sent.",
            [ErrorCause("Gateway unavailable", exc.reason, location_type="gateway")],
            outcome="gateway_unavailable",
        )

    def pending(self, reason: str) -> Answer:
        # The SMS may be on its way: a failure answer would make Okta send a second one.
        return answers.command(
            "PENDING",
            provider=self.settings.provider_name,
            transaction_id=None,
            metadata=f"sent, not confirmed within the budget ({reason})",
            outcome="pending",
        )

    def _unauthorized(self, reason: str) -> Answer:
        return answers.error(
            401,
            "The hook's credential is missing, malformed or not accepted.",
            [
                ErrorCause(
                    "Check the Authentication Secret of the inline hook in Okta",
                    reason,
                    location_type="header",
                    location=self.settings.auth_field,
                )
            ],
            outcome=reason,
            headers=((b"www-authenticate", b'Basic realm="ezitxt-okta"'),),
        )

    @staticmethod
    def _user_error(summary: str, reason: str, field: str) -> Answer:
        return answers.error(
            200,
            summary,
            [ErrorCause(summary, reason, location=f"$.data.messageProfile.{field}")],
            outcome=reason,
        )
