"""The replay store in this process's memory (DESIGN.md decision 6): ``MemoryReplayStore``.

Compact: an event is one bytes object holding the result (kind, gateway status, message id or
reason) and the two digests of its ``Stamp``, keyed by a 16-byte digest; ``Outcomes`` rebuilds
the answer from the result. 300,000 events (5 minutes at 1,000 events/s) hold 58.4 MiB, 204
bytes an event (``python -m loadtests.bench.replay_store``), and none of it is tracked by the
garbage collector.
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections import deque

from connector.errors import GatewayNoAnswer, GatewayRejectedMessage
from connector.gateway import GatewayReceipt
from connector.replays import (
    DIGEST_BYTES,
    WINDOW_S,
    Claim,
    Held,
    InFlight,
    Owned,
    Remembered,
    Stamp,
)

# 5 minutes at 1,000 events/s (the promise, DESIGN.md), with room for twice that; past it
# the oldest events go first.
MAX_EVENTS = 600_000
# Expired and surplus events are dropped once every this many settled ones, not on each: the
# store may hold this many over ``max_events`` for a moment.
SWEEP_EVERY = 64

_RECORD = struct.Struct(f"<dBH{DIGEST_BYTES}s{DIGEST_BYTES}s")
_RECEIPT, _NO_ANSWER, _REJECTED = 1, 2, 3


def encode(result: Remembered, stamp: Stamp, created: float) -> bytes:
    """One bytes object an event: no tuple, float or str for the garbage collector to track
    or the allocator to pad."""
    if isinstance(result, GatewayReceipt):
        kind, status, text = _RECEIPT, result.http_status, result.message_id or ""
    elif isinstance(result, GatewayNoAnswer):
        kind, status, text = _NO_ANSWER, result.http_status or 0, result.reason
    else:
        kind, status = _REJECTED, result.http_status or 0
        text = f"{result.reason}\0{result.field}"
    head = _RECORD.pack(created, kind, status, stamp.credential, stamp.message)
    return head + text.encode()


def decode(record: bytes) -> tuple[float, Stamp, Remembered]:
    created, kind, status, credential, message = _RECORD.unpack_from(record)
    text = record[_RECORD.size :].decode()
    result: Remembered
    if kind == _RECEIPT:
        result = GatewayReceipt(http_status=status, message_id=text or None)
    elif kind == _NO_ANSWER:
        result = GatewayNoAnswer(text, http_status=status or None)
    else:
        reason, _, field = text.partition("\0")
        result = GatewayRejectedMessage(reason, http_status=status, field=field)
    return created, Stamp(credential, message), result


class _Out:
    """An event whose owner is still at the gateway."""

    __slots__ = ("stamp", "waiters")

    def __init__(self, stamp: Stamp) -> None:
        self.stamp = stamp
        self.waiters: list[asyncio.Future[Remembered | None]] | None = None

    async def wait(self) -> Remembered | None:
        future: asyncio.Future[Remembered | None] = asyncio.get_running_loop().create_future()
        if self.waiters is None:
            self.waiters = []
        self.waiters.append(future)
        return await future


class MemoryReplayStore:
    """The events of the last ``window_s`` in this process, at most ``max_events`` of them.

    A dict of key → record (bytes) or ``_Out``, and a queue of keys in the order they were
    settled, for expiry from the oldest end: both O(1) per event, and nothing on the hot path
    but a dict look-up, a struct pack and an append.
    """

    def __init__(self, window_s: float = WINDOW_S, max_events: int = MAX_EVENTS) -> None:
        self.window_s = window_s
        self.max_events = max_events
        self._events: dict[bytes, bytes | _Out] = {}
        self._order: deque[bytes] = deque()
        self._until_sweep = SWEEP_EVERY

    async def claim(self, key: bytes, stamp: Stamp) -> Claim:
        return self.claim_now(key, stamp)

    async def settle(self, key: bytes, claim: Owned, result: Remembered | None) -> None:
        self.settle_now(key, claim, result)

    def claim_now(self, key: bytes, stamp: Stamp) -> Claim:
        held = self._events.get(key)
        if held is None:
            out = self._events[key] = _Out(stamp)
            return Owned(out)
        if isinstance(held, _Out):
            return InFlight(held.stamp, held.wait)
        created, theirs, result = decode(held)
        if time.monotonic() - created >= self.window_s:
            out = self._events[key] = _Out(stamp)
            return Owned(out)
        return Held(theirs, result)

    def settle_now(self, key: bytes, claim: Owned, result: Remembered | None) -> None:
        out = claim.token
        assert isinstance(out, _Out)
        if self._events.get(key) is out:
            if result is None:
                del self._events[key]
            else:
                now = time.monotonic()
                self._events[key] = encode(result, out.stamp, now)
                self._order.append(key)
                self._until_sweep -= 1
                if self._until_sweep <= 0:
                    self._until_sweep = SWEEP_EVERY
                    self._expire(now)
        for future in out.waiters or ():
            if not future.done():
                future.set_result(result)

    def __len__(self) -> int:
        return len(self._events)

    def _expire(self, now: float) -> None:
        events, order = self._events, self._order
        while order:
            key = order[0]
            record = events.get(key)
            if isinstance(record, bytes):
                created = _RECORD.unpack_from(record)[0]
                if now - created < self.window_s and len(order) <= self.max_events:
                    return
                del events[key]
            # Else the key was claimed again after it expired (it is queued again when
            # settled), or is gone: nothing to drop here.
            order.popleft()
