"""Okta's own SMS/voice provider: used when no telephony hook is active, and as the fallback
when the hook fails (CONTRACT.md §2). The fallback path is "heavily rate-limited" in Okta; the
limit here is a sliding window per org. Its outbox stands in for the end user's handset."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from mocks.okta.limits import SlidingWindow
from mocks.okta.times import Clock


@dataclass(frozen=True)
class SentMessage:
    transaction_id: str
    flow_id: str
    phone_number: str
    channel: str
    text: str
    sent_at: float
    failover: bool


class OktaProvider:
    def __init__(self, clock: Clock, *, failover_limit: int, failover_window_s: float) -> None:
        self._clock = clock
        self.failover_window = SlidingWindow(clock, failover_limit, failover_window_s)
        self._outbox: list[SentMessage] = []

    def reset(self) -> None:
        self._outbox.clear()
        self.failover_window.reset()

    def send(
        self, *, flow_id: str, phone_number: str, channel: str, text: str, failover: bool
    ) -> SentMessage | None:
        """Deliver at once; None when a failover send is over the fallback limit."""
        if failover and not self.failover_window.allow():
            return None
        message = SentMessage(
            # Shaped like the provider transaction ids Okta logs (e.g. TELESIGN's 32 hex digits).
            transaction_id=secrets.token_hex(16).upper(),
            flow_id=flow_id,
            phone_number=phone_number,
            channel=channel,
            text=text,
            sent_at=self._clock(),
            failover=failover,
        )
        self._outbox.append(message)
        return message

    def messages(self) -> list[SentMessage]:
        return list(self._outbox)
