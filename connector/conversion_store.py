"""Where conversion feedback keeps its counts: the ``ConversionStore`` Protocol, and the store in
process memory (the default, one process: DESIGN.md decision 6). ``connector.redis_conversion``
keeps the same state in Redis for replicas, with the same semantics (the tests hold both to it).

What is kept, all of it bounded and expiring with the conversion window:

- per Okta user, their last ``SENDS_PER_USER`` sends (application, prefix, family, time,
  verified or not), for an event to find the one it verifies;
- per application and prefix, sends and verified sends in ``BUCKETS`` buckets of the window,
  and when the count starts (the last block's start);
- per event uuid, that it was counted (so a second delivery counts nothing);
- per application, when its feedback channel was last heard (silent: conversion unknown);
- blocks in place, and each prefix's strikes (how many blocks in a row, for their growth).
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Protocol

from connector.conversion import (
    DUPLICATE,
    MATCH_AFTER_S,
    MATCH_BEFORE_S,
    SENDS_PER_USER,
    UNMATCHED,
    VERIFIED,
    BlockStarted,
    ConversionRules,
    Counts,
    PrefixBlock,
    PrefixWindow,
    SentCode,
    Verification,
    block_duration,
)

# Bounds of the memory store: past them the least recently used go first.
MAX_USERS = 200_000
MAX_WINDOWS = 100_000
MAX_EVENTS = 500_000


@dataclass(frozen=True, slots=True)
class Matched:
    """What an event did: ``VERIFIED`` (with the send's application and prefix),
    ``DUPLICATE`` or ``UNMATCHED``."""

    outcome: str
    application: str | None = None
    prefix: str | None = None


class ConversionStore(Protocol):
    async def record_send(self, send: SentCode, rules: ConversionRules) -> PrefixWindow:
        """Keep the send; the prefix's window as it now stands."""
        ...

    async def start_block(
        self, application: str, prefix: str, now: float, rules: ConversionRules, counts: Counts
    ) -> BlockStarted | None:
        """Block the prefix (its next level), and start its count afresh; None when another
        caller (replica) blocked it first."""
        ...

    async def verify(
        self, event: Verification, *, application: str | None, now: float, rules: ConversionRules
    ) -> Matched:
        """Count the event once: mark the user's latest unverified send of its family (of
        ``application`` only, when the delivery came with that application's own secret)."""
        ...

    async def heard(self, application: str, now: float, rules: ConversionRules) -> None:
        """The application's feedback channel delivered something."""
        ...

    async def block(self, application: str, prefix: str, now: float) -> PrefixBlock | None:
        """The block in place for the prefix, if any."""
        ...


@dataclass(slots=True)
class _Send:
    application: str
    prefix: str
    family: str
    at: float
    verified: bool = False


@dataclass(slots=True)
class _Window:
    sent: dict[int, int] = field(default_factory=dict)
    verified: dict[int, int] = field(default_factory=dict)
    since: float = 0.0


class MemoryConversionStore:
    """The state of one process. Every operation is synchronous inside: no await between a
    read and its write, so concurrent calls of one event loop cannot interleave."""

    def __init__(self) -> None:
        self._users: OrderedDict[str, list[_Send]] = OrderedDict()
        self._windows: OrderedDict[tuple[str, str], _Window] = OrderedDict()
        self._events: dict[str, float] = {}
        self._event_order: deque[tuple[float, str]] = deque()
        self._heard: dict[str, float] = {}
        self._blocks: dict[tuple[str, str], tuple[float, int]] = {}
        self._strikes: dict[tuple[str, str], tuple[int, float]] = {}

    async def record_send(self, send: SentCode, rules: ConversionRules) -> PrefixWindow:
        sends = self._users.pop(send.user_id, [])
        sends.insert(0, _Send(send.application, send.prefix, send.family, send.at))
        del sends[SENDS_PER_USER:]
        self._users[send.user_id] = sends
        if len(self._users) > MAX_USERS:
            self._users.popitem(last=False)
        key = (send.application, send.prefix)
        window = self._windows.pop(key, None) or _Window()
        self._windows[key] = window
        if len(self._windows) > MAX_WINDOWS:
            self._windows.popitem(last=False)
        bucket = rules.bucket(send.at)
        window.sent[bucket] = window.sent.get(bucket, 0) + 1
        _prune(window, rules.bucket(send.at - rules.window_s))
        return PrefixWindow(
            sent=dict(window.sent),
            verified=dict(window.verified),
            since=window.since,
            channel_alive=self._alive(send.application, send.at, rules),
            blocked=self._blocked(key, send.at) is not None,
        )

    async def start_block(
        self, application: str, prefix: str, now: float, rules: ConversionRules, counts: Counts
    ) -> BlockStarted | None:
        key = (application, prefix)
        if self._blocked(key, now) is not None:
            return None
        level, expires = self._strikes.get(key, (0, 0.0))
        level = level + 1 if expires > now else 1
        duration = block_duration(level, rules)
        self._blocks[key] = (now + duration, level)
        self._strikes[key] = (level, now + duration + rules.max_block_s)
        window = self._windows.get(key)
        if window is not None:
            window.since = now
        return BlockStarted(application, prefix, level, duration, counts)

    async def verify(
        self, event: Verification, *, application: str | None, now: float, rules: ConversionRules
    ) -> Matched:
        self._expire_events(now)
        if event.uuid in self._events:
            return Matched(DUPLICATE)
        self._events[event.uuid] = now + rules.window_s
        self._event_order.append((now + rules.window_s, event.uuid))
        if len(self._events) > MAX_EVENTS:
            _, oldest = self._event_order.popleft()
            self._events.pop(oldest, None)
        if application is not None:
            self._heard[application] = now
        for send in self._users.get(event.user_id, ()):
            if send.at < now - rules.window_s:
                break  # past the window; older ones are older still (newest first)
            if send.verified or send.family != event.family:
                continue
            if application is not None and send.application != application:
                continue
            if not event.at - MATCH_BEFORE_S <= send.at <= event.at + MATCH_AFTER_S:
                continue
            send.verified = True
            self._heard[send.application] = now
            window = self._windows.get((send.application, send.prefix))
            if window is not None:
                bucket = rules.bucket(send.at)
                window.verified[bucket] = window.verified.get(bucket, 0) + 1
            return Matched(VERIFIED, send.application, send.prefix)
        return Matched(UNMATCHED)

    async def heard(self, application: str, now: float, rules: ConversionRules) -> None:
        self._heard[application] = now

    async def block(self, application: str, prefix: str, now: float) -> PrefixBlock | None:
        found = self._blocked((application, prefix), now)
        return PrefixBlock(prefix, found[0], found[1]) if found else None

    def blocks(self, now: float | None = None) -> list[tuple[str, PrefixBlock]]:
        """Every block in place, as (application, block)."""
        now = time.time() if now is None else now
        return [
            (application, PrefixBlock(prefix, until, level))
            for (application, prefix), (until, level) in self._blocks.items()
            if until > now
        ]

    def lift(self, prefix: str, application: str | None = None) -> int:
        """Lifts the prefix's blocks (of one application, or all), forgets its strikes and
        starts its count afresh; how many blocks were lifted."""
        keys = [k for k in self._blocks if k[1] == prefix and application in (None, k[0])]
        for key in keys:
            del self._blocks[key]
        for key in [k for k in self._strikes if k[1] == prefix and application in (None, k[0])]:
            del self._strikes[key]
        for key in [k for k in self._windows if k[1] == prefix and application in (None, k[0])]:
            del self._windows[key]
        return len(keys)

    def _alive(self, application: str, now: float, rules: ConversionRules) -> bool:
        heard = self._heard.get(application)
        return heard is not None and heard > now - rules.window_s

    def _blocked(self, key: tuple[str, str], now: float) -> tuple[float, int] | None:
        found = self._blocks.get(key)
        if found is None:
            return None
        if found[0] <= now:
            del self._blocks[key]
            return None
        return found

    def _expire_events(self, now: float) -> None:
        order = self._event_order
        while order and order[0][0] <= now:
            _, uuid = order.popleft()
            self._events.pop(uuid, None)


def _prune(window: _Window, first: int) -> None:
    for bucket in [b for b in window.sent if b < first]:
        del window.sent[bucket]
        window.verified.pop(bucket, None)
    for bucket in [b for b in window.verified if b < first]:
        del window.verified[bucket]
