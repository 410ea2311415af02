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
from connector.velocity import Limits, Subject, Window, judge, refusal

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

    __slots__ = ("window", "scope", "seconds", "threshold", "end", "current", "previous")

    def __init__(self, window: Window, threshold: float) -> None:
        self.window = window
        self.scope = window.scope
        self.seconds = float(window.seconds)
        self.threshold = threshold  # limits.thresholds: limit - 1
        self.end = -1.0  # when the current bucket ends
        self.current: dict[str, int] = {}
        self.previous: dict[str, int] = {}

    def roll(self, now: float) -> None:
        """Moves to the bucket of ``now``: the current one becomes the previous one, or, two
        windows on, both are dropped."""
        start = (now // self.seconds) * self.seconds
        self.previous = self.current if start == self.end else {}
        self.current = {}
        self.end = start + self.seconds


class MemoryVelocityStore:
    """The counters of this process. ``clock``: monotonic seconds (buckets need no wall
    clock within one process).

    The hot path is written for CPU (DESIGN.md's overhead target): eight windows a call, each
    two dict look-ups, a compare and an increment, no allocation but the prefix key; a
    bucket's end is checked once a call for all windows (``_next_roll``), and the counts are
    gathered for ``judge`` only when one window is over (a refusal)."""

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
        self._windows = [
            _Buckets(window, threshold)
            for window, threshold in zip(limits.windows, limits.thresholds, strict=True)
        ]
        self._hot: list[tuple[int, dict[str, int], dict[str, int], float, float, float]] = []
        self._next_roll = -1.0
        self._epoch = 0  # bumped at every roll: a refund after one is dropped
        self._full_warned: set[float] = set()

    async def admit(self, subject: Subject) -> Admitted | Refusal:
        return self.admit_now(subject)

    def admit_now(self, subject: Subject) -> Admitted | Refusal:
        windows = self._windows
        if not windows:
            return NOT_COUNTED
        now = self.clock()
        if now >= self._next_roll:
            self._roll(now)
        keys = (
            subject.number,
            f"{subject.application}\0{subject.prefix}",
            subject.application,
            subject.user,
        )
        # One pass, counting as it goes; a window over its limit undoes the ones before it
        # (a refusal counts nowhere). Cheaper than checking all windows and then counting,
        # and each window's values come unpacked from one tuple (``_hot``), not attributes.
        max_keys = self.max_keys
        index = 0
        for scope, current, previous, end, seconds, threshold in self._hot:
            key = keys[scope]
            if key is not None:
                count = current.get(key, 0)
                before = previous.get(key)
                if before:  # velocity.estimate: (end - now) / seconds is what is left of it
                    if count + before * (end - now) / seconds > threshold:
                        return self._refused(subject, keys, now, index)
                elif count > threshold:
                    return self._refused(subject, keys, now, index)
                if count or len(current) < max_keys:
                    current[key] = count + 1
                else:
                    self._full(windows[index])
            index += 1
        return Admitted((self._epoch, keys))

    def refund(self, admitted: Admitted) -> None:
        token = admitted.token
        if not isinstance(token, tuple):
            return
        epoch, keys = token
        if epoch != self._epoch:
            return  # a bucket ended since: the send stays counted (errs on the safe side)
        self._uncount(keys, self._windows)

    def _uncount(self, keys: tuple[str | None, ...], windows: list[_Buckets]) -> None:
        for buckets in windows:
            key = keys[buckets.scope]
            if key is None:
                continue
            current = buckets.current
            count = current.get(key, 0)
            if count > 1:
                current[key] = count - 1
            elif count == 1:
                del current[key]

    def keys_held(self) -> int:
        return sum(len(b.current) + len(b.previous) for b in self._windows)

    def _roll(self, now: float) -> None:
        for buckets in self._windows:
            if now >= buckets.end:
                buckets.roll(now)
        self._next_roll = min(b.end for b in self._windows)
        self._hot = [
            (b.scope, b.current, b.previous, b.end, b.seconds, b.threshold) for b in self._windows
        ]
        self._epoch += 1
        self._full_warned.clear()

    def _refused(
        self, subject: Subject, keys: tuple[str | None, ...], now: float, counted: int
    ) -> Refusal:
        """Undoes the first ``counted`` windows' counts, and lets ``judge`` name the refusal."""
        self._uncount(keys, self._windows[:counted])
        counts: list[float | None] = []
        for buckets in self._windows:
            key = keys[buckets.scope]
            if key is None:
                counts.append(None)
                continue
            count = buckets.current.get(key, 0)
            before = buckets.previous.get(key, 0)
            # The hot path's arithmetic, exactly (velocity.estimate, in its terms).
            counts.append(count + before * (buckets.end - now) / buckets.seconds)
        found = judge(counts, self.limits, subject)
        # judge names the first window over; the hot path stopped at the same one.
        return found or refusal(self._windows[counted].window, subject)

    def _full(self, buckets: _Buckets) -> None:
        if buckets.seconds not in self._full_warned:
            self._full_warned.add(buckets.seconds)
            log.warning(
                "velocity_store_full",
                extra={
                    "fields": {
                        "event": "velocity_store_full",
                        "window_s": buckets.window.seconds,
                        "max_keys": self.max_keys,
                    }
                },
            )
