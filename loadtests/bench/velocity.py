"""The velocity limits' cost: CPU per call and memory, in process memory and in Redis.

    .venv/bin/python -m loadtests.bench.velocity [--calls 200000] [--keys 100000]

Prints figures only (no target is asserted; the connector's overhead target is judged by
``connector_overhead``):

- memory store, ``admit`` alone: CPU µs a call under the production limits (8 windows), every
  call a new number and user (the worst case: every window inserts a key), and the same
  number again (a sign-in retried);
- the hook with and without the limits (``TelephonyHook.handle``, in process, instant gateway,
  the same varied requests): the difference is what the velocity step adds to a call;
- memory store, bytes a key (``tracemalloc``, ``--keys`` distinct numbers and users): counted
  once (a key new in its epoch is an int) and counted again in a later epoch (grown into a
  record, a list: the most a key holds);
- Redis store: admits a second through one ``SharedState`` (64 at once, batched as the hook
  does), the client's CPU µs and Redis' own CPU µs a call (``INFO cpu``), and Redis' memory
  per subject (``INFO memory``, 4 hashes: number, prefix of the application, application,
  user).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import tempfile
import time
import tracemalloc
from pathlib import Path

from connector.hook import HookCall, TelephonyHook
from connector.redis_velocity import RedisVelocityStore
from connector.settings import Settings, load_settings
from connector.shared_state import velocity_key_for
from connector.state import SharedState
from connector.validation import RequestValidator
from connector.velocity import Limits, Subject
from connector.velocity_store import Admitted, MemoryVelocityStore
from loadtests.bench.apps import BENCH_LIMITS, InstantGateway
from loadtests.bench.harness import table
from loadtests.bench.replica_state import SECRET, Redis

AUTHORIZATION = "Basic YmVuY2g6YmVuY2gtcGFzc3dvcmQ="
TEMPLATE = Path("schemas/okta/examples/telephony-request.mfa-verification-nz-e164.pass.json")
OFF = {name: 0 for name in BENCH_LIMITS}


def limits() -> Limits:
    # The production windows, each limit out of reach: every call is counted in all 8.
    return Limits.from_settings(load_settings({}, gateway_url="http://127.0.0.1:9", **BENCH_LIMITS))


def subjects(count: int, seed: int = 7) -> list[Subject]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        number = f"+6421{rng.randrange(10**7):07d}"
        out.append(Subject(number, number[:8], "NZ", "okta-hook", f"00u{n:017d}"))
    return out


def admit_us(store: MemoryVelocityStore, batch: list[Subject]) -> float:
    gc.collect()
    started = time.process_time()
    for subject in batch:
        store.admit_now(subject)
    return (time.process_time() - started) / len(batch) * 1e6


def memory_figures(calls: int) -> list[list[str]]:
    fresh = subjects(calls)
    new_keys = admit_us(MemoryVelocityStore(limits()), fresh)
    store = MemoryVelocityStore(limits())
    same = [fresh[0]] * calls
    repeat = admit_us(store, same)
    empty = admit_us(MemoryVelocityStore(Limits(())), fresh)
    return [
        ["memory admit, new number and user each call", f"{new_keys:.2f} µs CPU"],
        ["memory admit, the same number again", f"{repeat:.2f} µs CPU"],
        ["memory admit, no limits configured", f"{empty:.2f} µs CPU"],
    ]


def bytes_per_key(keys: int) -> list[list[str]]:
    """What the store holds for ``keys`` distinct numbers and users, their key strings
    included (the subjects are dropped before the snapshot: what is left is the store's):
    each counted once (a key new in its epoch: an int), then each counted again a minute
    later (a new epoch: every key grown into a record, the most a key holds)."""
    rows = []
    for again in (False, True):
        clock = [1_000_000.0]
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        store = MemoryVelocityStore(limits(), max_keys=keys, clock=lambda at=clock: at[0])
        batch = subjects(keys, seed=11)
        for subject in batch:
            assert isinstance(store.admit_now(subject), Admitted)
        if again:
            clock[0] += 61.0
            for subject in batch:
                assert isinstance(store.admit_now(subject), Admitted)
        del batch, subject
        gc.collect()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        held = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
        count = store.keys_held()
        how = "counted twice, a minute apart" if again else "counted once"
        rows += [
            [f"memory held, {keys:,} numbers and users, {how}", f"{held / 2**20:.1f} MiB"],
            [f"memory per key, {how} (key string shared)", f"{held / count:.0f} bytes"],
            [f"memory per subject, {how}", f"{held / keys:.0f} bytes"],
        ]
    return rows


def hook_bodies(calls: int) -> list[bytes]:
    template = json.loads(TEMPLATE.read_text())
    rng = random.Random(3)
    bodies = []
    for n in range(calls):
        template["eventId"] = f"bench{n:017d}"
        template["data"]["messageProfile"]["phoneNumber"] = f"+6421{rng.randrange(10**7):07d}"
        template["data"]["userProfile"]["userId"] = f"00u{rng.randrange(10**6):017d}"
        bodies.append(json.dumps(template).encode())
    return bodies


def hook_us(settings: Settings, bodies: list[bytes]) -> float:
    hook = TelephonyHook(settings, InstantGateway(), RequestValidator())

    async def run() -> float:
        calls = [HookCall((AUTHORIZATION,), body, 0.0) for body in bodies]
        for call in calls[:1000]:  # warm: caches, the first buckets
            await hook.handle(call)
        gc.collect()
        started = time.process_time()
        for call in calls[1000:]:
            await hook.handle(replace_arrival(call))
        return (time.process_time() - started) / (len(calls) - 1000) * 1e6

    return asyncio.run(run())


def replace_arrival(call: HookCall) -> HookCall:
    return HookCall(call.authorizations, call.body, time.monotonic())


def hook_figures(calls: int, rounds: int = 3) -> list[list[str]]:
    bodies = hook_bodies(calls)
    on = load_settings({}, gateway_url="http://127.0.0.1:9", **BENCH_LIMITS)
    off = load_settings({}, gateway_url="http://127.0.0.1:9", **OFF)
    with_limits, without = [], []
    for _ in range(rounds):  # alternated, medians
        with_limits.append(hook_us(on, bodies))
        without.append(hook_us(off, bodies))
    a, b = sorted(with_limits)[rounds // 2], sorted(without)[rounds // 2]
    return [
        ["hook call, limits on (8 windows)", f"{a:.1f} µs CPU"],
        ["hook call, limits off", f"{b:.1f} µs CPU"],
        ["velocity step in the hook", f"{a - b:.1f} µs CPU"],
    ]


def redis_figures(calls: int) -> list[list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        redis = Redis(Path(folder))
        try:
            return asyncio.run(_redis_run(redis, calls))
        finally:
            redis.stop()


async def _redis_run(redis: Redis, calls: int) -> list[list[str]]:
    state = SharedState(redis.url, timeout_s=2.0)
    state.open()
    store = RedisVelocityStore(state, limits(), key=velocity_key_for(SECRET))
    batch = subjects(calls, seed=5)
    try:
        await store.admit(batch[0])  # the script loaded, a connection made
        memory_before = int(redis.info("memory")["used_memory"])
        cpu_before, started, wall = redis.cpu_s(), time.process_time(), time.monotonic()
        for start in range(0, calls, 64):
            await asyncio.gather(*(store.admit(s) for s in batch[start : start + 64]))
        wall = time.monotonic() - wall
        client_us = (time.process_time() - started) / calls * 1e6
        redis_us = (redis.cpu_s() - cpu_before) / calls * 1e6
        memory = int(redis.info("memory")["used_memory"]) - memory_before
        keys = int(redis.info("keyspace").get("db0", "keys=0,").split(",")[0].split("=")[1])
    finally:
        await state.close()
    return [
        ["Redis admits a second, 64 at once", f"{calls / wall:,.0f}"],
        ["Redis admit, client CPU a call", f"{client_us:.1f} µs"],
        ["Redis admit, Redis CPU a call", f"{redis_us:.1f} µs"],
        ["Redis memory per subject (number and user new)", f"{memory / calls:.0f} bytes"],
        ["Redis keys after", f"{keys:,}"],
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--hook-calls", type=int, default=30_000)
    parser.add_argument("--redis-calls", type=int, default=50_000)
    args = parser.parse_args(argv)
    rows = memory_figures(args.calls)
    rows += bytes_per_key(args.keys)
    rows += hook_figures(args.hook_calls)
    rows += redis_figures(args.redis_calls)
    print(table(["measure", "figure"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
