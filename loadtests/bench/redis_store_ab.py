"""In-process A/B of the Redis replay store's ways of talking to Redis: the CPU each costs the
hook's process and ``redis-server`` per hook call (a claim, a turn of the event loop for the
gateway, a settle), with 64 calls in flight, as under wrk's load in ``replica_state``.

    .venv/bin/python -m loadtests.bench.redis_store_ab [--calls 20000] [--rounds 5]

The client is pinned to core 0, a real ``redis-server`` to core 1. Client CPU is
``time.process_time`` over the measured calls (other processes' load moves it little), Redis'
is ``INFO cpu`` (user + sys); both divided by the calls. Every variant runs once a round, the
order rotated each round, against the same Redis (emptied before each); medians are printed.
Each variant is the shipped store with one step swapped back for what it replaced, so each
figure is that step's cost alone. The figures the store's docstrings quote come from here.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import hiredis
import uvloop
from redis.exceptions import ConnectionError, NoScriptError, ResponseError

from connector.errors import GatewayNoAnswer
from connector.gateway import GatewayReceipt
from connector.redis_replays import _SETTLE, _SETTLED, PREFIX, RedisReplayStore, _in_flight_stamp
from connector.replays import Claim, Held, InFlight, Owned, Remembered, Stamp, decode, encode
from connector.state import Script, SharedState
from loadtests.bench.harness import table
from loadtests.bench.replica_state import Redis

IN_FLIGHT = 64
RECEIPT = GatewayReceipt(202, "3f1c2b9e-7d4a-4c1e-9b8f-2a6d5e4c3b21")
STAMP = Stamp(b"c" * 16, b"m" * 16)

# The first version's claim: one script that reads the key, or sets it in flight.
_LUA_CLAIM = Script("""
local v = redis.call('GET', KEYS[1])
if v then return {v, redis.call('PTTL', KEYS[1])} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
""")


class LuaClaim(RedisReplayStore):
    """The claim as the first version made it: ``EVALSHA`` of a read-or-set script."""

    async def claim(self, key: bytes, stamp: Stamp) -> Claim:
        redis_key = PREFIX + key
        mine = b"\x00" + self._token() + stamp.credential + stamp.message
        reply = await self.state.script(
            "replay_claim", _LUA_CLAIM, 1, redis_key, mine, self.window_ms
        )
        if reply is None:
            return Owned(mine)
        value, ttl_ms = bytes(reply[0]), int(reply[1])
        if value[:1] == _SETTLED:
            _, theirs, result = decode(value[1:])
            return Held(theirs, result)
        theirs = _in_flight_stamp(value)
        if self._owner_lost(ttl_ms):
            return Held(theirs, GatewayNoAnswer("first_call_lost_may_have_sent"))
        return InFlight(theirs, lambda: self._wait(redis_key, value))


class EvalshaSettle(RedisReplayStore):
    """A settle by ``EVALSHA`` (the script's SHA1, not its source), sent again as ``EVAL``
    after a NOSCRIPT: tried, not kept (it measured no cheaper)."""

    async def settle(self, key: bytes, claim: Owned, result: Remembered | None) -> None:
        mine = claim.token
        assert isinstance(mine, bytes)
        stamp = _in_flight_stamp(mine)
        value = b"" if result is None else _SETTLED + encode(result, stamp, time.time())
        args = (PREFIX + key, mine, value, self.window_ms)
        sent = self.state.submit("EVALSHA", _SETTLE.sha, 1, *args)
        sent.add_done_callback(partial(self._settled, args))

    def _settled(self, args: tuple[bytes | int, ...], future: asyncio.Future[Any]) -> None:
        forgotten = not future.cancelled() and future.exception() is None
        if forgotten and isinstance(future.result(), NoScriptError):
            self.state.send("replay_settle", "EVAL", _SETTLE.source, 1, *args)


# A velocity counter as the fraud policy adds one (a count a number, its window's TTL set by
# the first), for what one more script a call costs, apart or folded into the claim.
_VELOCITY = Script("""
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
""")
_VELOCITY_AND_CLAIM = Script("""
local n = redis.call('INCR', KEYS[2])
if n == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return {n, redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2], 'GET')}
""")
VELOCITY_KEY = b"ezitxt-okta:velocity:bench"
VELOCITY_WINDOW_MS = 3_600_000


class VelocityThenClaim(RedisReplayStore):
    """One more ``EVALSHA`` a call, awaited before the claim (two round trips a call)."""

    async def claim(self, key: bytes, stamp: Stamp) -> Claim:
        count = await self.state.script("velocity", _VELOCITY, 1, VELOCITY_KEY, VELOCITY_WINDOW_MS)
        assert int(count) > 0
        return await super().claim(key, stamp)


class VelocityInClaim(RedisReplayStore):
    """The velocity count and the claim in one script: one command, one reply a call."""

    async def claim(self, key: bytes, stamp: Stamp) -> Claim:
        mine = b"\x00" + self._token() + stamp.credential + stamp.message
        count, found = await self.state.script(
            "velocity_claim", _VELOCITY_AND_CLAIM, 2, PREFIX + key, VELOCITY_KEY,
            mine, self.window_ms, VELOCITY_WINDOW_MS,
        )  # fmt: skip
        assert int(count) > 0 and found is None
        return Owned(mine)


class VelocityWithClaim(RedisReplayStore):
    """The velocity count as native commands (``INCR``, ``PEXPIRE NX``) and the claim, all in
    one pipeline and one wait (``SharedState.commands``)."""

    async def claim(self, key: bytes, stamp: Stamp) -> Claim:
        mine = b"\x00" + self._token() + stamp.credential + stamp.message
        count, _, found = await self.state.commands(
            "velocity_claim",
            ("INCR", VELOCITY_KEY),
            ("PEXPIRE", VELOCITY_KEY, VELOCITY_WINDOW_MS, "NX"),
            ("SET", PREFIX + key, mine, "NX", "PX", self.window_ms, "GET"),
        )
        assert int(count) > 0 and found is None
        return Owned(mine)


class PoolPerBatch(SharedState):
    """The first version's pipeline: a connection from the pool for each batch, written with
    ``send_packed_command``, each reply read with ``read_response``."""

    async def _send(
        self, batch: list[tuple[tuple[bytes | str | int, ...], asyncio.Future[Any]]]
    ) -> None:
        pool = self.client.connection_pool
        results: list[Any] = []
        try:
            connection = await pool.get_connection()  # type: ignore[no-untyped-call]
        except Exception as exc:
            self._fail_batch(batch, exc)
            return
        try:
            packed = b"".join([hiredis.pack_command(args) for args, _ in batch])  # type: ignore[arg-type]
            async with asyncio.timeout(self.timeout_s):
                await connection.send_packed_command(packed, check_health=False)
                for _ in batch:
                    try:
                        results.append(await connection.read_response(timeout=math.inf))
                    except ResponseError as reply:
                        results.append(reply)
        except BaseException as exc:
            await connection.disconnect()
            self._fail_batch(batch, exc if isinstance(exc, Exception) else ConnectionError())
            if not isinstance(exc, Exception):
                raise
            return
        finally:
            await pool.release(connection)
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)


@dataclass(frozen=True)
class Variant:
    name: str
    store: Callable[[SharedState], RedisReplayStore]
    state: type[SharedState] = SharedState


def _store(kind: type[RedisReplayStore]) -> Callable[[SharedState], RedisReplayStore]:
    return lambda state: kind(state, owner_timeout_s=3.5)


VARIANTS = (
    Variant("shipped", _store(RedisReplayStore)),
    Variant("claim by Lua script (EVALSHA)", _store(LuaClaim)),
    Variant("settle by EVALSHA (not kept)", _store(EvalshaSettle)),
    Variant("pool and read_response per batch", _store(RedisReplayStore), PoolPerBatch),
    Variant("first version (both)", _store(LuaClaim), PoolPerBatch),
    Variant("+ a velocity script before the claim", _store(VelocityThenClaim)),
    Variant("+ velocity and claim in one script", _store(VelocityInClaim)),
    Variant("+ velocity commands and claim, one wait", _store(VelocityWithClaim)),
)


async def run_calls(store: RedisReplayStore, calls: int, keys: itertools.count[int]) -> None:
    async def one_after_another(count: int) -> None:
        for _ in range(count):
            key = next(keys).to_bytes(16, "big")
            claim = await store.claim(key, STAMP)
            assert isinstance(claim, Owned)
            await asyncio.sleep(0)  # the gateway's turn
            await store.settle(key, claim, RECEIPT)

    await asyncio.gather(*(one_after_another(calls // IN_FLIGHT) for _ in range(IN_FLIGHT)))
    await store.drain(10)


async def measure(redis: Redis, variant: Variant, calls: int) -> tuple[float, float, float]:
    """Client CPU µs, Redis CPU µs a call, calls/s."""
    state = variant.state(redis.url, timeout_s=2.0)
    state.open()
    keys = itertools.count()
    try:
        store = variant.store(state)
        await run_calls(store, 2_000, keys)  # warm: connections made, scripts loaded
        await state.client.flushdb()
        redis_before, client_before = redis.cpu_s(), time.process_time()
        started = time.perf_counter()
        await run_calls(store, calls, keys)
        elapsed = time.perf_counter() - started
        client_used, redis_used = time.process_time() - client_before, redis.cpu_s() - redis_before
    finally:
        await state.close()
    done = calls // IN_FLIGHT * IN_FLIGHT
    return client_used / done * 1e6, redis_used / done * 1e6, done / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000, help="hook calls per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of every variant")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {0})
    print(f"redis store A/B: {args.rounds} rounds x {args.calls:,} calls, {IN_FLIGHT} in flight")
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    figures: dict[str, list[tuple[float, float, float]]] = {v.name: [] for v in VARIANTS}
    with tempfile.TemporaryDirectory() as workdir:
        redis = Redis(Path(workdir))
        try:
            for round_number in range(args.rounds):
                shift = round_number % len(VARIANTS)
                for variant in VARIANTS[shift:] + VARIANTS[:shift]:
                    figure = uvloop.run(measure(redis, variant, args.calls))
                    figures[variant.name].append(figure)
                    client, server, rate = figure
                    print(
                        f"  {variant.name}: client {client:.1f} µs, Redis {server:.1f} µs a "
                        f"call, {rate:,.0f} calls/s",
                        flush=True,
                    )
        finally:
            redis.stop()
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")
    rows = []
    for name, runs in figures.items():
        client, server, rate = (statistics.median(f[i] for f in runs) for i in range(3))
        rows.append(
            [
                name,
                f"{client:.1f} µs",
                f"{server:.1f} µs",
                f"{client + server:.1f} µs",
                f"{rate:,.0f}",
            ]
        )
    headers = ["variant", "client CPU a call", "Redis CPU a call", "both", "calls/s (wall)"]
    print(table(headers, rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
