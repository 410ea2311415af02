"""One SMS per Okta event: a call whose ``eventId`` was already sent gets the first answer again.

Okta's ``eventId`` is unique per call and Okta advises de-duplicating on it (CONTRACT.md §1);
EZITXT has no idempotency key, so a repeated submit would send and bill a second SMS. Answers are
kept in process memory (DESIGN.md decision 6) for ``ttl_s``: about an OTP's life.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict

from connector.answers import Answer

# Outcomes after which an SMS went, or may have gone, or the gateway said no for good: a repeat
# must not send again. Failures that sent nothing (gateway down, credential refused) are not
# kept, so a repeat tries afresh.
FINAL_OUTCOMES = frozenset({"sent", "pending", "rejected_by_gateway"})

Key = tuple[str, str]  # (application, eventId)


class RecentEvents:
    def __init__(self, ttl_s: float = 300.0, max_entries: int = 50_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: OrderedDict[Key, tuple[float, asyncio.Future[Answer | None]]] = OrderedDict()

    def claim(self, key: Key) -> asyncio.Future[Answer | None] | None:
        """None: the caller owns the event and must ``settle`` it. Otherwise the future of the
        call that owns it: its answer, or None when that call sent nothing."""
        now = time.monotonic()
        self._expire(now)
        entry = self._entries.get(key)
        if entry is not None:
            return entry[1]
        self._entries[key] = (now, asyncio.get_running_loop().create_future())
        return None

    def settle(self, key: Key, answer: Answer | None) -> None:
        entry = self._entries.get(key)
        if entry is None:
            return
        keep = answer is not None and answer.outcome in FINAL_OUTCOMES
        if not keep:
            del self._entries[key]
        if not entry[1].done():
            entry[1].set_result(answer if keep else None)

    def __len__(self) -> int:
        return len(self._entries)

    def _expire(self, now: float) -> None:
        entries = self._entries
        while entries:
            key, (created, future) = next(iter(entries.items()))
            if now - created < self.ttl_s and len(entries) < self.max_entries:
                break
            if not future.done():
                future.set_result(None)
            del entries[key]
