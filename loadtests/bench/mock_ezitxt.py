"""Throughput of the mock EZITXT gateway: accepted messages a second on one uvicorn worker.

Starts ``ezitxt-okta mock-ezitxt`` as a real process (one worker, pinned to core 0 with
``taskset`` when there is one), creates an application and its password, then drives
``POST /rest/sms/v2/messages`` from this process pinned to core 1: an aiohttp client keeping
``--concurrency`` requests in flight for ``--duration`` seconds (or ``--max-requests``). Prints
accepted/s, p50/p99 latency, and checks that the server stored every accepted message.

    .venv/bin/python -m loadtests.bench.mock_ezitxt [--concurrency 64] [--duration 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from loadtests.bench.harness import SERVER_CPU, free_port, pinned

TARGET_PER_S = 1000
WARMUP_S = 1.0
START_TIMEOUT_S = 15.0
BIN = Path(sys.executable).parent / "ezitxt-okta"


def start_server(port: int, db: str, *, pin: bool) -> subprocess.Popen[bytes]:
    command = [str(BIN), "mock-ezitxt", "--port", str(port), "--db", db, "--log-level", "warning"]
    return subprocess.Popen(pinned(command, SERVER_CPU) if pin else command)


async def wait_ready(session: aiohttp.ClientSession, base: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            async with session.get(f"{base}/_mock/stats") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise RuntimeError("mock EZITXT did not start")


async def setup(session: aiohttp.ClientSession, base: str) -> str:
    async with session.post(f"{base}/api/applications", json={"name": "bench"}) as response:
        if response.status not in (201, 409):
            raise RuntimeError(f"create application: {response.status}")
    async with session.post(f"{base}/api/applications/bench/password") as response:
        secret: str = (await response.json())["oktaSetupValues"]["authenticationSecret"]
        return secret


async def drive(
    base: str, secret: str, *, concurrency: int, duration: float, max_requests: int
) -> tuple[int, int, list[float], float]:
    """(accepted, failed, latencies of the measured window, measured seconds)."""
    url = f"{base}/rest/sms/v2/messages"
    headers = {"Authorization": secret, "Content-Type": "application/json"}
    latencies: list[float] = []
    counts = {"accepted": 0, "failed": 0, "sent": 0}
    start = time.perf_counter()
    measure_from = start + WARMUP_S
    stop_at = measure_from + duration
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(n: int) -> None:
            i = 0
            while time.perf_counter() < stop_at and counts["sent"] < max_requests:
                counts["sent"] += 1
                i += 1
                # Ordinary numbers (+6427…), never the test numbers, so every message walks.
                body = json.dumps(
                    {
                        "destination": f"+6427{n * 1000 + i % 1000:07d}",
                        "content": f"Your code is {i % 1_000_000:06d}",
                        "reference": f"b{n}-{i}",
                    }
                )
                t0 = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    ok = response.status == 202
                t1 = time.perf_counter()
                if t0 >= measure_from:
                    latencies.append(t1 - t0)
                    counts["accepted" if ok else "failed"] += 1

        await asyncio.gather(*(worker(n) for n in range(concurrency)))
    measured = time.perf_counter() - measure_from
    return counts["accepted"], counts["failed"], latencies, measured


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def bench(args: argparse.Namespace) -> int:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(port, str(Path(tmp) / "bench.sqlite3"), pin=not args.no_pin)
        try:
            if not args.no_pin and (os.cpu_count() or 1) >= 2:
                os.sched_setaffinity(0, {1})
            async with aiohttp.ClientSession() as session:
                await wait_ready(session, base)
                secret = await setup(session, base)
                accepted, failed, latencies, seconds = await drive(
                    base,
                    secret,
                    concurrency=args.concurrency,
                    duration=args.duration,
                    max_requests=args.max_requests,
                )
                await asyncio.sleep(2.0)  # let the life cycle finish
                async with session.get(f"{base}/_mock/stats") as response:
                    stats = await response.json()
        finally:
            server.terminate()
            server.wait(10)
    rate = accepted / seconds
    print(f"mock EZITXT, 1 uvicorn worker, {args.concurrency} in flight, {seconds:.1f} s measured")
    print(f"  accepted/s   {rate:8.0f}   (target >= {TARGET_PER_S})")
    print(f"  accepted     {accepted:8d}   failed {failed}")
    print(f"  p50 latency  {percentile(latencies, 0.50) * 1000:8.2f} ms")
    print(f"  p99 latency  {percentile(latencies, 0.99) * 1000:8.2f} ms")
    print(f"  stored       {stats['messages']:8d}   by status {stats['byStatus']}")
    return 0 if rate >= TARGET_PER_S and failed == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds")
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--no-pin", action="store_true", help="do not pin to cores 0 and 1")
    return asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
