"""The hook's own cost: its throughput against a bare Starlette endpoint answering the same
fixed JSON, both on one uvicorn worker pinned to core 0, wrk pinned to core 1, in one run.
Target (DESIGN.md): the hook keeps at least 50% of the bare endpoint's throughput.

    .venv/bin/python -m loadtests.bench.connector_overhead [--duration 8] [--rounds 2]
        [--server guarded|httptools|h11|hypercorn|granian]

``--server`` picks the HTTP server for both apps: by default the connector's own (uvicorn,
httptools with the limits of connector/http_guard.py); the others are the candidates that
connector/server.py was chosen against (hypercorn and granian: ``pip install`` them first).

Then a profile of the hook path in-process (no HTTP), to show where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import statistics
import time

from loadtests.bench.harness import SERVERS, run_wrk, table, uvicorn_server

TARGET_RATIO = 0.5
APPS = {
    "bare Starlette (fixed JSON)": "loadtests.bench.apps:bare_starlette",
    "hook, instant gateway": "loadtests.bench.apps:hook_instant_gateway",
}


def measure(
    duration_s: int, rounds: int, connections: int, server: str = "guarded"
) -> dict[str, list[float]]:
    rates: dict[str, list[float]] = {name: [] for name in APPS}
    # Alternate the two so that drift in the machine's speed hits both alike.
    for _ in range(rounds):
        for name, factory in APPS.items():
            with uvicorn_server(factory, server=server) as base:
                run_wrk(base + "/okta/telephony", connections=connections, duration_s=1)  # warm
                result = run_wrk(
                    base + "/okta/telephony", connections=connections, duration_s=duration_s
                )
            if result.bad_status or result.socket_errors:
                raise SystemExit(
                    f"{name}: {result.bad_status} bad answers, {result.socket_errors} errors"
                )
            rates[name].append(result.requests_per_s)
            print(
                f"  {name}: {result.requests_per_s:,.0f}/s p99 {result.p99_ms:.1f} ms", flush=True
            )
    return rates


def profile_hook(calls: int = 20_000) -> str:
    """cProfile of ``TelephonyHook.handle`` over ``calls`` varied requests, no HTTP."""
    import json
    import random

    from connector.hook import HookCall, TelephonyHook
    from connector.settings import load_settings
    from connector.validation import RequestValidator
    from loadtests.bench.apps import BENCH_LIMITS, InstantGateway

    settings = load_settings({}, gateway_url="http://127.0.0.1:9", **BENCH_LIMITS)
    hook = TelephonyHook(settings, InstantGateway(), RequestValidator())
    with open("schemas/okta/examples/telephony-request.mfa-verification-nz-e164.pass.json") as f:
        template = json.load(f)
    bodies = []
    for i in range(calls):
        template["eventId"] = f"bench{i:017d}"
        template["data"]["messageProfile"]["phoneNumber"] = f"+6421{random.randrange(10**7):07d}"
        bodies.append(json.dumps(template).encode())
    authorization = "Basic YmVuY2g6YmVuY2gtcGFzc3dvcmQ="

    async def run() -> None:
        for body in bodies:
            await hook.handle(HookCall((authorization,), body, time.monotonic()))

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    asyncio.run(run())
    profiler.disable()
    per_call_us = (time.perf_counter() - started) / calls * 1e6
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("tottime")
    stats.print_stats(12)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("ncalls"))
    return f"hook.handle: {per_call_us:.1f} µs a call under cProfile ({calls} calls)\n" + "\n".join(
        lines[start:]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of both")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    parser.add_argument("--server", choices=SERVERS, default="guarded", help="HTTP server")
    parser.add_argument("--no-profile", action="store_true", help="skip the in-process profile")
    args = parser.parse_args()
    print(
        f"connector overhead: {args.rounds} rounds x {args.duration}s, {args.connections} conns, "
        f"server {args.server}"
    )
    rates = measure(args.duration, args.rounds, args.connections, args.server)
    bare, hook = (statistics.median(rates[name]) for name in APPS)
    ratio = hook / bare
    verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
    print(
        table(
            ["measure", "answers/s (median)"],
            [[name, f"{statistics.median(r):,.0f}"] for name, r in rates.items()]
            + [["hook / bare", f"{ratio:.0%} (target >= {TARGET_RATIO:.0%}: {verdict})"]],
        )
    )
    if not args.no_profile:
        print()
        print(profile_hook())
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
