"""The replay store in Redis, shared by every replica: ``MemoryReplayStore``'s semantics.

One key an event, ``ezitxt-okta:replay:`` + the event key (16 bytes, a keyed digest), with a
TTL of the window (5 minutes) from the claim, refreshed when settled. Its value is compact:

- in flight: ``b"\\x00"`` + an owner token (8 bytes) + the stamp (credential and message
  digests, 16 bytes each): 41 bytes;
- settled: ``b"\\x01"`` + ``replays.encode`` of the result (the stamp, the gateway's status and
  message id or reason): ~55 bytes.

``claim`` is one native command, ``SET key value NX PX window GET`` (Redis 7.0 or later; one
round trip, atomic): the key set in flight when absent, else its value read, so exactly one
caller of all replicas owns an event. Only a claim that finds the event in flight asks for its
TTL (``PTTL``), a second round trip for a repeat that is going to wait anyway. ``settle`` is a
Lua script (``EVALSHA``): the result replaces the value only if the caller's claim is still the
one there (compare-and-set on the owner token), and a failure that sent nothing (``None``)
deletes it, so a repeat tries afresh. A repeat of an event in flight polls (5 ms doubling to
50 ms) until the owner settles; the hook bounds that wait by its deadline. An owner that died
mid-send (a SIGKILLed replica) never settles: its claim older than ``owner_timeout_s`` is
answered as "may have been sent" (``GatewayNoAnswer``, PENDING), never sent again, exactly as
a cancelled send in memory. The age comes from the key's own TTL (Redis' clock), not from the
replicas' clocks.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time

from connector.errors import GatewayNoAnswer
from connector.replays import (
    DIGEST_BYTES,
    WINDOW_S,
    Claim,
    Held,
    InFlight,
    Owned,
    Remembered,
    Stamp,
    decode,
    encode,
)
from connector.state import NAMESPACE, Script, SharedState

PREFIX = NAMESPACE + b"replay:"
_IN_FLIGHT, _SETTLED = b"\x00", b"\x01"
_TOKEN_BYTES = 8
_TOKEN_SPAN = 2 ** (8 * (_TOKEN_BYTES // 2))
POLL_FIRST_S = 0.005
POLL_MAX_S = 0.05

# KEYS[1] the event; ARGV[1] the caller's in-flight value, ARGV[2] the result ('' to release),
# ARGV[3] the TTL in ms. Only the claim still there is settled (an expired and re-claimed
# event belongs to its new owner).
_SETTLE = Script("""
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) return 1 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
""")


class RedisReplayStore:
    """Events of the last ``window_s`` in Redis, through ``state`` (``StateUnavailable`` when
    Redis is in trouble: the hook then sends without de-duplication)."""

    def __init__(
        self, state: SharedState, *, owner_timeout_s: float, window_s: float = WINDOW_S
    ) -> None:
        self.state = state
        self.window_ms = int(window_s * 1000)
        self.owner_timeout_ms = int(owner_timeout_s * 1000)
        # Owner tokens: unique within the window, not secret (a claim is taken with NX, the
        # token only keeps a late settle off a claim taken again): a random prefix of this
        # store and a counter, cheaper than a system call a claim.
        self._token_prefix = secrets.token_bytes(_TOKEN_BYTES // 2)
        self._token_counter = itertools.count()

    async def claim(self, key: bytes, stamp: Stamp) -> Claim:
        """A native ``SET NX PX GET``, not a Lua script that reads and sets (the first
        version): Redis' CPU a call (claim and settle) 21.1 against 27.4 µs, the hook's 38.6
        against 42.6 (variant "claim by Lua script" of ``python -m
        loadtests.bench.redis_store_ab --rounds 7``, medians, 2026-12-02 14:00 UTC, load
        3.6-5.9; at 13:41, load 2.5-4.6: 20.6 against 26.0 and 37.3 against 40.6)."""
        redis_key = PREFIX + key
        mine = _IN_FLIGHT + self._token() + stamp.credential + stamp.message
        found = await self.state.command(
            "replay_claim", "SET", redis_key, mine, "NX", "PX", self.window_ms, "GET"
        )
        if found is None:
            return Owned(mine)
        value = bytes(found)
        if value[:1] == _SETTLED:
            _, theirs, result = decode(value[1:])
            return Held(theirs, result)
        # In flight: its age from its TTL. Read after the value, not with it: if the owner
        # settled or released it meanwhile, the TTL is young or gone (-2), and the wait
        # below reads what happened.
        ttl_ms = int(await self.state.command("replay_claim", "PTTL", redis_key))
        theirs = _in_flight_stamp(value)
        if self._owner_lost(ttl_ms):
            return Held(theirs, GatewayNoAnswer("first_call_lost_may_have_sent"))
        return InFlight(theirs, lambda: self._wait(redis_key, value))

    def _token(self) -> bytes:
        count: int = next(self._token_counter) % _TOKEN_SPAN
        return self._token_prefix + count.to_bytes(_TOKEN_BYTES // 2, "big")

    def _owner_lost(self, ttl_ms: int) -> bool:
        # The claim's age from its TTL; -1 (no TTL) never happens to a key this store set,
        # -2 (gone since it was read) is no age: the wait finds the key released.
        return ttl_ms >= 0 and self.window_ms - ttl_ms > self.owner_timeout_ms

    async def _wait(self, redis_key: bytes, claimed: bytes) -> Remembered | None:
        """Polls until the owner's result is there; bounded by the owner's own time."""
        delay = POLL_FIRST_S
        give_up = time.monotonic() + self.owner_timeout_ms / 1000
        while time.monotonic() < give_up:
            await asyncio.sleep(delay)
            delay = min(delay * 2, POLL_MAX_S)
            value = await self.state.command("replay_wait", "GET", redis_key)
            if value is None:
                return None  # released: nothing was sent, the caller claims afresh
            value = bytes(value)
            if value[:1] == _SETTLED:
                return decode(value[1:])[2]
            if value != claimed:
                return None  # released and claimed by another call since: claim again
        return GatewayNoAnswer("first_call_lost_may_have_sent")

    async def settle(self, key: bytes, claim: Owned, result: Remembered | None) -> None:
        """Queued, not waited for, so the answer never waits on Redis (waiters poll for it);
        queuing needs no await, so this completes even while the caller is being cancelled.
        A failure is counted and logged by ``SharedState``; the claim then stays in flight
        and ages into "may have been sent", never into a second SMS."""
        mine = claim.token
        assert isinstance(mine, bytes)
        if result is None:
            value = b""
        else:
            value = _SETTLED + encode(result, _in_flight_stamp(mine), time.time())
        self.state.send_script(
            "replay_settle", _SETTLE, 1, PREFIX + key, mine, value, self.window_ms
        )

    async def drain(self, timeout_s: float = 1.0) -> None:
        """Lets the settles under way finish (at shutdown), within ``timeout_s``."""
        await self.state.drain(timeout_s)


def _in_flight_stamp(value: bytes) -> Stamp:
    start = 1 + _TOKEN_BYTES
    middle = start + DIGEST_BYTES
    return Stamp(credential=value[start:middle], message=value[middle : middle + DIGEST_BYTES])
