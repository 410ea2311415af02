"""Concurrency scaling: the real hook against a gateway that answers after 200 ms.

Throughput with a slow gateway is requests in flight ÷ gateway latency, as long as nothing in
the connector caps concurrency (a thread pool, a connection pool, a semaphore): 32, 128 and 256
in flight should give ~160, ~640 and ~1,280 answers/s. Target (DESIGN.md): at least 1,000
answers/s at 256 in flight on one worker, and every answer inside the 2.5 s budget.

Each measurement starts its own gateway stub (``gateway_stub.py``, pinned to core 1 beside wrk:
it only sleeps) and its own connector (``apps.hook_http_gateway``: the full hook, aiohttp to the
stub; one worker pinned to core 0, or ``--workers 2`` over both cores), warms the pools for a
second, then measures with wrk keeping N requests in flight.

    .venv/bin/python -m loadtests.bench.concurrency [--duration 8] [--in-flight 32,128,256]
                                                     [--workers 1,2]
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from loadtests.bench.harness import LOAD_CPU, WrkResult, run_wrk, table, uvicorn_server

GATEWAY_DELAY_MS = 200
BUDGET_MS = 2500
TARGET_PER_S = 1000
TARGET_IN_FLIGHT = 256
HOOK_PATH = "/okta/telephony"
# Fresh eventIds on every wrk run: a replayed one is answered from memory, no gateway call.
SCRIPT = "okta_requests.lua"


@dataclass(frozen=True)
class Measurement:
    workers: int
    in_flight: int
    result: WrkResult

    @property
    def ceiling(self) -> float:
        """Answers/s if the connector added nothing to the gateway's 200 ms."""
        return self.in_flight / (GATEWAY_DELAY_MS / 1000)

    @property
    def problems(self) -> list[str]:
        r = self.result
        found = []
        if r.bad_status or r.socket_errors:
            found.append(f"{r.bad_status} non-200, {r.socket_errors} socket errors")
        if r.max_ms > BUDGET_MS:
            found.append(f"max {r.max_ms:.0f} ms > {BUDGET_MS} ms")
        if self.in_flight >= TARGET_IN_FLIGHT and r.requests_per_s < TARGET_PER_S:
            found.append(f"{r.requests_per_s:,.0f}/s < {TARGET_PER_S:,}/s")
        return found


def measure(workers: int, in_flight: int, duration_s: int) -> Measurement:
    stub_env = {"BENCH_GATEWAY_DELAY_MS": str(GATEWAY_DELAY_MS)}
    with uvicorn_server(
        "loadtests.bench.gateway_stub:slow_gateway", env=stub_env, cpu=LOAD_CPU
    ) as gateway:
        hook_env = {"BENCH_GATEWAY_URL": gateway}
        with uvicorn_server(
            "loadtests.bench.apps:hook_http_gateway", workers=workers, env=hook_env
        ) as base:
            # Warm up: opens the connector's pool to the gateway, as a running service has.
            run_wrk(base + HOOK_PATH, connections=in_flight, duration_s=1, script=SCRIPT)
            result = run_wrk(
                base + HOOK_PATH, connections=in_flight, duration_s=duration_s, script=SCRIPT
            )
    return Measurement(workers, in_flight, result)


def report(measurements: list[Measurement]) -> str:
    rows = []
    for m in measurements:
        r = m.result
        rows.append(
            [
                str(m.workers),
                str(m.in_flight),
                f"{r.requests_per_s:,.0f}",
                f"{m.ceiling:,.0f} ({r.requests_per_s / m.ceiling:.0%})",
                f"{r.p50_ms:.0f}",
                f"{r.p99_ms:.0f}",
                f"{r.max_ms:.0f}",
                f"{r.bad_status}/{r.socket_errors}",
                "; ".join(m.problems) or "PASS",
            ]
        )
    headers = ["workers", "in flight", "answers/s", "ceiling", "p50 ms", "p99 ms", "max ms"]
    headers += ["non-200/errors", "verdict"]
    return table(headers, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--in-flight", default="32,128,256", help="wrk connections, comma-sep.")
    parser.add_argument("--workers", default="1,2", help="connector worker counts, comma-sep.")
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.in_flight.split(",")]
    worker_counts = [int(n) for n in args.workers.split(",")]
    print(
        f"concurrency: gateway answers after {GATEWAY_DELAY_MS} ms; {args.duration}s per level; "
        f"target >= {TARGET_PER_S:,}/s at {TARGET_IN_FLIGHT} in flight, max <= {BUDGET_MS} ms",
        flush=True,
    )
    measurements = []
    for workers in worker_counts:
        for in_flight in levels:
            m = measure(workers, in_flight, args.duration)
            r = m.result
            print(
                f"  {workers} worker(s), {in_flight} in flight: {r.requests_per_s:,.0f}/s "
                f"p99 {r.p99_ms:.0f} ms max {r.max_ms:.0f} ms",
                flush=True,
            )
            measurements.append(m)
    print(report(measurements))
    return 1 if any(m.problems for m in measurements) else 0


if __name__ == "__main__":
    raise SystemExit(main())
