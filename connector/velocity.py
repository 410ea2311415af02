"""Velocity limits of the toll-fraud policy (DESIGN.md decision 12): how many SMS may go, per
window, to one number, one prefix of one application, one application, one Okta user. Pure.

Each limit is a sliding window kept as two fixed buckets (the current one and the one before),
weighted: ``previous * (1 - elapsed / window) + current``, where ``elapsed`` is how far into
the current bucket ``now`` is: the approximation Cloudflare describes for its rate limiting
("How we built rate limiting capable of scaling to millions of domains", 2017). Chosen over a
log of every send's time: three numbers a window a key (bucket, two counts), O(1) to read and
write, in memory and in one small Redis hash alike; its error is bounded by the previous
bucket's share of the window (it assumes that bucket's sends were spread evenly), which for a
limit of 5 codes is at most a code early or late at a window's edge. A send
is refused when ``estimate + 1`` would pass the limit; refused calls are not counted, so a
number that stops being hammered is free again one window later.

The stores (``velocity_store`` in memory, ``redis_velocity`` shared by replicas) count and
check atomically; the judgement of the counts, first window over its limit wins in the order of
``Limits.windows`` (number, prefix, application, user), is ``judge``, table-tested here alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from connector.refusals import (
    RATE_LIMITED_APPLICATION,
    RATE_LIMITED_NUMBER,
    RATE_LIMITED_PREFIX,
    RATE_LIMITED_USER,
    Refusal,
)
from connector.settings import Settings

NUMBER, PREFIX, APPLICATION, USER = 0, 1, 2, 3  # scopes, in the order they are judged
SCOPES = ("number", "prefix", "application", "user")
REASONS = (RATE_LIMITED_NUMBER, RATE_LIMITED_PREFIX, RATE_LIMITED_APPLICATION, RATE_LIMITED_USER)
MINUTE, QUARTER, HOUR, DAY = 60, 900, 3600, 86_400


@dataclass(frozen=True, slots=True)
class Window:
    scope: int  # NUMBER, PREFIX, APPLICATION or USER
    seconds: int
    limit: int  # SMS at most in any ``seconds``, this one included


@dataclass(frozen=True, slots=True)
class Limits:
    """The windows in force (a limit set to 0 is not one of them), in the order judged."""

    windows: tuple[Window, ...]
    # Per window: its count at which one more SMS passes the limit is refused (limit - 1),
    # and its reason; precomputed, as ``judge`` runs on every call.
    thresholds: tuple[float, ...] = field(init=False)
    reasons: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "thresholds", tuple(float(w.limit - 1) for w in self.windows))
        object.__setattr__(self, "reasons", tuple(REASONS[w.scope] for w in self.windows))

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        candidates = (
            Window(NUMBER, QUARTER, settings.limit_number_15m),
            Window(NUMBER, DAY, settings.limit_number_day),
            Window(PREFIX, HOUR, settings.limit_prefix_hour),
            Window(PREFIX, DAY, settings.limit_prefix_day),
            Window(APPLICATION, MINUTE, settings.limit_application_minute),
            Window(APPLICATION, DAY, settings.limit_application_day),
            Window(USER, QUARTER, settings.limit_user_15m),
            Window(USER, DAY, settings.limit_user_day),
        )
        return cls(tuple(window for window in candidates if window.limit > 0))

    def describe(self) -> str:
        """For the start-up log line: ``number 5/900s, number 20/86400s, ...``."""
        return ", ".join(f"{SCOPES[w.scope]} {w.limit}/{w.seconds}s" for w in self.windows)


class Subject(NamedTuple):
    """What one send is counted under: per number and per user across applications (one
    handset or one person pumped through several orgs is still one), per prefix within the
    application that sends. ``user`` ``None``: Okta sent no user id, that limit is not applied."""

    number: str  # E.164: personal data, never logged (the stores keep it as a key only)
    prefix: str  # connector.phone.number_prefix: safe to log
    country: str
    application: str
    user: str | None
    # A NamedTuple, not a frozen dataclass: one is made every call, and tuple.__new__ costs
    # ~0.5 µs less than a frozen dataclass' __init__ here (python -m timeit).

    def keys(self) -> tuple[str | None, ...]:
        """Each scope's key, indexed by scope."""
        return (self.number, f"{self.application}\0{self.prefix}", self.application, self.user)


def estimate(previous: int, current: int, elapsed_s: float, seconds: int) -> float:
    """The sliding window's count from its two buckets, ``elapsed_s`` into the current one."""
    return previous * (1.0 - elapsed_s / seconds) + current


def over(count: float, window: Window) -> bool:
    """Whether one more SMS would pass the window's limit."""
    return count + 1 > window.limit


def judge(counts: Sequence[float | None], limits: Limits, subject: Subject) -> Refusal | None:
    """``counts[i]``: ``limits.windows[i]``'s count before this send (``None``: not applied,
    no user id). The first window one more SMS would take past its limit refuses the send."""
    for count, threshold, reason in zip(counts, limits.thresholds, limits.reasons, strict=True):
        # count + 1 > limit, i.e. ``over``; compared with the precomputed limit - 1.
        if count is not None and count > threshold:
            return Refusal(reason, country=subject.country, prefix=subject.prefix)
    return None


def refusal(window: Window, subject: Subject) -> Refusal:
    """The refusal for ``window``: its reason, the country and the prefix (never the number)."""
    return Refusal(REASONS[window.scope], country=subject.country, prefix=subject.prefix)
