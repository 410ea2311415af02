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
it); ``connector.memory_replays.MemoryReplayStore`` keeps the events in this process (DESIGN.md
decision 6).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from hashlib import blake2b
from typing import Protocol

from connector.errors import GatewayNoAnswer, GatewayRejectedMessage
from connector.gateway import GatewayReceipt, OutboundSms

# What a repeat may be answered with: an SMS went, may have gone, or the gateway refused it
# for good. Failures that sent nothing (gateway down, credential refused) are not kept, so a
# repeat tries afresh.
Remembered = GatewayReceipt | GatewayNoAnswer | GatewayRejectedMessage
DIGEST_BYTES = 16
# Okta's OTPs live about 5 minutes (CONTRACT.md §1: otpExpires); a repeat after that is moot.
WINDOW_S = 300.0


@dataclass(frozen=True, slots=True)
class Stamp:
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

    __slots__ = ("_key", "credential_digest")

    def __init__(self, key: bytes) -> None:
        self._key = key
        # Each Okta org sends the same credential on every call (as ``parse_basic`` caches):
        # 0.06 against 0.40 CPU µs a call (``python -m loadtests.bench.micro_ab``).
        self.credential_digest = lru_cache(maxsize=256)(self._credential_digest)

    @classmethod
    def fresh(cls) -> Fingerprints:
        return cls(secrets.token_bytes(32))

    def stamp(self, authorization: str, sms: OutboundSms) -> Stamp:
        message = f"{sms.destination}\0{sms.content}".encode()
        return Stamp(self.credential_digest(authorization), self._digest(b"message", message))

    def event_key(self, application: str, event_id: str, message: bytes = b"") -> bytes:
        """The store's key: application and eventId, and for a reused eventId the message."""
        return self._digest(b"event", f"{application}\0{event_id}".encode() + message)

    def _credential_digest(self, authorization: str) -> bytes:
        return self._digest(b"credential", authorization.encode())

    def _digest(self, person: bytes, data: bytes) -> bytes:
        # Keyed afresh each time: a hasher keyed once and copied saved 0.13-0.41 CPU µs a
        # digest across runs of micro_ab (2026-12-02), two a call: too little to keep.
        return blake2b(data, key=self._key, digest_size=DIGEST_BYTES, person=person).digest()


@dataclass(frozen=True, slots=True)
class Owned:
    """The caller holds the event and must ``settle`` it, whatever happens."""

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
