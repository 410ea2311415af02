"""The memory store's fast path (an allowance a record, judged once an epoch) decides exactly
as a window-by-window reference does: thousands of random admits, refunds and clock steps, small
limits in every scope, the two compared call by call."""

from __future__ import annotations

import random

from connector.refusals import Refusal
from connector.velocity import (
    APPLICATION,
    DAY,
    HOUR,
    MINUTE,
    NUMBER,
    PREFIX,
    QUARTER,
    USER,
    Limits,
    Subject,
    Window,
    judge,
)
from connector.velocity_store import Admitted, MemoryVelocityStore

LIMITS = Limits(
    (
        Window(NUMBER, QUARTER, 3),
        Window(NUMBER, DAY, 7),
        Window(PREFIX, HOUR, 6),
        Window(APPLICATION, MINUTE, 9),
        Window(APPLICATION, DAY, 40),
        Window(USER, QUARTER, 4),
        Window(USER, DAY, 8),
    )
)


class Reference:
    """Each window on its own: (bucket, count, previous count) a key, the estimate a call."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.counts: list[dict[object, tuple[int, int, int]]] = [{} for _ in limits.windows]

    def keys(self, subject: Subject) -> tuple[object, ...]:
        return (
            subject.number,
            (subject.application, subject.prefix),
            subject.application,
            subject.user,
        )

    def view(self, index: int, key: object, now: float) -> tuple[int, int, int]:
        seconds = self.limits.windows[index].seconds
        bucket = int(now // seconds)
        held, count, before = self.counts[index].get(key, (bucket, 0, 0))
        if held != bucket:
            held, count, before = bucket, 0, (count if held == bucket - 1 else 0)
        return held, count, before

    def admit(self, subject: Subject, now: float) -> Refusal | tuple[object, ...]:
        keys = self.keys(subject)
        counts: list[float | None] = []
        for index, window in enumerate(self.limits.windows):
            key = keys[window.scope]
            if key is None:
                counts.append(None)
                continue
            bucket, count, before = self.view(index, key, now)
            end = (now // window.seconds) * window.seconds + window.seconds
            counts.append(count + before * (end - now) / window.seconds if before else count)
        refused = judge(counts, self.limits, subject)
        if refused:
            return refused
        for index, window in enumerate(self.limits.windows):
            key = keys[window.scope]
            if key is not None:
                bucket, count, before = self.view(index, key, now)
                self.counts[index][key] = (bucket, count + 1, before)
        return (self.buckets(now), keys)

    def buckets(self, now: float) -> tuple[int, ...]:
        return tuple(int(now // w.seconds) for w in self.limits.windows)

    def refund(self, token: tuple[object, ...], now: float) -> None:
        buckets, keys = token
        if buckets != self.buckets(now):
            return  # a bucket ended since: the store keeps the send counted too
        for index, window in enumerate(self.limits.windows):
            key = keys[window.scope]  # type: ignore[index]
            if key is not None and key in self.counts[index]:
                bucket, count, before = self.counts[index][key]
                self.counts[index][key] = (bucket, max(count - 1, 0), before)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_fast_path_decides_as_the_reference_does() -> None:
    rng = random.Random(20261202)
    clock = Clock()
    store = MemoryVelocityStore(LIMITS, clock=clock)
    reference = Reference(LIMITS)
    numbers = [f"+642112{n:05d}" for n in range(6)] + [f"+642199{n:05d}" for n in range(3)]
    pending: list[tuple[Admitted, tuple[object, ...]]] = []
    seen = {"admitted": 0, "refused": 0, "refunded": 0}
    for _ in range(6000):
        step = rng.random()
        if step < 0.05:
            clock.now += rng.choice((1.0, 37.5, 240.0, 899.0, 3600.0, 50_000.0))
        elif step < 0.12 and pending:
            admitted, token = pending.pop(rng.randrange(len(pending)))
            store.refund(admitted)
            reference.refund(token, clock.now)
            seen["refunded"] += 1
        else:
            number = rng.choice(numbers)
            who = Subject(
                number,
                number[:8],
                "NZ",
                rng.choice(("org-a", "org-b")),
                rng.choice(("00u1", "00u2", "00u3", None)),
            )
            mine, theirs = store.admit_now(who), reference.admit(who, clock.now)
            if isinstance(theirs, Refusal):
                assert mine == theirs
                seen["refused"] += 1
            else:
                assert isinstance(mine, Admitted)
                pending.append((mine, theirs))
                seen["admitted"] += 1
        clock.now += rng.random() * 3
    # Every path was taken, many times.
    assert min(seen.values()) > 300, seen
