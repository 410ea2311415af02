"""``make bench``: every benchmark in turn, then one summary table with the machine it ran on.

    .venv/bin/python -m loadtests.bench [--quick] [--only connector_overhead,concurrency,...]

Each benchmark runs as its own process (its own ``main()`` and arguments, and a clean interpreter
for each, so one cannot warm or slow the next); its output goes straight through, its headline
figures and verdict into the summary. The exit code is non-zero when any benchmark missed its
target. ``--quick`` shortens every measurement, for trying things out, not for figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass

from loadtests.bench.harness import table


@dataclass(frozen=True)
class Benchmark:
    module: str
    what: str
    quick: tuple[str, ...]  # arguments of a --quick run
    headline: str  # regex of the output lines worth a place in the summary


BENCHMARKS = (
    Benchmark(
        "connector_overhead",
        "hook vs bare Starlette, 1 worker (target: hook >= 50%)",
        ("--duration", "3", "--rounds", "1"),
        r"^\| hook / bare .*",
    ),
    Benchmark(
        "full_path",
        "hook vs bare proxy, both calling nginx answering 202 at once (target: hook >= 80%)",
        ("--duration", "3", "--rounds", "1"),
        r"^\| hook / bare proxy .*",
    ),
    Benchmark(
        "concurrency",
        "200 ms gateway, 32/128/256 in flight, 1 and 2 workers (target: >= 1,000/s at 256)",
        ("--duration", "3"),
        r"^  \d worker\(s\), 256 in flight: .*",
    ),
    Benchmark(
        "replay_store",
        "replay store at 300,000 events (5 min at 1,000/s): memory and per-op cost",
        ("--events", "30000"),
        r"^\| (memory at|budget) .*",
    ),
    Benchmark(
        "velocity",
        "velocity limits: CPU per call (memory store, in the hook), bytes a key, Redis store",
        ("--calls", "20000", "--keys", "10000", "--hook-calls", "5000", "--redis-calls", "5000"),
        r"^\| (velocity step in the hook|memory per subject|Redis admit, .*) .*",
    ),
    Benchmark(
        "under_attack",
        "legitimate calls vs a 200 MB streamed header and 1,000 slowloris (target: p99 <= 100 ms)",
        ("--duration", "3", "--slowloris", "200", "--stream-mb", "20"),
        r"^  under attack: p99 .*",
    ),
    Benchmark(
        "http_guard_cost",
        "CPU the server limits add per request, in-process (target: <= 3 µs)",
        ("--requests", "2000", "--rounds", "3"),
        r"^  guard cost: .*",
    ),
    Benchmark(
        "phone_fast_path",
        "NZ/AU phone fast path vs phonenumbers' parse (target: fast <= 50% of the parse)",
        ("--numbers", "5000", "--rounds", "1"),
        r"^\| fast / plain .*",
    ),
    Benchmark(
        "replica_state",
        "hook with the Redis replay store vs the memory store, 1 worker (target: >= 70%)",
        ("--duration", "3", "--rounds", "1"),
        r"^\| (redis / memory|Redis CPU per hook call|Redis memory per 100,000 events) .*",
    ),
    Benchmark(
        "token_check",
        "auth modes per call: passthrough wrapper, oauth token first check vs repeat",
        ("--number", "500"),
        r"^\| (passthrough|oauth) .*",
    ),
    Benchmark(
        "mock_ezitxt",
        "mock EZITXT accepted/s, 1 worker, 64 in flight (target: >= 1,000/s)",
        ("--duration", "3"),
        r"^  (accepted/s|p99 latency) .*",
    ),
    Benchmark(
        "mobile_report",
        "portal Mobile Report pages at 1,000,000 messages (target: every median < 100 ms)",
        ("--messages", "100000", "--rounds", "5"),
        r"^  slowest median .*",
    ),
)


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read(), re.MULTILINE)
            model = found.group(1).strip() if found else model
    except OSError:
        pass
    return (
        f"{model}, {os.cpu_count()} cores; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


def run(benchmark: Benchmark, quick: bool) -> tuple[int, float, list[str]]:
    command = [sys.executable, "-m", f"loadtests.bench.{benchmark.module}"]
    command += list(benchmark.quick) if quick else []
    print(f"\n=== {benchmark.module}: {benchmark.what}", flush=True)
    started = time.monotonic()
    headline: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            if re.match(benchmark.headline, line):
                cells = [cell.strip() for cell in line.strip(" |\n").split("|")]
                headline.append(" ".join(": ".join(cells).split()))
    return process.returncode, time.monotonic() - started, headline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short measurements (no figures)")
    names = [b.module for b in BENCHMARKS]
    parser.add_argument("--only", default=",".join(names), help="comma-separated benchmarks")
    args = parser.parse_args(argv)
    chosen = [b for b in BENCHMARKS if b.module in args.only.split(",")]
    print(f"machine: {machine()}")
    rows = []
    for benchmark in chosen:
        code, seconds, headline = run(benchmark, args.quick)
        verdict = "PASS" if code == 0 else f"FAIL (exit {code})"
        rows.append([benchmark.module, verdict, f"{seconds:.0f} s", " / ".join(headline)])
    print(f"\nSummary ({machine()}{', --quick' if args.quick else ''}):")
    print(table(["benchmark", "verdict", "took", "headline"], rows))
    return 0 if all(row[1] == "PASS" for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
