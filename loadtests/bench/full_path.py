"""The full path: the hook calling a real gateway over loopback, against a bare proxy making the
same single aiohttp POST (``bare_proxy.py``). The gateway is nginx answering a fixed 202 at once
(``nginx_gateway.py``), pinned to core 1 beside wrk; each server runs as one uvicorn worker
pinned to core 0, the two alternated in one run against the same nginx.
Target (DESIGN.md): the hook keeps at least 80% of the bare proxy's throughput.

    .venv/bin/python -m loadtests.bench.full_path [--duration 8] [--rounds 3] [--connections 64]
"""

from __future__ import annotations

import argparse
import statistics

from loadtests.bench.harness import WrkResult, run_wrk, table, uvicorn_server
from loadtests.bench.nginx_gateway import nginx_gateway

TARGET_RATIO = 0.8
HOOK_PATH = "/okta/telephony"
APPS = {
    "bare proxy (one aiohttp POST)": "loadtests.bench.bare_proxy:bare_proxy",
    "hook, nginx gateway": "loadtests.bench.apps:hook_http_gateway",
}


def measure_one(factory: str, gateway: str, duration_s: int, connections: int) -> WrkResult:
    with uvicorn_server(factory, env={"BENCH_GATEWAY_URL": gateway}) as base:
        # Warm up: opens the pool to the gateway, as a running service has.
        run_wrk(base + HOOK_PATH, connections=connections, duration_s=1)
        result = run_wrk(base + HOOK_PATH, connections=connections, duration_s=duration_s)
    if result.bad_status or result.socket_errors:
        raise SystemExit(
            f"{factory}: {result.bad_status} bad answers, {result.socket_errors} socket errors"
        )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of both")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    args = parser.parse_args(argv)
    print(
        f"full path: {args.rounds} rounds x {args.duration}s, {args.connections} conns, "
        "nginx gateway answering 202 at once",
        flush=True,
    )
    results: dict[str, list[WrkResult]] = {name: [] for name in APPS}
    with nginx_gateway() as gateway:
        # Alternate the two so that drift in the machine's speed hits both alike.
        for _ in range(args.rounds):
            for name, factory in APPS.items():
                result = measure_one(factory, gateway, args.duration, args.connections)
                results[name].append(result)
                print(
                    f"  {name}: {result.requests_per_s:,.0f}/s p50 {result.p50_ms:.1f} ms "
                    f"p99 {result.p99_ms:.1f} ms",
                    flush=True,
                )
    bare, hook = (statistics.median(r.requests_per_s for r in results[name]) for name in APPS)
    ratio = hook / bare
    verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
    rows = [
        [
            name,
            f"{statistics.median(r.requests_per_s for r in rs):,.0f}",
            f"{statistics.median(r.p99_ms for r in rs):.1f}",
        ]
        for name, rs in results.items()
    ]
    rows.append(["hook / bare proxy", f"{ratio:.0%} (target >= {TARGET_RATIO:.0%}: {verdict})", ""])
    # Each round's pair ran back to back: their ratio shows how much of the spread is drift.
    pairs = zip(*(results[name] for name in APPS), strict=True)
    per_round = ", ".join(f"{h.requests_per_s / b.requests_per_s:.0%}" for b, h in pairs)
    rows.append(["hook / bare proxy, each round", per_round, ""])
    print(table(["measure", "answers/s (median)", "p99 ms (median)"], rows))
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
