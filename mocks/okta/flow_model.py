"""One sign-in flow's record: what was sent where, and the OTP to verify against."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from mocks.okta.classify import Outcome, Verdict


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
