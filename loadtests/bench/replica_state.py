"""The replay store in Redis against the store in process memory: the hook's throughput with
each, one uvicorn worker pinned to core 0, wrk and a real ``redis-server`` on core 1, in one run
(alternated). Target (DESIGN.md): the Redis store keeps at least 70% of the memory store's.

    .venv/bin/python -m loadtests.bench.replica_state [--duration 8] [--rounds 5] [--no-velocity]

By default the velocity limits are counted in both (the state store holds the replays and the
counters); ``--no-velocity`` measures the replay store alone.

Each round measures both stores, in an order swapped every round, each server warmed for 2 s
first; the verdict is on the medians. Also printed: each round's ratio (how much the machine's
other load moved it); the hook's own CPU per call (``/proc/<pid>/stat``, user + sys, over the
measured run divided by its calls: less moved by other load than answers/s, and its ratio is
the throughput ratio the hook would have on a core of its own); Redis' own CPU per hook call
(``INFO cpu``, user + sys, likewise); and Redis' memory per 100,000 settled events (``INFO
memory`` ``used_memory`` before and after 100,000 claims and settles through the store).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from loadtests.bench.harness import (
    LOAD_CPU,
    cpu_seconds,
    pinned,
    run_wrk,
    table,
    uvicorn_process,
)
from mocks.common.ports import free_port

TARGET_RATIO = 0.7
MEMORY = "hook, memory store"
REDIS = "hook, Redis store"
SECRET = "bench-state-secret-0123456789abcdef"
WARM_S = 2


class Redis:
    """A redis-server without persistence on a free port, pinned beside wrk."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        command = [
            binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(workdir), "--logfile", str(workdir / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(pinned(command, LOAD_CPU), stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while self.info("server").get("redis_version") is None:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("redis-server did not start (apt-get install redis-server)")
            time.sleep(0.05)

    def info(self, section: str) -> dict[str, str]:
        """``INFO section`` as a dict; empty while Redis does not answer."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                sock.sendall(f"INFO {section}\r\n".encode())
                data = b""
                while b"\r\n" not in data:
                    data += sock.recv(65536)
                head, _, body = data.partition(b"\r\n")
                size = int(head[1:])
                while len(body) < size:
                    body += sock.recv(65536)
        except (OSError, ValueError):
            return {}
        lines = body.decode().splitlines()
        return dict(line.split(":", 1) for line in lines if ":" in line)

    def cpu_s(self) -> float:
        cpu = self.info("cpu")
        return float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@dataclass
class Figures:
    """Per store, one entry a round: answers/s, the hook's CPU µs a call, Redis' CPU µs a call."""

    rates: dict[str, list[float]] = field(default_factory=lambda: {MEMORY: [], REDIS: []})
    hook_cpu_us: dict[str, list[float]] = field(default_factory=lambda: {MEMORY: [], REDIS: []})
    redis_cpu_us: list[float] = field(default_factory=list)

    def round_ratios(self) -> list[float]:
        return [r / m for m, r in zip(self.rates[MEMORY], self.rates[REDIS], strict=True)]


def measure(
    redis: Redis, duration_s: int, rounds: int, connections: int, velocity: bool = True
) -> Figures:
    """Rounds of both stores, the order swapped every round (a machine getting busier or
    quieter during the run then favours neither); each server warmed before it is measured."""
    figures = Figures()
    common = {} if velocity else {"BENCH_VELOCITY": "off"}
    envs = {
        MEMORY: common,
        REDIS: {**common, "EZITXT_HOOK_REDIS_URL": redis.url, "EZITXT_HOOK_STATE_SECRET": SECRET},
    }
    for round_number in range(rounds):
        order = list(envs) if round_number % 2 == 0 else list(reversed(envs))
        for name in order:
            factory = "loadtests.bench.apps:hook_instant_gateway_env"
            with uvicorn_process(factory, env=envs[name]) as (base, pid):
                url = base + "/okta/telephony"
                run_wrk(url, connections=connections, duration_s=WARM_S)
                redis_before, hook_before = redis.cpu_s(), cpu_seconds(pid)
                result = run_wrk(url, connections=connections, duration_s=duration_s)
                redis_used, hook_used = redis.cpu_s() - redis_before, cpu_seconds(pid) - hook_before
            if result.bad_status or result.socket_errors:
                raise SystemExit(
                    f"{name}: {result.bad_status} bad answers, {result.socket_errors} errors"
                )
            calls = max(result.requests, 1)
            figures.rates[name].append(result.requests_per_s)
            figures.hook_cpu_us[name].append(hook_used / calls * 1e6)
            extra = ""
            if name == REDIS:
                figures.redis_cpu_us.append(redis_used / calls * 1e6)
                extra = f", Redis CPU {figures.redis_cpu_us[-1]:.1f} µs a call"
            print(
                f"  {name}: {result.requests_per_s:,.0f}/s p99 {result.p99_ms:.1f} ms, "
                f"hook CPU {figures.hook_cpu_us[name][-1]:.1f} µs a call{extra}",
                flush=True,
            )
    return figures


def memory_per_100k(redis: Redis, events: int = 100_000) -> tuple[float, int]:
    """Bytes of Redis memory per event, and keys, after ``events`` claims and settles."""
    from connector.gateway import GatewayReceipt, OutboundSms
    from connector.redis_replays import RedisReplayStore
    from connector.replays import Owned
    from connector.shared_state import fingerprints_for
    from connector.state import SharedState

    async def fill() -> None:
        state = SharedState(redis.url, timeout_s=2.0)
        state.open()
        store = RedisReplayStore(state, owner_timeout_s=3.5)
        prints = fingerprints_for(SECRET)
        try:
            for start in range(0, events, 500):
                batch = []
                for n in range(start, min(start + 500, events)):
                    key = prints.event_key("okta-inline-hook", f"evt{n:019d}")
                    sms = OutboundSms(f"+6421{n:07d}", f"Your code is {n:06d}", f"evt{n:019d}")
                    stamp = prints.stamp(f"Basic cred{n % 7}", sms)
                    batch.append((key, stamp))
                claims = await asyncio.gather(*(store.claim(k, s) for k, s in batch))
                for (key, _), claim in zip(batch, claims, strict=True):
                    assert isinstance(claim, Owned)
                    receipt = GatewayReceipt(202, "3f1c2b9e-7d4a-4c1e-9b8f-2a6d5e4c3b21")
                    await store.settle(key, claim, receipt)
                await store.drain(10)
        finally:
            await state.close()

    async def flush() -> None:
        state = SharedState(redis.url, timeout_s=2.0)
        state.open()
        try:
            await state.client.flushall()  # the throughput runs' keys
        finally:
            await state.close()

    asyncio.run(flush())
    before = int(redis.info("memory")["used_memory"])
    asyncio.run(fill())
    after = int(redis.info("memory")["used_memory"])
    keys = int(redis.info("keyspace").get("db0", "keys=0,").split(",")[0].split("=")[1])
    return (after - before) / events, keys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of both")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    parser.add_argument(
        "--no-velocity",
        action="store_true",
        help="velocity limits off in both (the replay store's share alone; default: counted)",
    )
    args = parser.parse_args()
    velocity = "off" if args.no_velocity else "on"
    print(
        f"replica state: {args.rounds} rounds x {args.duration}s, {args.connections} conns, "
        f"velocity limits {velocity}"
    )
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    with tempfile.TemporaryDirectory() as workdir:
        redis = Redis(Path(workdir))
        try:
            figures = measure(
                redis, args.duration, args.rounds, args.connections, not args.no_velocity
            )
            per_event, keys = memory_per_100k(redis)
        finally:
            redis.stop()
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")
    memory, shared = (statistics.median(figures.rates[name]) for name in (MEMORY, REDIS))
    memory_cpu, shared_cpu = (
        statistics.median(figures.hook_cpu_us[name]) for name in (MEMORY, REDIS)
    )
    ratio = shared / memory
    rounds = ", ".join(f"{r:.0%}" for r in figures.round_ratios())
    verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
    print(
        table(
            ["measure", "figure"],
            [
                [MEMORY, f"{memory:,.0f} answers/s (median), hook CPU {memory_cpu:.1f} µs a call"],
                [REDIS, f"{shared:,.0f} answers/s (median), hook CPU {shared_cpu:.1f} µs a call"],
                ["Redis CPU per hook call", f"{statistics.median(figures.redis_cpu_us):.1f} µs"],
                [
                    "Redis memory per 100,000 events",
                    f"{per_event * 100_000 / 2**20:.1f} MiB ({per_event:.0f} B an event, "
                    f"{keys:,} keys, INFO memory)",
                ],
                ["redis / memory, each round", rounds],
                [
                    "hook CPU a call, memory / redis",
                    f"{memory_cpu / shared_cpu:.0%} (the throughput ratio on a core of its own)",
                ],
                ["redis / memory", f"{ratio:.0%} (target >= {TARGET_RATIO:.0%}: {verdict})"],
            ],
        )
    )
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
