"""Okta's rate limits around telephony (CONTRACT.md §3), without I/O.

- one SMS/voice challenge per phone number per interval (30 s in Okta);
- a cap on inline hook calls in flight for the org (35 free / 75 paid), answered with 429 E0000047;
- Okta's own fallback provider is "heavily rate-limited": a sliding window of sends per org;
- the management API's per-minute buckets, reported on every answer in ``X-Rate-Limit-*``.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from mocks.okta.times import Clock


class PerNumberLimit:
    """At most one challenge per phone number per ``interval_s``."""

    def __init__(self, clock: Clock, interval_s: float) -> None:
        self._clock = clock
        self.interval_s = interval_s
        self._last: dict[str, float] = {}

    def reset(self) -> None:
        self._last.clear()

    def allow(self, phone: str) -> bool:
        """True (and the challenge counted) unless the number had one within the interval."""
        key = "".join(ch for ch in phone if ch.isdigit())
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self.interval_s:
            return False
        self._last[key] = now
        return True

    def wait_s(self, phone: str) -> float:
        """Seconds until the number may have its next challenge (0 when it may now)."""
        last = self._last.get("".join(ch for ch in phone if ch.isdigit()))
        if last is None:
            return 0.0
        return max(0.0, self.interval_s - (self._clock() - last))


class SlidingWindow:
    """At most ``limit`` events per ``window_s`` seconds."""

    def __init__(self, clock: Clock, limit: int, window_s: float) -> None:
        self._clock = clock
        self.limit = limit
        self.window_s = window_s
        self._times: deque[float] = deque()

    def reset(self) -> None:
        self._times.clear()

    def allow(self) -> bool:
        now = self._clock()
        while self._times and now - self._times[0] >= self.window_s:
            self._times.popleft()
        if len(self._times) >= self.limit:
            return False
        self._times.append(now)
        return True

    def reset_at(self) -> float:
        """When the oldest counted event leaves the window."""
        return (self._times[0] if self._times else self._clock()) + self.window_s


class InFlight:
    """Hook calls in flight for the org. The server runs one event loop, so a plain counter is
    safe: ``acquire`` and ``release`` never interleave."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.current = 0

    def acquire(self) -> bool:
        if self.current >= self.limit:
            return False
        self.current += 1
        return True

    def release(self) -> None:
        self.current = max(0, self.current - 1)


@dataclass(frozen=True)
class Bucket:
    """One of Okta's per-minute rate-limit buckets: the requests it counts and its limit."""

    name: str
    methods: frozenset[str] | None
    path: re.Pattern[str]
    limit: int


# Okta's management rate limits per minute, Workforce Identity column
# (https://developer.okta.com/docs/reference/rl-global-mgmt/); the first bucket that matches
# counts the request.
_USER = re.compile(r"^/api/v1/users/[^/]+$")
BUCKETS = (
    Bucket("users-by-id-read", frozenset({"GET", "HEAD"}), _USER, 2000),
    Bucket("users-by-id", frozenset({"POST", "PUT", "DELETE"}), _USER, 600),
    Bucket("users", frozenset({"GET", "HEAD", "POST"}), re.compile(r"^/api/v1/users$"), 600),
    Bucket("logs", None, re.compile(r"^/api/v1/logs$"), 120),
    Bucket("api", None, re.compile(r"^/api/v1/"), 1200),
)
WINDOW_S = 60


@dataclass(frozen=True)
class Quota:
    """What ``X-Rate-Limit-Limit``, ``-Remaining`` and ``-Reset`` (epoch seconds) say."""

    limit: int
    remaining: int
    reset: int
    exceeded: bool


class ApiRateLimits:
    """Requests counted per bucket in fixed one-minute windows, as Okta reports them."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[int, int]] = {}

    def reset(self) -> None:
        self._windows.clear()

    def take(self, method: str, path: str) -> Quota | None:
        """Count one request; None for a path no bucket counts (the control plane)."""
        bucket = next(
            (
                b
                for b in BUCKETS
                if (b.methods is None or method in b.methods) and b.path.match(path)
            ),
            None,
        )
        if bucket is None:
            return None
        now = self._clock()
        window = int(now // WINDOW_S)
        start, count = self._windows.get(bucket.name, (window, 0))
        if start != window:
            start, count = window, 0
        count += 1
        self._windows[bucket.name] = (start, count)
        return Quota(
            limit=bucket.limit,
            remaining=max(bucket.limit - count, 0),
            reset=(window + 1) * WINDOW_S,
            exceeded=count > bucket.limit,
        )
