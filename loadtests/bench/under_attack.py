"""Legitimate calls while the connector is under attack: one client streaming a 200 MB header
in 1 MiB chunks and 1,000 slowloris sockets. Target (DESIGN.md): none past the budget
(2,500 ms), p99 <= 100 ms.

    .venv/bin/python -m loadtests.bench.under_attack [--duration 10] [--connections 8]
        [--slowloris 1000] [--stream-mb 200] [--server guarded|httptools|...]

The hook (instant in-process gateway) runs on one uvicorn worker pinned to core 0, served as
in production (connector/server.py); the attackers (one asyncio process) and wrk share core 1.
wrk keeps ``--connections`` Okta-shaped calls in flight, first with no attack (the baseline),
then with the attack under way. The streamer reconnects whenever the server cuts it, until it
has sent ``--stream-mb`` or the time is up; each slowloris socket sends a request line and then
one header line a second, and reconnects when dropped. ``--server httptools`` shows stock
uvicorn for comparison (the defect of issue 9, items 1 and 2).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from loadtests.bench.harness import (
    LOAD_CPU,
    SERVERS,
    WrkResult,
    pinned,
    run_wrk,
    table,
    uvicorn_server,
)

BUDGET_MS = 2500.0
TARGET_P99_MS = 100.0
CHUNK = b"a" * (1 << 20)
RAMP_S = 3.0  # the attack reaches its full size before the measurement starts


@dataclass
class AttackStats:
    stream_bytes: int = 0
    stream_connections: int = 0
    stream_cut: int = 0  # connections the server closed or answered 431
    slowloris_connections: int = 0
    slowloris_dropped: int = 0
    slowloris_open_min: int = 0  # sockets open, sampled each second during the measurement
    slowloris_open_max: int = 0


async def stream_header(host: str, port: int, until: float, limit: int, stats: AttackStats) -> None:
    while stats.stream_bytes < limit and time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        stats.stream_connections += 1
        try:
            writer.write(b"POST /okta/telephony HTTP/1.1\r\nHost: hook\r\nX-Big: ")
            while stats.stream_bytes < limit and time.monotonic() < until:
                writer.write(CHUNK)
                await writer.drain()
                stats.stream_bytes += len(CHUNK)
                if reader.at_eof():
                    stats.stream_cut += 1
                    break
        except OSError:  # reset: the server closed with our bytes unread
            stats.stream_cut += 1
        writer.close()


async def slowloris(host: str, port: int, until: float, stats: AttackStats, open_now: list[int]):
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(0.5)
            continue
        stats.slowloris_connections += 1
        open_now[0] += 1
        try:
            writer.write(b"POST /okta/telephony HTTP/1.1\r\nHost: hook\r\n")
            line = 0
            while time.monotonic() < until:
                await writer.drain()
                try:
                    if await asyncio.wait_for(reader.read(1024), 1.0) == b"":
                        break  # closed by the server
                except TimeoutError:
                    pass
                line += 1
                writer.write(b"X-Slow-%d: 1\r\n" % line)
            else:
                continue
            stats.slowloris_dropped += 1
        except OSError:
            stats.slowloris_dropped += 1
        finally:
            open_now[0] -= 1
            writer.close()


async def attack(url: str, duration_s: float, sockets: int, stream_mb: int) -> AttackStats:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    stats, open_now = AttackStats(), [0]
    until = time.monotonic() + duration_s
    tasks = [asyncio.create_task(stream_header(host, port, until, stream_mb << 20, stats))]
    for _ in range(sockets):
        tasks.append(asyncio.create_task(slowloris(host, port, until, stats, open_now)))
        await asyncio.sleep(0.001)  # a ramp, not a SYN flood: the backlog is another matter
    await asyncio.sleep(RAMP_S)
    samples = []
    while time.monotonic() < until - 0.5:
        samples.append(open_now[0])
        await asyncio.sleep(1)
    await asyncio.gather(*tasks, return_exceptions=True)
    stats.slowloris_open_min = min(samples, default=0)
    stats.slowloris_open_max = max(samples, default=0)
    return stats


def attacker_main(url: str, duration_s: float, sockets: int, stream_mb: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 1,000 sockets and then some
    stats = asyncio.run(attack(url, duration_s, sockets, stream_mb))
    print(json.dumps(asdict(stats)), flush=True)


def measure(args: argparse.Namespace) -> tuple[WrkResult, WrkResult, AttackStats]:
    with uvicorn_server("loadtests.bench.apps:hook_instant_gateway", server=args.server) as base:
        target = base + "/okta/telephony"
        run_wrk(target, connections=args.connections, duration_s=1)  # warm
        quiet = run_wrk(target, connections=args.connections, duration_s=args.duration)
        attack_s = RAMP_S + args.duration + 2
        command = [
            sys.executable, "-m", "loadtests.bench.under_attack", "--attacker", base,
            "--duration", str(attack_s), "--slowloris", str(args.slowloris),
            "--stream-mb", str(args.stream_mb),
        ]  # fmt: skip
        attacker = subprocess.Popen(pinned(command, LOAD_CPU), stdout=subprocess.PIPE, text=True)
        try:
            time.sleep(RAMP_S)
            attacked = run_wrk(target, connections=args.connections, duration_s=args.duration)
            out, _ = attacker.communicate(timeout=attack_s + 30)
        finally:
            if attacker.poll() is None:
                attacker.kill()
                attacker.wait(5)
    return quiet, attacked, AttackStats(**json.loads(out.strip().splitlines()[-1]))


def row(name: str, result: WrkResult) -> list[str]:
    return [
        name,
        f"{result.requests_per_s:,.0f}",
        f"{result.p50_ms:.1f}",
        f"{result.p99_ms:.1f}",
        f"{result.max_ms:.1f}",
        f"{result.bad_status + result.socket_errors}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds of each measurement")
    parser.add_argument("--connections", type=int, default=8, help="legitimate calls in flight")
    parser.add_argument("--slowloris", type=int, default=1000, help="slowloris sockets")
    parser.add_argument("--stream-mb", type=int, default=200, help="MB of streamed header")
    parser.add_argument("--server", choices=SERVERS, default="guarded", help="HTTP server")
    parser.add_argument("--attacker", help=argparse.SUPPRESS)  # the attacking child process
    args = parser.parse_args()
    if args.attacker:
        attacker_main(args.attacker, args.duration, args.slowloris, args.stream_mb)
        return 0
    args.duration = int(args.duration)
    print(
        f"under attack: server {args.server}, {args.connections} legitimate calls in flight, "
        f"{args.duration}s each; attack: a {args.stream_mb} MB header in 1 MiB chunks and "
        f"{args.slowloris} slowloris sockets"
    )
    quiet, attacked, stats = measure(args)
    print(
        table(
            ["legitimate calls", "answers/s", "p50 ms", "p99 ms", "max ms", "errors"],
            [row("no attack", quiet), row("under attack", attacked)],
        )
    )
    print(
        f"  attack: streamed {stats.stream_bytes / 1e6:,.0f} MB over "
        f"{stats.stream_connections} connections ({stats.stream_cut} cut by the server); "
        f"slowloris sockets open {stats.slowloris_open_min}-{stats.slowloris_open_max} "
        f"({stats.slowloris_connections} opened, {stats.slowloris_dropped} dropped by the server)"
    )
    errors = attacked.bad_status + attacked.socket_errors
    # wrk times only the calls that were answered: none answered is the worst case, not a pass.
    held = (
        attacked.requests > 0
        and attacked.max_ms <= BUDGET_MS
        and attacked.p99_ms <= TARGET_P99_MS
        and errors == 0
    )
    verdict = "PASS" if held else "FAIL"
    print(
        f"  under attack: p99 {attacked.p99_ms:.1f} ms (target <= {TARGET_P99_MS:.0f}), "
        f"max {attacked.max_ms:.1f} ms (budget {BUDGET_MS:.0f}), {errors} errors, "
        f"{attacked.requests:,} answered: {verdict}"
    )
    return 0 if held else 1


if __name__ == "__main__":
    raise SystemExit(main())
