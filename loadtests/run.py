"""``make load``: start the stack, wire it, run Locust headless with a shape, stop the stack.

    python -m loadtests.run --shape smoke|steady|storm [--fault slow|stall] [--workers N]

The stack runs on plain HTTP with Okta's per-number challenge interval off and its hooks-in-
flight limit lifted (a load run is many users, not one org's limits). Locust's CSV files and
HTML report go to ``var/load/<shape>[-<fault>]/``, the servers' logs and SQLite to its ``stack/``.
``--workers N`` runs Locust distributed: one master and N worker processes on this machine (the
same commands spread them over machines: loadtests/README.md). The exit code is Locust's: non-zero
when a budget broke. Every run is bounded: the shape's length plus a margin, then it is stopped.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

from loadtests.bench.harness import free_port
from loadtests.expect import FAULTS
from loadtests.history import connector_rate
from loadtests.stages import SHAPES, users_for

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "load"
MARGIN_S = 60.0  # start-up, stop timeouts and the final report, past the shape's own length
WORKER_STOP_S = 15.0
EXIT_TIMEOUT = 3


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="smoke")
    parser.add_argument("--fault", choices=sorted(FAULTS), default="none")
    parser.add_argument(
        "--workers", type=int, default=0, help="Locust workers (0: one local process)"
    )
    parser.add_argument("--connector-workers", type=int, default=1, help="uvicorn workers")
    parser.add_argument("--port-base", type=int, default=0, help="stack ports B..B+2 (0: free)")
    parser.add_argument("--out", type=Path, default=None, help="reports (var/load/<run>)")
    parser.add_argument("--budgets", type=Path, default=None, help="budgets file (budgets.toml)")
    return parser.parse_args(argv)


def say(line: str) -> None:
    print(f"  {line}", flush=True)


def locust_commands(
    args: argparse.Namespace, target: dict[str, str], out: Path
) -> tuple[list[str], list[list[str]]]:
    """The master's (or lone process's) command, and the workers' commands. ``-f`` and the
    other defaults come from ``[tool.locust]`` in pyproject.toml; workers get the run's own
    options (shape, fault, URLs, secrets) from the master when it starts them."""
    locust = [sys.executable, "-m", "locust"]
    run = [
        "--host", target["connector"], "--okta-url", target["okta"],
        "--ezitxt-url", target["ezitxt"], "--auth-field", target["auth_field"],
        "--shape", args.shape, "--fault", args.fault,
        "--csv", str(out / "locust"), "--csv-full-history", "--html", str(out / "report.html"),
    ]  # fmt: skip
    if args.budgets:
        run += ["--budgets", str(args.budgets)]
    if args.workers <= 0:
        return [*locust, *run], []
    port = str(free_port())
    master = [
        *locust, *run, "--master", "--expect-workers", str(args.workers),
        "--master-bind-host", "127.0.0.1", "--master-bind-port", port,
        "--expect-workers-max-wait", "30",
    ]  # fmt: skip
    worker = [*locust, "--worker", "--master-host", "127.0.0.1", "--master-port", port]
    return master, [worker] * args.workers


def run_locust(
    args: argparse.Namespace, target: dict[str, str], env: dict[str, str], out: Path
) -> int:
    master, workers = locust_commands(args, target, out)
    bound_s = SHAPES[args.shape].seconds + MARGIN_S
    with ExitStack() as stack:
        started: list[subprocess.Popen[bytes]] = []
        for n, command in enumerate(workers, start=1):
            log = stack.enter_context((out / f"worker-{n}.log").open("wb"))
            started.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log))
        print(f"locust: {' '.join(master[1:])}", flush=True)
        lead = subprocess.Popen(master, cwd=ROOT, env=env)
        try:
            code = lead.wait(bound_s)
        except subprocess.TimeoutExpired:
            print(f"locust ran past its bound of {bound_s:.0f} s: stopped", file=sys.stderr)
            lead.kill()
            lead.wait()
            code = EXIT_TIMEOUT
        for n, process in enumerate(started, start=1):  # the master tells them to quit
            try:
                process.wait(WORKER_STOP_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.returncode:
                print(f"worker {n} exited with {process.returncode}: see {out}/worker-{n}.log")
    reached = connector_rate(out / "locust_stats_history.csv", SHAPES[args.shape])
    if reached:
        rate, begin, end = reached
        print(
            f"arrivals at the connector while the shape held its peak (s {begin:.0f}-{end:.0f}): "
            f"{rate:.0f}/s (shape: {SHAPES[args.shape].peak_rate:.0f}/s)"
        )
    print(f"reports: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}/")
    return code


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from mocks.stack.stack import Stack, free_port_base
    from mocks.stack.wiring import wire

    shape, fault = SHAPES[args.shape], FAULTS[args.fault]
    print(
        f"load run: shape {shape.name} ({shape.description}; {shape.seconds:.0f} s, peak "
        f"{shape.peak_rate:.0f} arrivals/s from {users_for(shape.peak_rate)} users), "
        f"fault: {fault.description}",
        flush=True,
    )
    out = args.out or OUT / (args.shape if args.fault == "none" else f"{args.shape}-{args.fault}")
    workdir = out / "stack"
    shutil.rmtree(workdir, ignore_errors=True)  # a fresh SQLite and fresh logs every run
    out.mkdir(parents=True, exist_ok=True)
    stack = Stack(
        port_base=args.port_base or free_port_base(),
        http=True,
        workdir=workdir,
        connector_workers=args.connector_workers,
        challenge_interval_s=0.0,
        max_hooks_in_flight=100_000,
    )
    print(f"stack: mock EZITXT {stack.urls.ezitxt}, connector {stack.urls.connector}, "
          f"mock Okta {stack.urls.okta}", flush=True)  # fmt: skip
    stack.start()
    try:
        wired = wire(stack.urls.ezitxt, stack.urls.okta, stack.api_token, say=say)
        target = {"connector": stack.urls.connector, "okta": stack.urls.okta}
        target.update(ezitxt=stack.urls.ezitxt, auth_field=wired.auth_field)
        env = {
            **os.environ,
            "EZITXT_LOAD_AUTH_SECRET": wired.auth_secret,
            "EZITXT_LOAD_OKTA_TOKEN": stack.api_token,
        }
        code = run_locust(args, target, env, out)
    finally:
        stopped = stack.stop()
    unclean = [name for name, clean in stopped.items() if not clean]
    print(f"stack stopped{f' (not cleanly: {unclean}, see the logs)' if unclean else ''}")
    print(f"exit code {code}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
