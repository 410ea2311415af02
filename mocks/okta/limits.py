"""Okta's rate limits around telephony (CONTRACT.md §3), without I/O.

- one SMS/voice challenge per phone number per interval (30 s in Okta);
- a cap on inline hook calls in flight for the org (35 free / 75 paid), answered with 429 E0000047;
- Okta's own fallback provider is "heavily rate-limited": a sliding window of sends per org.
"""

from __future__ import annotations

from collections import deque

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
