"""A/B figures for the hook's hot-path shortcuts: the hook as shipped against the same hook with
one shortcut swapped back for the plain library call, and against bare Starlette, alternated in
one run (one uvicorn worker pinned to core 0, wrk to core 1, as ``connector_overhead``).

    .venv/bin/python -m loadtests.bench.hot_path_ab [--duration 5] [--rounds 2]
                                                     [--baseline-dir DIR]

``--baseline-dir``: a checkout of another commit (``git archive main | tar -x -C DIR``), served
as one more variant, to compare the hook across commits in the same run. Each shortcut's
docstring quotes the figure this printed for it.
"""

from __future__ import annotations

import argparse
import os
import statistics

from loadtests.bench.harness import run_wrk, table, uvicorn_server

VARIANTS = {
    "bare Starlette (fixed JSON)": "loadtests.bench.apps:bare_starlette",
    "hook as shipped": "loadtests.bench.apps:hook_instant_gateway",
    "hook, asyncio.timeout per step": "loadtests.bench.apps:hook_timer_per_call",
    "hook, log line through logging": "loadtests.bench.apps:hook_logging_call_log",
    "hook, through Starlette's router": "loadtests.bench.apps:hook_via_router",
}
BASELINE = "hook at --baseline-dir"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of all")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    parser.add_argument("--baseline-dir", help="another checkout, served as one more variant")
    args = parser.parse_args()
    variants = dict(VARIANTS)
    if args.baseline_dir:
        variants[BASELINE] = "loadtests.bench.apps:hook_instant_gateway"
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, factory in variants.items():
            env = {}
            if name == BASELINE:
                env["PYTHONPATH"] = os.path.abspath(args.baseline_dir)
            with uvicorn_server(factory, env=env) as base:
                url = base + "/okta/telephony"
                run_wrk(url, connections=args.connections, duration_s=1)  # warm
                result = run_wrk(url, connections=args.connections, duration_s=args.duration)
            if result.bad_status or result.socket_errors:
                raise SystemExit(f"{name}: {result.bad_status} bad, {result.socket_errors} errors")
            rates[name].append(result.requests_per_s)
            print(
                f"  {name}: {result.requests_per_s:,.0f}/s p99 {result.p99_ms:.1f} ms", flush=True
            )
    shipped = statistics.median(rates["hook as shipped"])
    bare = statistics.median(rates["bare Starlette (fixed JSON)"])
    rows = []
    for name, runs in rates.items():
        median = statistics.median(runs)
        rows.append(
            [name, f"{median:,.0f}", f"{median / bare:.0%}", f"{median / shipped - 1:+.1%}"]
        )
    print(table(["variant", "answers/s (median)", "of bare", "vs shipped"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
