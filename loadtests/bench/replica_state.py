"""The replay store in Redis against the store in process memory: the hook's throughput with
each, one uvicorn worker pinned to core 0, wrk and a real ``redis-server`` on core 1, in one run
(alternated). Target (DESIGN.md): the Redis store keeps at least 70% of the memory store's.

    .venv/bin/python -m loadtests.bench.replica_state [--duration 8] [--rounds 3]

Also printed: Redis' own CPU per hook call (``INFO cpu``, user + sys, over the measured run
divided by its calls), and Redis' memory per 100,000 settled events (``INFO memory``
``used_memory`` before and after 100,000 claims and settles through the store).
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
from pathlib import Path

from loadtests.bench.harness import LOAD_CPU, pinned, run_wrk, table, uvicorn_server
from mocks.common.ports import free_port

TARGET_RATIO = 0.7
MEMORY = "hook, memory store"
REDIS = "hook, Redis store"
SECRET = "bench-state-secret-0123456789abcdef"


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


def measure(
    redis: Redis, duration_s: int, rounds: int, connections: int
) -> tuple[dict[str, list[float]], list[float]]:
    rates: dict[str, list[float]] = {MEMORY: [], REDIS: []}
    cpu_per_call_us: list[float] = []
    envs = {
        MEMORY: {},
        REDIS: {"EZITXT_HOOK_REDIS_URL": redis.url, "EZITXT_HOOK_STATE_SECRET": SECRET},
    }
    for _ in range(rounds):
        for name, env in envs.items():
            with uvicorn_server("loadtests.bench.apps:hook_instant_gateway_env", env=env) as base:
                url = base + "/okta/telephony"
                run_wrk(url, connections=connections, duration_s=1)  # warm
                cpu_before = redis.cpu_s()
                result = run_wrk(url, connections=connections, duration_s=duration_s)
                cpu_used = redis.cpu_s() - cpu_before
            if result.bad_status or result.socket_errors:
                raise SystemExit(
                    f"{name}: {result.bad_status} bad answers, {result.socket_errors} errors"
                )
            rates[name].append(result.requests_per_s)
            extra = ""
            if name == REDIS:
                per_call = cpu_used / max(result.requests, 1) * 1e6
                cpu_per_call_us.append(per_call)
                extra = f", Redis CPU {per_call:.1f} µs a call"
            print(
                f"  {name}: {result.requests_per_s:,.0f}/s p99 {result.p99_ms:.1f} ms{extra}",
                flush=True,
            )
    return rates, cpu_per_call_us


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
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of both")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    args = parser.parse_args()
    print(f"replica state: {args.rounds} rounds x {args.duration}s, {args.connections} conns")
    with tempfile.TemporaryDirectory() as workdir:
        redis = Redis(Path(workdir))
        try:
            rates, cpu = measure(redis, args.duration, args.rounds, args.connections)
            per_event, keys = memory_per_100k(redis)
        finally:
            redis.stop()
    memory, shared = (statistics.median(rates[name]) for name in (MEMORY, REDIS))
    ratio = shared / memory
    verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
    print(
        table(
            ["measure", "figure"],
            [
                [MEMORY, f"{memory:,.0f} answers/s (median)"],
                [REDIS, f"{shared:,.0f} answers/s (median)"],
                ["Redis CPU per hook call", f"{statistics.median(cpu):.1f} µs (INFO cpu)"],
                [
                    "Redis memory per 100,000 events",
                    f"{per_event * 100_000 / 2**20:.1f} MiB ({per_event:.0f} B an event, "
                    f"{keys:,} keys, INFO memory)",
                ],
                ["redis / memory", f"{ratio:.0%} (target >= {TARGET_RATIO:.0%}: {verdict})"],
            ],
        )
    )
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
