"""The velocity counters' store: its Protocol, and the one in process memory (the default).

``admit(subject)`` counts and checks in one step, atomically: either the send is counted in
every window (``Admitted``) or in none and refused (``Refusal``). ``refund(admitted)`` takes a
counted send back when nothing was sent after all (gateway down, credential refused), so that a
caller with a wrong password cannot use up a victim's number.

In memory, a window is two dicts, key → count: the current bucket and the one before. When a
bucket ends the current dict becomes the previous one and the old previous one is dropped
whole, so a key lives two windows at most and expiry costs nothing per call (no timestamps, no
sweep). Each bucket holds at most ``max_keys`` keys (past that, a new key is not counted in
that window, logged once a bucket: the process fails open, as it does without Redis, rather
than grow): memory is bounded whatever the traffic. Figures (``python -m
loadtests.bench.velocity``): bytes per key and CPU µs per call are in the README's Benchmarks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from connector.refusals import Refusal
from connector.velocity import Limits, Subject, Window, judge

# Keys a bucket holds at most: a day's distinct numbers (and users) in one process. Past it a
# deployment wants Redis (one store for every replica) anyway.
MAX_KEYS = 100_000

log = logging.getLogger("ezitxt.connector.velocity")


@dataclass(frozen=True, slots=True)
class Admitted:
    """The send was counted; ``token`` is what ``refund`` needs to take it back."""

    token: object = None


NOT_COUNTED = Admitted()  # no limits, or the store failed open: nothing to refund


class VelocityStore(Protocol):
    async def admit(self, subject: Subject) -> Admitted | Refusal:
        """Count the send in every window, or refuse it (counted in none)."""
        ...

    def refund(self, admitted: Admitted) -> None:
        """Nothing was sent: take the send back. Never waits (it runs in a ``finally``)."""
        ...


class _Buckets:
    """One window's two buckets."""

    __slots__ = ("window", "scope", "seconds", "bucket", "current", "previous", "full_warned")

    def __init__(self, window: Window) -> None:
        self.window = window
        self.scope = window.scope
        self.seconds = window.seconds
        self.bucket = -2
        self.current: dict[str, int] = {}
        self.previous: dict[str, int] = {}
        self.full_warned = False

    def roll(self, now: float) -> float:
        """Moves to the bucket of ``now``; the time elapsed in it."""
        bucket = int(now // self.seconds)
        if bucket != self.bucket:
            self.previous = self.current if bucket == self.bucket + 1 else {}
            self.current = {}
            self.bucket = bucket
            self.full_warned = False
        return now - bucket * self.seconds


class MemoryVelocityStore:
    """The counters of this process. ``clock``: monotonic seconds (buckets need no wall
    clock within one process)."""

    def __init__(
        self,
        limits: Limits,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.limits = limits
        self.clock = clock
        self.max_keys = max_keys
        self._windows = [_Buckets(window) for window in limits.windows]

    async def admit(self, subject: Subject) -> Admitted | Refusal:
        return self.admit_now(subject)

    def admit_now(self, subject: Subject) -> Admitted | Refusal:
        if not self._windows:
            return NOT_COUNTED
        now = self.clock()
        keys = subject.keys()
        counts: list[float | None] = []
        for buckets in self._windows:
            key = keys[buckets.scope]
            if key is None:
                counts.append(None)
                continue
            elapsed = buckets.roll(now)
            before = buckets.previous.get(key, 0)
            now_count = buckets.current.get(key, 0)
            if before:
                counts.append(before * (1.0 - elapsed / buckets.seconds) + now_count)
            else:
                counts.append(now_count)  # velocity.estimate, without the float work
        refusal = judge(counts, self.limits, subject)
        if refusal is not None:
            return refusal
        counted: list[tuple[dict[str, int], str]] = []
        for buckets in self._windows:
            key = keys[buckets.scope]
            if key is None:
                continue
            current = buckets.current
            count = current.get(key)
            if count is not None:
                current[key] = count + 1
            elif len(current) < self.max_keys:
                current[key] = 1
            else:
                self._full(buckets)
                continue
            counted.append((current, key))
        return Admitted(counted)

    def refund(self, admitted: Admitted) -> None:
        counted = admitted.token
        if not isinstance(counted, list):
            return
        # The dicts counted in, even if they have become the previous bucket since.
        for bucket, key in counted:
            count = bucket.get(key, 0)
            if count > 1:
                bucket[key] = count - 1
            elif count == 1:
                del bucket[key]

    def keys_held(self) -> int:
        return sum(len(b.current) + len(b.previous) for b in self._windows)

    def _full(self, buckets: _Buckets) -> None:
        if not buckets.full_warned:
            buckets.full_warned = True
            log.warning(
                "velocity_store_full",
                extra={
                    "fields": {
                        "event": "velocity_store_full",
                        "window_s": buckets.seconds,
                        "max_keys": self.max_keys,
                    }
                },
            )
