"""What each of the hook's features costs a call, and what the hook would keep of bare
Starlette's throughput without it: the hook as shipped against the same hook with one feature
taken out (made a no-op), and with all of them out, and against bare Starlette, alternated in
one run (one worker pinned to core 0, wrk to core 1, as ``hot_path_ab``, whose server and CPU
accounting this reuses).

The features: the Prometheus metrics (call and gateway counters, histograms), the call's log
line, the velocity limits (8 windows counted a call), the replay store (claim and settle of
the event). None of them may go in production: this measures whether the 50% target of
``connector_overhead`` is within reach of the hook's remaining work, and where its cost is.

    .venv/bin/python -m loadtests.bench.feature_cost [--duration 5] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
from typing import Any

from starlette.applications import Starlette

from connector.replays import Claim, Owned, Remembered, Stamp
from connector.settings import load_settings
from loadtests.bench.apps import BENCH_LIMITS, InstantGateway
from loadtests.bench.harness import run_wrk, table
from loadtests.bench.hot_path_ab import cpu_s, server

FEATURES = ("metrics", "log", "velocity", "replays")
BARE = "bare Starlette (fixed JSON)"
SHIPPED = "hook as shipped"


class _NoMetrics:
    def arrived(self) -> None:
        return None

    def abandoned(self) -> None:
        return None

    def observe_call(self, handled: Any, duration_s: float) -> None:
        return None


class _NoCallLog:
    def write(self, fields: dict[str, Any]) -> None:
        return None


class _ForgetfulReplays:
    """Every event is new: the caller always owns it, and nothing is kept."""

    async def claim(self, key: bytes, stamp: Stamp) -> Claim:
        return Owned(None)

    async def settle(self, key: bytes, claim: Owned, result: Remembered | None) -> None:
        return None


def hook_without(*features: str) -> Starlette:
    from connector.app import create_app

    unknown = set(features) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown features {sorted(unknown)}; of {FEATURES}")
    limits = dict.fromkeys(BENCH_LIMITS, 0) if "velocity" in features else BENCH_LIMITS
    settings = load_settings({}, gateway_url="http://127.0.0.1:9", **limits)
    gateway = InstantGateway()
    app = create_app(
        settings, gateway=gateway, call_log=_NoCallLog() if "log" in features else None
    )
    endpoint = app.hook_endpoint  # type: ignore[attr-defined]
    if "metrics" in features:
        endpoint.metrics = _NoMetrics()
        endpoint.hook.gateway = gateway  # not the MeteredGateway around it
    if "replays" in features:
        endpoint.hook.replays = _ForgetfulReplays()
    return app


# uvicorn --factory targets: one function each.
def hook_without_metrics() -> Starlette:
    return hook_without("metrics")


def hook_without_log() -> Starlette:
    return hook_without("log")


def hook_without_velocity() -> Starlette:
    return hook_without("velocity")


def hook_without_replays() -> Starlette:
    return hook_without("replays")


def hook_without_any() -> Starlette:
    return hook_without(*FEATURES)


HERE = "loadtests.bench.feature_cost"
VARIANTS = {
    BARE: "loadtests.bench.apps:bare_starlette",
    SHIPPED: "loadtests.bench.apps:hook_instant_gateway",
    **{f"hook without {feature}": f"{HERE}:hook_without_{feature}" for feature in FEATURES},
    "hook without all four": f"{HERE}:hook_without_any",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of all")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    args = parser.parse_args()
    rates: dict[str, list[float]] = {name: [] for name in VARIANTS}
    cpu_us: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(args.rounds):
        for name, factory in VARIANTS.items():
            with server(factory, {}) as (base, pid):
                url = base + "/okta/telephony"
                run_wrk(url, connections=args.connections, duration_s=1)  # warm
                before = cpu_s(pid)
                result = run_wrk(url, connections=args.connections, duration_s=args.duration)
                used = cpu_s(pid) - before
            if result.bad_status or result.socket_errors:
                raise SystemExit(f"{name}: {result.bad_status} bad, {result.socket_errors} errors")
            rates[name].append(result.requests_per_s)
            cpu_us[name].append(used / result.requests * 1e6)
            spent = cpu_us[name][-1]
            print(f"  {name}: {result.requests_per_s:,.0f}/s, {spent:.1f} µs CPU an answer")
    bare_rate, bare_cpu = statistics.median(rates[BARE]), statistics.median(cpu_us[BARE])
    shipped_cpu = statistics.median(cpu_us[SHIPPED])
    rows = []
    for name in VARIANTS:
        rate, cpu = statistics.median(rates[name]), statistics.median(cpu_us[name])
        rows.append(
            [
                name,
                f"{rate:,.0f}",
                f"{rate / bare_rate:.0%}",
                f"{cpu:.1f}",
                f"{bare_cpu / cpu:.0%}",
                f"{cpu - shipped_cpu:+.1f}",
            ]
        )
    headers = ["variant", "answers/s", "of bare", "CPU µs/answer", "bare / variant CPU"]
    print(table([*headers, "µs vs shipped"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
