"""One SMS per Okta event: a call whose ``eventId`` was already sent gets the first answer again.

Okta's ``eventId`` is unique per call and Okta advises de-duplicating on it (CONTRACT.md §1);
EZITXT has no idempotency key, so a repeated submit would send and bill a second SMS. Answers are
kept in process memory (DESIGN.md decision 6) for ``ttl_s`` (about an OTP's life), at most
``max_entries`` of them.

Cheap on the hot path, where nearly every event is new: no future unless a repeat arrives while
the first call is still out, and answers kept as tuples of immutable values, which the garbage
collector does not track (a dataclass each cost the p99 several milliseconds in GC passes).
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

Key = str  # "application\neventId": one object a key
# Expired and surplus answers are dropped once every this many new ones, not on each: the
# store may run this many over ``max_entries`` for a moment.
SWEEP_EVERY = 64


class RecentEvents:
    def __init__(self, ttl_s: float = 300.0, max_entries: int = 50_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._answered: OrderedDict[Key, tuple[float, int, bytes, str]] = OrderedDict()
        # Events whose first call is still out; the list of waiters is made only for a repeat.
        self._out: dict[Key, list[asyncio.Future[Answer | None]] | None] = {}
        self._until_sweep = SWEEP_EVERY

    def previous(self, key: Key) -> Answer | asyncio.Future[Answer | None] | None:
        """The answer already given to this event; or, while its first call is still out, a
        future of that call's answer (None when it sent nothing); or None: the caller now owns
        the event and must ``settle`` it."""
        answered = self._answered.get(key)
        if answered is not None:
            if time.monotonic() - answered[0] < self.ttl_s:
                return Answer(answered[1], answered[2], answered[3])
            del self._answered[key]
        if key in self._out:
            future: asyncio.Future[Answer | None] = asyncio.get_running_loop().create_future()
            waiters = self._out[key]
            if waiters is None:
                self._out[key] = [future]
            else:
                waiters.append(future)
            return future
        self._out[key] = None
        return None

    def settle(self, key: Key, answer: Answer | None) -> None:
        """The owner's answer (None: it ended without one); wakes the calls waiting for it."""
        waiters = self._out.pop(key, None)
        keep = answer is not None and answer.outcome in FINAL_OUTCOMES
        if keep:
            assert answer is not None
            now = time.monotonic()
            self._answered[key] = (now, answer.http_status, answer.body, answer.outcome)
            self._until_sweep -= 1
            if self._until_sweep <= 0:
                self._until_sweep = SWEEP_EVERY
                self._expire(now)
        for future in waiters or ():
            if not future.done():
                future.set_result(answer if keep else None)

    def __len__(self) -> int:
        return len(self._answered)

    def _expire(self, now: float) -> None:
        answered = self._answered
        while answered:
            created = next(iter(answered.values()))[0]
            if now - created < self.ttl_s and len(answered) <= self.max_entries:
                break
            answered.popitem(last=False)
