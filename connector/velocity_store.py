"""The velocity counters' store: its Protocol, and the one in process memory (the default).

``admit(subject)`` counts and checks in one step, atomically: either the send is counted in
every window (``Admitted``) or in none and refused (``Refusal``). ``refund(admitted)`` takes a
counted send back when nothing was sent after all (gateway down, credential refused), so that a
caller with a wrong password cannot use up a victim's number.

In memory, a scope (number, prefix of an application, application, user) is one dict, key →
record, the record holding every window of the scope (one look-up a scope a call, not one a
window and bucket): ``[epoch, allowance, used, bucket, count, previous count, ...]`` (three
slots a window). The dicts are two generations a scope, one a bucket of its longest window:
when that bucket ends the current dict becomes the previous one and the old previous one is
dropped whole (its records are a full window old: every count in them is spent), so a key lives
two longest windows at most and expiry costs nothing a call (no timestamps, no sweep). Each
generation holds at most ``max_keys`` keys (past that, a new key is not counted in that scope,
logged once a generation: the process fails open, as it does without Redis, rather than grow):
memory is bounded whatever the traffic.

The fast path (``admit_now``, called by the hook without a coroutine): a record judged in the
current epoch (no bucket of any window has ended since) carries an *allowance*, how many sends
are sure to pass every window of the scope (``1 + floor(limit - 1 - estimate)``, the least over
its windows, taken when it was last judged). Within an epoch a window's estimate only falls with
time (the previous bucket's weight shrinks) and rises by 1 a send, so while ``used <
allowance`` the exact judgement would admit too: the call is one dict look-up, two compares and
one store a scope, and the decisions are exactly those of ``velocity.estimate`` a window (a
record out of allowance or of an older epoch is judged exactly, in ``_judge``). Figures:
``python -m loadtests.bench.velocity`` under ``flock /work/.heavy.lock``, A/B against the store
a window and bucket dict of 4e7cb63, two alternated runs each, 14:50-14:53 UTC, load 4.1 -> 3.3:
``admit`` 2.54 / 1.49 against 4.22 / 4.55 µs CPU a call for a returning number and user, 5.15 /
3.73 against 8.32 / 7.49 for a new one; the step in the hook +8.4 / +25.6 against +25.8 / +48.7
µs (too noisy a difference to say more than "less"). Memory: a key new in its epoch is an int
(210 bytes a new number and user against 285), a record grown into a list costs more (641).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from connector.refusals import Refusal
from connector.velocity import SCOPES, Limits, Subject, judge, refusal

# Keys a scope's generation holds at most: a day's distinct numbers (and users) in one
# process. Past it a deployment wants Redis (one store for every replica) anyway.
MAX_KEYS = 100_000

log = logging.getLogger("ezitxt.connector.velocity")
Records = dict[object, "list[int] | int"]

# A key new in an epoch is an int, not a list (no object for the garbage collector to track,
# nothing to copy): ``epoch << _EPOCH_SHIFT | used``, its counts all from this epoch's buckets.
_EPOCH_SHIFT = 32
_USED_MASK = (1 << _EPOCH_SHIFT) - 1
# A record's slots: the epoch it was judged in, its allowance, the sends counted since (in
# every window's current bucket, not yet in its count), then per window bucket, count, previous.
_EPOCH, _ALLOWANCE, _USED, _WINDOWS = 0, 1, 2, 3


class Admitted(tuple[object, ...]):
    """The send was counted; its contents are what ``refund`` needs to take it back (empty:
    nothing to). A tuple, not a dataclass: one is made every call, and ``tuple``'s own
    constructor costs ~0.2 µs less than a frozen dataclass' ``__init__`` (python -m timeit)."""

    __slots__ = ()


NOT_COUNTED = Admitted()  # no limits, or the store failed open: nothing to refund


class VelocityStore(Protocol):
    async def admit(self, subject: Subject) -> Admitted | Refusal:
        """Count the send in every window, or refuse it (counted in none)."""
        ...

    def refund(self, admitted: Admitted) -> None:
        """Nothing was sent: take the send back. Never waits (it runs in a ``finally``)."""
        ...


class _Scope:
    """One scope's windows (in the order of ``Limits.windows``) and its two generations."""

    __slots__ = (
        "scope",
        "indexes",
        "seconds",
        "thresholds",
        "span",
        "generation_end",
        "current",
        "previous",
        "buckets",
        "template",
        "warned",
    )

    def __init__(self, scope: int, limits: Limits) -> None:
        self.scope = scope
        self.indexes = [i for i, w in enumerate(limits.windows) if w.scope == scope]
        self.seconds = [float(limits.windows[i].seconds) for i in self.indexes]
        self.thresholds = [limits.thresholds[i] for i in self.indexes]
        self.span = max(self.seconds)  # a generation: a bucket of the longest window
        self.generation_end = -1.0
        self.current: Records = {}
        self.previous: Records = {}
        # This epoch's (bucket, its end) a window, and a new key's record (counted once).
        self.buckets: list[tuple[int, float]] = []
        self.template: list[int] = []
        self.warned = False

    def roll(self, now: float, epoch: int) -> None:
        if now >= self.generation_end:
            start = (now // self.span) * self.span
            self.previous = self.current if start == self.generation_end else {}
            self.current = {}
            self.generation_end = start + self.span
            self.warned = False
        self.buckets = [(int(now // s), (now // s) * s + s) for s in self.seconds]
        # A new key: every count 0, so each window's estimate is 0 and the sends sure to pass
        # are its limit (1 + floor(limit - 1 - 0)); this one is the first of them.
        allowance = min(int(t) for t in self.thresholds) + 1
        slots = [epoch, allowance, 1]
        for bucket, _ in self.buckets:
            slots += (bucket, 0, 0)
        self.template = slots

    def next_end(self) -> float:
        return min([self.generation_end] + [end for _, end in self.buckets])


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
        self._scopes = [
            _Scope(scope, limits)
            for scope in range(len(SCOPES))
            if any(w.scope == scope for w in limits.windows)
        ]
        # Per scope, unpacked once an epoch for the hot path (no attribute look-ups a call).
        self._hot: list[tuple[int, Records, Records, int, int, _Scope]] = []
        self._next_roll = -1.0
        self._epoch = 0  # bumped whenever a bucket of any window ends: a refund after is dropped
        # A time inside each epoch a young key (an int) may still be from, oldest first: its
        # buckets, when it grows into a record.
        self._epoch_times: deque[tuple[int, float]] = deque()
        self._epoch_at: dict[int, float] = {}  # the same, by epoch
        self._longest = max((state.span for state in self._scopes), default=0.0)

    async def admit(self, subject: Subject) -> Admitted | Refusal:
        return self.admit_now(subject)

    def admit_now(self, subject: Subject) -> Admitted | Refusal:
        """``admit`` without a coroutine: the hook calls this one for the memory store."""
        if not self._scopes:
            return NOT_COUNTED
        now = self.clock()
        if now >= self._next_roll:
            self._roll(now)
        epoch = self._epoch
        keys = (
            subject.number,
            (subject.application, subject.prefix),
            subject.application,
            subject.user,
        )
        max_keys = self.max_keys
        counted = 0
        for scope, current, previous, first, cap, state in self._hot:
            key = keys[scope]
            if key is not None:
                record = current.get(key)
                if record.__class__ is int:  # young: first - 1 < record < cap, this epoch's
                    if first <= record < cap:
                        current[key] = record + 1
                        counted += 1
                        continue
                    if not self._judge(state, self._grown(state, key, record), now, epoch):
                        return self._refused(subject, keys, now, counted)
                elif record is not None:
                    if record[_EPOCH] == epoch:  # type: ignore[index]
                        used: int = record[_USED]  # type: ignore[index]
                        if used < record[_ALLOWANCE]:  # type: ignore[index]
                            record[_USED] = used + 1  # type: ignore[index]
                            counted += 1
                            continue
                    if not self._judge(state, record, now, epoch):  # type: ignore[arg-type]
                        return self._refused(subject, keys, now, counted)
                elif key not in previous and len(current) < max_keys:
                    current[key] = first  # a new key: counted once, judged in advance
                elif not self._from_previous(state, key, now, epoch):
                    return self._refused(subject, keys, now, counted)
            counted += 1
        return Admitted((epoch, keys))

    def refund(self, admitted: Admitted) -> None:
        if len(admitted) != 2:
            return
        epoch, keys = admitted
        if epoch != self._epoch:
            return  # a bucket ended since: the send stays counted (errs on the safe side)
        self._uncount(keys, len(self._hot))  # type: ignore[arg-type]

    def keys_held(self) -> int:
        return sum(len(s.current) + len(s.previous) for s in self._scopes)

    def _roll(self, now: float) -> None:
        self._epoch += 1
        for state in self._scopes:
            state.roll(now, self._epoch)
        self._next_roll = min(state.next_end() for state in self._scopes)
        first = (self._epoch << _EPOCH_SHIFT) + 1
        self._hot = [
            (s.scope, s.current, s.previous, first, first - 1 + s.template[_ALLOWANCE], s)
            for s in self._scopes
        ]
        times = self._epoch_times
        times.append((self._epoch, now))
        self._epoch_at[self._epoch] = now
        # A key lives two generations at most; an epoch is shorter than one.
        while times and times[0][1] < now - 3 * self._longest:
            del self._epoch_at[times.popleft()[0]]

    def _view(self, state: _Scope, young: int) -> list[int]:
        """A young key's record: its epoch's buckets, its sends counted in them."""
        epoch, used = young >> _EPOCH_SHIFT, young & _USED_MASK
        at = self._epoch_at.get(epoch)
        record = [epoch, state.template[_ALLOWANCE], used]
        for seconds in state.seconds:
            # An epoch forgotten is older than any window: bucket -2, its counts all spent.
            record += (int(at // seconds) if at is not None else -2, 0, 0)
        return record

    def _grown(self, state: _Scope, key: object, young: int) -> list[int]:
        record = self._view(state, young)
        state.current[key] = record
        return record

    def _from_previous(self, state: _Scope, key: object, now: float, epoch: int) -> bool:
        """A key of the previous generation, or a new one while the generation is full.
        False: refused."""
        found = state.previous.get(key)
        record = self._view(state, found) if isinstance(found, int) else found
        if len(state.current) >= self.max_keys:
            self._full(state)
            if record is None:
                return True  # not counted: fail open, bounded memory
            # Judged but not counted (the previous generation is not refunded into).
            return self._estimates_pass(state, record, now)
        if record is None:
            state.current[key] = (self._epoch << _EPOCH_SHIFT) + 1
            return True
        del state.previous[key]
        state.current[key] = record
        return self._judge(state, record, now, epoch)

    def _judge(self, state: _Scope, record: list[int], now: float, epoch: int) -> bool:
        """The exact judgement (``velocity.estimate`` a window): moves each window's buckets to
        this epoch's, folds the sends ``used`` into the counts, and either counts this one and
        sets the allowance, or (a refusal) counts nothing and leaves no allowance."""
        used: int = record[_USED]
        allowance = 1 << 62
        passed = True
        slot = _WINDOWS
        for (bucket, end), seconds, threshold in zip(
            state.buckets, state.seconds, state.thresholds, strict=True
        ):
            count = record[slot + 1] + used
            before: int = record[slot + 2]
            held = record[slot]
            if held != bucket:
                before = count if held == bucket - 1 else 0
                count = 0
                record[slot] = bucket
                record[slot + 2] = before
            record[slot + 1] = count
            estimate = count + before * (end - now) / seconds if before else count
            if estimate > threshold:
                passed = False
            elif threshold - estimate < allowance:
                allowance = int(threshold - estimate)
            slot += 3
        record[_EPOCH] = epoch
        if passed:
            record[_ALLOWANCE], record[_USED] = allowance + 1, 1
        else:
            record[_ALLOWANCE] = record[_USED] = 0
        return passed

    def _estimates(self, state: _Scope, record: list[int], now: float) -> list[float]:
        """Each window's count before this send, as ``_judge`` reckons it, changing nothing."""
        out = []
        used: int = record[_USED]
        slot = _WINDOWS
        for (bucket, end), seconds in zip(state.buckets, state.seconds, strict=True):
            count = record[slot + 1] + used
            before: int = record[slot + 2]
            held = record[slot]
            if held != bucket:
                count, before = 0, (count if held == bucket - 1 else 0)
            out.append(count + before * (end - now) / seconds if before else float(count))
            slot += 3
        return out

    def _estimates_pass(self, state: _Scope, record: list[int], now: float) -> bool:
        return all(
            e <= t
            for e, t in zip(self._estimates(state, record, now), state.thresholds, strict=True)
        )

    def _uncount(self, keys: tuple[object, ...], scopes: int) -> None:
        """Takes one send back from the first ``scopes`` scopes' records of this epoch."""
        for scope, current, _, first, _, _ in self._hot[:scopes]:
            key = keys[scope]
            record = current.get(key) if key is not None else None
            if isinstance(record, int):
                if record >= first:  # this epoch's, one send or more
                    current[key] = record - 1
                continue
            if record is None or record[_EPOCH] != self._epoch:
                continue  # not counted (the generation was full)
            used: int = record[_USED]
            if used > 0:
                record[_USED] = used - 1
                continue
            for slot in range(_WINDOWS + 1, len(record), 3):
                count: int = record[slot]
                if count > 0:
                    record[slot] = count - 1

    def _refused(
        self, subject: Subject, keys: tuple[object, ...], now: float, counted: int
    ) -> Refusal:
        """Undoes the first ``counted`` scopes' counts, and lets ``judge`` name the refusal."""
        self._uncount(keys, counted)
        counts: list[float | None] = [None] * len(self.limits.windows)
        for state in self._scopes:
            key = keys[state.scope]
            if key is None:
                continue
            record = state.current.get(key) or state.previous.get(key)
            if isinstance(record, int):
                record = self._view(state, record)
            found = self._estimates(state, record, now) if record else [0.0] * len(state.indexes)
            for index, estimate in zip(state.indexes, found, strict=True):
                counts[index] = estimate
        first = judge(counts, self.limits, subject)
        # judge names the first window over in the limits' order; the hot path found one.
        refused = self._hot[counted][5]
        return first or refusal(self.limits.windows[refused.indexes[0]], subject)

    def _full(self, state: _Scope) -> None:
        if not state.warned:
            state.warned = True
            log.warning(
                "velocity_store_full",
                extra={
                    "fields": {
                        "event": "velocity_store_full",
                        "scope": SCOPES[state.scope],
                        "max_keys": self.max_keys,
                    }
                },
            )
