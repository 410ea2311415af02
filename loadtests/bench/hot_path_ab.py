"""A/B figures for the hook's hot-path shortcuts: the hook as shipped against the same hook with
one shortcut swapped back for the plain library call, and against bare Starlette, alternated in
one run (one uvicorn worker pinned to core 0, wrk to core 1, as ``connector_overhead``).

Besides answers/s, each server's own CPU time per answer (user + system, from /proc): on a
machine shared with other work, answers/s swing with the neighbours' load, while the CPU a
request costs the server barely moves. ``bare CPU / variant CPU`` is the throughput ratio the
variant would get on a core of its own.

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
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from loadtests.bench.harness import SERVER_CPU, free_port, pinned, run_wrk, table, wait_for_port

VARIANTS = {
    "bare Starlette (fixed JSON)": "loadtests.bench.apps:bare_starlette",
    "hook as shipped": "loadtests.bench.apps:hook_instant_gateway",
    "hook, asyncio.timeout per step": "loadtests.bench.apps:hook_timer_per_call",
    "hook, log line through logging": "loadtests.bench.apps:hook_logging_call_log",
    "hook, through Starlette's router": "loadtests.bench.apps:hook_via_router",
    "hook, gc as Python's default": "loadtests.bench.apps:hook_gc_default",
    "hook, gc frozen, default thresholds": "loadtests.bench.apps:hook_gc_frozen_only",
}
BASELINE = "hook at --baseline-dir"
TICKS_PER_S = os.sysconf("SC_CLK_TCK")


@contextmanager
def server(factory: str, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """``factory`` under one pinned uvicorn worker; yields its base URL and pid."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1",
        "--port", str(port), "--loop", "uvloop", "--http", "httptools", "--no-access-log",
        "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(
        pinned(command, SERVER_CPU),
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if process.stderr:
            process.stderr.close()


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (``taskset`` execs, so the pid is the server)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S


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
    cpu_us: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, factory in variants.items():
            env = {}
            if name == BASELINE:
                env["PYTHONPATH"] = os.path.abspath(args.baseline_dir)
            with server(factory, env) as (base, pid):
                url = base + "/okta/telephony"
                run_wrk(url, connections=args.connections, duration_s=1)  # warm
                before = cpu_s(pid)
                result = run_wrk(url, connections=args.connections, duration_s=args.duration)
                used = cpu_s(pid) - before
            if result.bad_status or result.socket_errors:
                raise SystemExit(f"{name}: {result.bad_status} bad, {result.socket_errors} errors")
            rates[name].append(result.requests_per_s)
            cpu_us[name].append(used / result.requests * 1e6)
            print(
                f"  {name}: {result.requests_per_s:,.0f}/s, {cpu_us[name][-1]:.0f} µs CPU an "
                f"answer, p99 {result.p99_ms:.1f} ms",
                flush=True,
            )
    bare_cpu = statistics.median(cpu_us["bare Starlette (fixed JSON)"])
    shipped_cpu = statistics.median(cpu_us["hook as shipped"])
    rows = []
    for name in variants:
        cpu = statistics.median(cpu_us[name])
        rows.append(
            [
                name,
                f"{statistics.median(rates[name]):,.0f}",
                f"{cpu:.0f}",
                f"{bare_cpu / cpu:.0%}",
                f"{cpu - shipped_cpu:+.1f}",
            ]
        )
    headers = ["variant", "answers/s (median)", "CPU µs/answer", "bare / variant CPU"]
    print(table([*headers, "µs vs shipped"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
