"""One SMS per Okta event: a repeat of an event gets the first call's answer, never a second send.

Okta's ``eventId`` is unique per call and Okta advises de-duplicating on it (CONTRACT.md §1);
EZITXT has no idempotency key, so a repeated submit would send and bill a second SMS.

An event is keyed by application and ``eventId``, and remembered with a ``Stamp``: a keyed
digest of the credential and a fingerprint of the message (destination and text). A repeat is
answered from memory only when both match, compared in constant time (``hmac.compare_digest``):

- another credential (a wrong or rotated password) goes to the gateway like any call, which
  judges it; what it gets is not remembered, so it can neither take nor spoil the event;
- the same credential with another message is not a repeat: it is sent, logged as
  ``event_id_reused``, and remembered under a key of its own (event and message), so that its
  own repeats are answered from memory in turn.

The store is a Protocol (``claim`` / ``settle``, async so that a networked store can implement
it); ``MemoryReplayStore`` keeps the events in this process (DESIGN.md decision 6), compact: an
event is one bytes object holding the result (kind, gateway status, message id or reason) and
the two digests of its ``Stamp``, keyed by a 16-byte digest, from which ``Outcomes`` rebuilds
the answer. 300,000 events (5 minutes at 1,000 events/s) hold 58.4 MiB, 204 bytes an event
(``python -m loadtests.bench.replay_store``), none of it tracked by the garbage collector.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from hashlib import blake2b
from typing import NamedTuple, Protocol

from connector.errors import GatewayNoAnswer, GatewayRejectedMessage
from connector.gateway import GatewayReceipt, OutboundSms

# What a repeat may be answered with: an SMS went, may have gone, or the gateway refused it
# for good. Failures that sent nothing (gateway down, credential refused) are not kept, so a
# repeat tries afresh.
Remembered = GatewayReceipt | GatewayNoAnswer | GatewayRejectedMessage
DIGEST_BYTES = 16
# Okta's OTPs live about 5 minutes (CONTRACT.md §1: otpExpires); a repeat after that is moot.
WINDOW_S = 300.0


class Stamp(NamedTuple):
    # A NamedTuple, not a frozen dataclass: one is made every call (figure: connector.hook).
    credential: bytes  # keyed digest of the Authorization value
    message: bytes  # keyed digest of destination and text


class Verdict(Enum):
    SAME = "same"
    OTHER_CREDENTIAL = "other_credential"
    OTHER_MESSAGE = "other_message"


def compare(mine: Stamp, theirs: Stamp) -> Verdict:
    """Constant time in the digests' contents: a caller probing credentials learns nothing
    from how long a mismatch takes."""
    if not hmac.compare_digest(mine.credential, theirs.credential):
        return Verdict.OTHER_CREDENTIAL
    if not hmac.compare_digest(mine.message, theirs.message):
        return Verdict.OTHER_MESSAGE
    return Verdict.SAME


class Fingerprints:
    """Digests keyed with a secret of this process (keyed BLAKE2b, one ``person`` a purpose), so
    that what the store holds cannot be checked against guessed passwords or OTPs. A store shared
    by replicas needs the key shared too (the replicas issue)."""

    __slots__ = ("_keyed", "credential_digest")

    def __init__(self, key: bytes) -> None:
        # A hasher keyed once a purpose, copied for each digest: the key's block is not hashed
        # again every time. 0.74 against 0.45 µs a digest (``python -m timeit``), two a call:
        # 411,137-411,424 -> 405,699-405,861 instructions a hook answer (-1.3%; served_cost
        # --valgrind --requests 2000, 2026-12-06). The digests are the same bytes as before.
        self._keyed = {
            person: blake2b(key=key, digest_size=DIGEST_BYTES, person=person)
            for person in (b"credential", b"message", b"event")
        }
        # Each Okta org sends the same credential on every call (as ``parse_basic`` caches):
        # 0.06 against 0.40 CPU µs a call (``python -m loadtests.bench.micro_ab``).
        self.credential_digest = lru_cache(maxsize=256)(self._credential_digest)

    @classmethod
    def fresh(cls) -> Fingerprints:
        return cls(secrets.token_bytes(32))

    def stamp(self, authorization: str, sms: OutboundSms) -> Stamp:
        message = f"{sms.destination}\0{sms.content}".encode()
        credential = self.credential_digest(authorization)
        return tuple.__new__(Stamp, (credential, self._digest(b"message", message)))

    def event_key(self, application: str, event_id: str, message: bytes = b"") -> bytes:
        """The store's key: application and eventId, and for a reused eventId the message."""
        return self._digest(b"event", f"{application}\0{event_id}".encode() + message)

    def _credential_digest(self, authorization: str) -> bytes:
        return self._digest(b"credential", authorization.encode())

    def _digest(self, person: bytes, data: bytes) -> bytes:
        hasher = self._keyed[person].copy()
        hasher.update(data)
        return hasher.digest()


class Owned(NamedTuple):
    """The caller holds the event and must ``settle`` it, whatever happens."""

    # A NamedTuple, not a frozen dataclass: one is made every call (figure: connector.hook).
    token: object


@dataclass(frozen=True, slots=True)
class Held:
    """The event was settled by an earlier call."""

    stamp: Stamp
    result: Remembered


@dataclass(frozen=True, slots=True)
class InFlight:
    """An earlier call holds the event; ``wait()`` gives its result, or None if it sent
    nothing (then claim again)."""

    stamp: Stamp
    wait: Callable[[], Awaitable[Remembered | None]]


Claim = Owned | Held | InFlight


class ReplayStore(Protocol):
    async def claim(self, key: bytes, stamp: Stamp) -> Claim:
        """Take the event (``Owned``), or say who holds it and with what."""
        ...

    async def settle(self, key: bytes, claim: Owned, result: Remembered | None) -> None:
        """The owner's result (``None``: nothing was sent); wakes the calls waiting for it.
        Must complete even while the caller is being cancelled."""
        ...


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
            return tuple.__new__(Owned, (out,))
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
