"""One sign-in flow's record: what was sent where, and the OTP to verify against."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import Any

from mocks.okta.classify import Outcome, Verdict
from mocks.okta.times import iso


def mask_phone(phone: str) -> str:
    """Every digit but the last three hidden: ``+64211234567`` → ``+********567``."""
    digits = sum(ch.isdigit() for ch in phone)
    seen = 0

    def hide(match: re.Match[str]) -> str:
        nonlocal seen
        seen += 1
        return match.group(0) if seen > digits - 3 else "*"

    return re.sub(r"\d", hide, phone)


@dataclass
class Flow:
    id: str
    created: float
    user_id: str
    login: str
    request_type: str
    channel: str
    phone_number: str
    locale: str
    outcome: Outcome
    verdict: Verdict | None = None
    hook_id: str | None = None
    http_status: int | None = None
    duration_ms: int | None = None
    event_id: str | None = None
    otp: str | None = None
    otp_expires: float | None = None
    delivery_via: str = "NONE"
    delivery_sent: bool = False
    delivery_transaction_id: str | None = None
    used: bool = False

    @property
    def fallback(self) -> bool:
        return self.verdict is not None and self.verdict.fallback

    @property
    def end_user_message(self) -> str | None:
        if self.outcome is Outcome.DENY:
            # The mock's wording: Okta refuses a second challenge within its interval.
            return "A code was sent recently. Wait a few seconds before asking for another one."
        return self.verdict.end_user_message if self.verdict else None

    def verify(self, otp: str, now: float) -> str:
        """``SUCCESS`` once for the right code in time; ``EXPIRED`` after ``otpExpires``;
        else ``INVALID`` (wrong code, used code, or a flow that issued none)."""
        if self.otp is None or self.used or not hmac.compare_digest(self.otp, otp):
            return "INVALID"
        if self.otp_expires is not None and now > self.otp_expires:
            return "EXPIRED"
        self.used = True
        return "SUCCESS"

    def to_json(self) -> dict[str, Any]:
        """The flow as the control plane shows it: no OTP, the phone number masked."""
        hook = None
        if self.hook_id is not None:
            verdict = self.verdict
            hook = {
                "id": self.hook_id,
                "httpStatus": self.http_status,
                "durationMs": self.duration_ms,
                "status": verdict.status if verdict else None,
                "transactionId": verdict.transaction_id if verdict else None,
                "errorSummary": verdict.error_summary if verdict else None,
            }
        return {
            "id": self.id,
            "created": iso(self.created),
            "user": {"id": self.user_id, "login": self.login},
            "requestType": f"com.okta.user.telephony.{self.request_type}",
            "channel": self.channel,
            "phoneNumber": mask_phone(self.phone_number),
            "locale": self.locale,
            "eventId": self.event_id,
            "outcome": str(self.outcome),
            "hook": hook,
            "endUserMessage": self.end_user_message,
            "fallback": self.fallback,
            "delivery": {
                "via": self.delivery_via,
                "sent": self.delivery_sent,
                "transactionId": self.delivery_transaction_id,
            },
            "otpExpires": iso(self.otp_expires) if self.otp_expires is not None else None,
        }
