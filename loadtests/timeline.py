"""Latency over time, recorded from the run's first second (pure: no Locust, no gevent).

Locust's own charts and ``_stats_history.csv`` use its "current" percentiles, computed over a
10 s window from a cache that only has such a window 10 s into the run, and sampled every 5 s:
a run's first ~10 s have no percentiles at all (a smoke run is 10 s). So the locustfile takes
its own snapshot of each request name's response-time counts every second from the start, and
the percentiles of a second are those of the ``WINDOW_S`` before it, or of everything so far
while the run is younger than that.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

WINDOW_S = 5
PERCENTS = (0.50, 0.95, 0.99)

Counts = Mapping[int, int]  # response time in ms (as Locust rounds it) -> how many


@dataclass(frozen=True)
class Snapshot:
    second: int  # since the run started
    requests: int  # cumulative
    failures: int
    counts: dict[int, int]  # cumulative


@dataclass(frozen=True)
class Point:
    second: int
    name: str
    requests: int  # cumulative
    failures: int
    rate: float  # requests a second over the window
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


def percentile(counts: Counts, percent: float) -> float | None:
    """The smallest response time at or below which ``percent`` of the requests fall."""
    total = sum(counts.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(percent * total))
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return float(value)
    return float(max(counts))


def difference(now: Counts, then: Counts) -> dict[int, int]:
    return {k: n - then.get(k, 0) for k, n in now.items() if n - then.get(k, 0) > 0}


class Timeline:
    """Snapshots per request name; ``points`` turns them into per-second percentiles."""

    def __init__(self) -> None:
        self.snapshots: dict[str, list[Snapshot]] = {}

    def record(self, name: str, snapshot: Snapshot) -> None:
        """Add a snapshot; one taken in a second already held replaces it (the last sample,
        when Locust quits, may fall in the second of the one before)."""
        series = self.snapshots.setdefault(name, [])
        if series and series[-1].second == snapshot.second:
            series[-1] = snapshot
        else:
            series.append(snapshot)

    def points(self, name: str) -> list[Point]:
        series = self.snapshots.get(name, [])
        empty = Snapshot(0, 0, 0, {})
        out = []
        for index, now in enumerate(series):
            start = now.second - WINDOW_S
            then = next((s for s in reversed(series[:index]) if s.second <= start), empty)
            window = difference(now.counts, then.counts)
            span = max(1, now.second - then.second)
            p50, p95, p99 = (percentile(window, p) for p in PERCENTS)
            out.append(
                Point(
                    second=now.second,
                    name=name,
                    requests=now.requests,
                    failures=now.failures,
                    rate=(now.requests - then.requests) / span,
                    p50_ms=p50,
                    p95_ms=p95,
                    p99_ms=p99,
                )
            )
        return out

    def names(self) -> list[str]:
        return sorted(self.snapshots)
