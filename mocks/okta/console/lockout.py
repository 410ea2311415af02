"""Failed console sign-ins, counted per username as Okta counts them per account (its password
policy locks an account after 10 failed attempts by default). Any username tried is counted, so
the lock says nothing about which usernames exist. Pure apart from the clock passed in."""

from __future__ import annotations

from collections import deque

from mocks.okta.times import Clock

MAX_FAILURES = 10
WINDOW_S = 15 * 60.0
MAX_TRACKED = 10_000


class FailedSignIns:
    def __init__(self, clock: Clock, *, limit: int = MAX_FAILURES, window_s: float = WINDOW_S):
        self._clock = clock
        self.limit = limit
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}

    def locked_for(self, username: str) -> float:
        """Seconds until ``username`` may try again (0 when it may now)."""
        times = self._recent(username)
        if len(times) < self.limit:
            return 0.0
        return max(0.0, times[0] + self.window_s - self._clock())

    def failed(self, username: str) -> None:
        if len(self._failures) >= MAX_TRACKED and _key(username) not in self._failures:
            # A flood of made-up usernames must not grow memory without bound.
            self._failures.pop(next(iter(self._failures)))
        self._recent(username).append(self._clock())

    def succeeded(self, username: str) -> None:
        self._failures.pop(_key(username), None)

    def _recent(self, username: str) -> deque[float]:
        times = self._failures.setdefault(_key(username), deque())
        now = self._clock()
        while times and now - times[0] >= self.window_s:
            times.popleft()
        return times


def _key(username: str) -> str:
    return username.strip().casefold()
