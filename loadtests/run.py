"""``make load``: Locust, headless, against the stack it starts or a connector elsewhere, judged
against the latency budgets (``python -m loadtests.run --help``)."""

from __future__ import annotations

import argparse
import math
import os
import shutil
import signal
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

from loadtests.expect import FAULTS
from loadtests.history import connector_rate
from loadtests.stages import HOOK_USER_RATE, SHAPES, Shape
from mocks.common.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "load"
MARGIN_S = 60.0  # start-up, stop timeouts and the final report, past the shape's own length
WORKER_STOP_S = 15.0
INTERRUPT_STOP_S = 20.0
EXIT_TIMEOUT = 3
EXIT_INTERRUPTED = 130
SECRET_ENV = "EZITXT_LOAD_AUTH_SECRET"
HOOK_CALLERS = "OktaHookCaller"  # the only user class that needs no mock Okta or EZITXT

DESCRIPTION = """\
Drive the connector with Okta-shaped load from Locust (headless) and judge the run against its
latency budgets (loadtests/budgets.toml).

By default the whole mock stack is started on free ports over plain HTTP (Okta's one challenge
per number per 30 s off, its hooks-in-flight limit lifted: a load run is many people, not one
org's limits), wired as the setup guide says, driven by hook callers (Okta itself) and people
signing in through mock Okta, and stopped at the end. With --target, a connector elsewhere (a
staging one) gets the hook callers' calls alone, and no stack is started.

Reports go to var/load/<shape>[-<fault>]/ (or --out): summary.html (the verdict, each budget
with its measured figure, the latency plot), verdict.json, latency.png, timeline.csv, Locust's
report.html and CSV files, and the stack's logs in stack/.

Exit status: 0 every budget held, 1 a budget broke, 130 interrupted (Ctrl-C: nothing judged),
3 the run passed its bound (the shape's length plus 60 s) and was stopped."""

EPILOG = """\
examples:
  python -m loadtests.run --shape steady
  python -m loadtests.run --shape steady --fault slow
  python -m loadtests.run --shape storm --rate 300 --duration 60
  python -m loadtests.run --shape smoke --workers 2          # Locust master + 2 workers
  EZITXT_LOAD_AUTH_SECRET='Basic ...' python -m loadtests.run \\
      --target https://staging.example.com --shape steady --rate 50
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loadtests.run",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    shape = parser.add_argument_group("what to run")
    shape.add_argument(
        "--shape",
        choices=sorted(SHAPES),
        default="smoke",
        help="arrival-rate shape; its budgets are the run's (default %(default)s): "
        + "; ".join(f"{s.name}: {s.description}" for s in SHAPES.values()),
    )
    shape.add_argument(
        "--fault",
        choices=sorted(FAULTS),
        default="none",
        help="gateway fault set in mock EZITXT for the run (default none): "
        + "; ".join(f"{name}: {f.description}" for name, f in FAULTS.items() if name != "none"),
    )
    peak = shape.add_mutually_exclusive_group()
    peak.add_argument(
        "--rate",
        type=float,
        metavar="PER_S",
        help="the shape's peak arrivals a second; every stage scaled alike (default: the shape's)",
    )
    peak.add_argument(
        "--users",
        type=int,
        metavar="N",
        help="the shape's peak in Locust users instead (a hook caller makes 1 call/s, a person "
        "signing in one sign-in per 4 s)",
    )
    shape.add_argument(
        "--duration",
        type=float,
        metavar="S",
        help="the shape's length in seconds, its stages scaled alike (default: the shape's)",
    )
    shape.add_argument("--budgets", type=Path, help="budgets file (default loadtests/budgets.toml)")
    where = parser.add_argument_group("where")
    where.add_argument(
        "--target",
        metavar="URL",
        help="a running connector's base URL (e.g. staging): no stack started, hook calls only "
        "(POST URL/okta/telephony), no fault",
    )
    where.add_argument(
        "--secret",
        default=os.environ.get(SECRET_ENV, ""),
        help=f"the hook's Authentication Secret for --target, e.g. 'Basic ...' (default "
        f"${SECRET_ENV}; prefer it: other users see a command line in ps)",
    )
    where.add_argument(
        "--auth-field",
        default="Authorization",
        help="the header carrying --secret (default %(default)s)",
    )
    where.add_argument(
        "--port-base", type=int, default=0, help="the stack's ports B..B+2 (default: free ones)"
    )
    where.add_argument(
        "--connector-workers", type=int, default=1, help="the stack's uvicorn workers (default 1)"
    )
    how = parser.add_argument_group("how")
    how.add_argument(
        "--workers",
        type=int,
        default=0,
        help="Locust workers: one master and N worker processes on this machine "
        "(default 0: one local process)",
    )
    how.add_argument("--out", type=Path, help="reports folder (default var/load/<run>)")
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.target and args.fault != "none":
        parser.error("--fault needs the stack's mock EZITXT: not with --target")
    if args.target and not args.secret:
        parser.error(f"--target needs --secret or ${SECRET_ENV}")
    if args.target and HOOK_CALLERS not in SHAPES[args.shape].class_names:
        parser.error(
            f"--shape {args.shape} needs the stack's mock Okta and EZITXT: not with --target"
        )
    return args


def say(line: str) -> None:
    print(f"  {line}", flush=True)


def chosen_shape(args: argparse.Namespace) -> Shape:
    """As the locustfile will scale it (``shapes.chosen_shape``), for the runner's own lines."""
    return SHAPES[args.shape].scaled(
        rate=args.rate,
        users=args.users,
        seconds=args.duration,
        user_rate=HOOK_USER_RATE if args.target else None,
    )


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
        "--report-dir", str(out),
    ]  # fmt: skip
    if args.rate:
        run += ["--rate", str(args.rate)]
    if args.users:
        run += ["--shape-users", str(args.users)]
    if args.duration:
        run += ["--duration", str(args.duration)]
    if args.budgets:
        run += ["--budgets", str(args.budgets)]
    if target.get("connector_log"):
        run += ["--connector-log", target["connector_log"]]
    classes = [HOOK_CALLERS] if args.target else []
    if args.workers <= 0:
        return [*locust, *run, *classes], []
    port = str(free_port())
    master = [
        *locust, *run, "--master", "--expect-workers", str(args.workers),
        "--master-bind-host", "127.0.0.1", "--master-bind-port", port,
        "--expect-workers-max-wait", "30", *classes,
    ]  # fmt: skip
    worker = [*locust, "--worker", "--master-host", "127.0.0.1", "--master-port", port, *classes]
    return master, [worker] * args.workers


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # one way to stop: the same as Ctrl-C


def run_locust(
    args: argparse.Namespace, target: dict[str, str], env: dict[str, str], out: Path
) -> int:
    master, workers = locust_commands(args, target, out)
    shape = chosen_shape(args)
    bound_s = shape.seconds + MARGIN_S
    interrupted = False
    with ExitStack() as stack:
        started: list[subprocess.Popen[bytes]] = []
        for n, command in enumerate(workers, start=1):
            log = stack.enter_context((out / f"worker-{n}.log").open("wb"))
            started.append(
                subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
                )
            )
        print(f"locust: {' '.join(master[1:])}", flush=True)
        # Its own session: a Ctrl-C at the terminal reaches this runner alone, which passes one
        # SIGINT on, so Locust stops once, writes its reports and says it was interrupted.
        lead = subprocess.Popen(master, cwd=ROOT, env=env, start_new_session=True)
        try:
            code = lead.wait(bound_s)
        except subprocess.TimeoutExpired:
            print(f"locust ran past its bound of {bound_s:.0f} s: stopped", file=sys.stderr)
            lead.kill()
            lead.wait()
            code = EXIT_TIMEOUT
        except KeyboardInterrupt:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # stopping now: once is enough
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            interrupted = True
            print("\ninterrupted: stopping Locust; nothing will be judged", flush=True)
            lead.send_signal(signal.SIGINT)
            try:
                lead.wait(INTERRUPT_STOP_S)
            except subprocess.TimeoutExpired:
                lead.kill()
                lead.wait()
            code = EXIT_INTERRUPTED
        for n, process in enumerate(started, start=1):  # the master tells them to quit
            try:
                process.wait(WORKER_STOP_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.returncode and not interrupted:
                print(f"worker {n} exited with {process.returncode}: see {out}/worker-{n}.log")
    history = out / "locust_stats_history.csv"
    reached = connector_rate(history, shape) if history.exists() and not interrupted else None
    if reached:
        rate, begin, end = reached
        print(
            f"arrivals at the connector while the shape held its peak (s {begin:.0f}-{end:.0f}): "
            f"{rate:.0f}/s (shape: {shape.peak_rate:.0f}/s)"
        )
    print(f"reports: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}/")
    return code


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C must stop the run even when this process was started with SIGINT ignored (a
    # shell's background job, some CI runners), which Python would otherwise leave ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    shape, fault = chosen_shape(args), FAULTS[args.fault]
    print(
        f"load run: shape {shape.name} ({shape.description}; {shape.seconds:.0f} s, peak "
        f"{shape.peak_rate:.0f} arrivals/s from {shape.peak_users} users), "
        f"fault: {fault.description}",
        flush=True,
    )
    name = args.shape if args.fault == "none" else f"{args.shape}-{args.fault}"
    out = args.out or OUT / name
    out.mkdir(parents=True, exist_ok=True)
    try:
        code = run_target(args, out) if args.target else run_stack(args, out)
    except KeyboardInterrupt:
        print("\ninterrupted before the load started: nothing judged", flush=True)
        code = EXIT_INTERRUPTED
    if code == EXIT_INTERRUPTED:
        print("interrupted: no verdict (exit code 130)")
    else:
        print(f"exit code {code}")
    return code


def run_target(args: argparse.Namespace, out: Path) -> int:
    print(f"target: {args.target} (no stack started; hook calls only)", flush=True)
    target = {"connector": args.target.rstrip("/"), "okta": "", "ezitxt": ""}
    target["auth_field"] = args.auth_field
    env = {**os.environ, SECRET_ENV: args.secret}
    return run_locust(args, target, env, out)


def connector_settings(shape: Shape) -> dict[str, str]:
    """The stack's connector runs with production defaults but for the per-application limits,
    sized for the shape: every Locust caller is one Okta org (one EZITXT application), which at
    a load test's rates would pass production's 1,200 a minute in seconds. Numbers, prefixes
    and users keep their production limits: the load spreads over them as real traffic does
    (``telephony.py``, ``locustfile.SignInUser``)."""
    per_minute = math.ceil(shape.peak_rate * 60 * 2)  # a minute at twice the peak rate
    return {
        "EZITXT_HOOK_LIMIT_APPLICATION_MINUTE": str(max(per_minute, 1200)),
        "EZITXT_HOOK_LIMIT_APPLICATION_DAY": str(max(per_minute * 60 * 24, 200_000)),
    }


def run_stack(args: argparse.Namespace, out: Path) -> int:
    from mocks.stack.stack import Stack, free_port_base
    from mocks.stack.wiring import wire

    workdir = out / "stack"
    shutil.rmtree(workdir, ignore_errors=True)  # a fresh SQLite and fresh logs every run
    stack = Stack(
        port_base=args.port_base or free_port_base(),
        http=True,
        workdir=workdir,
        connector_workers=args.connector_workers,
        challenge_interval_s=0.0,
        max_hooks_in_flight=100_000,
        connector_env=connector_settings(chosen_shape(args)),
    )
    print(f"stack: mock EZITXT {stack.urls.ezitxt}, connector {stack.urls.connector}, "
          f"mock Okta {stack.urls.okta}", flush=True)  # fmt: skip
    stack.start()
    try:
        # The connector's event hook too: mock Okta delivers the codes people enter, the
        # conversion feedback the pumping shape's bot is judged by.
        wired = wire(
            stack.urls.ezitxt,
            stack.urls.okta,
            stack.api_token,
            say=say,
            event_hook=stack.event_hook_setup(),
        )
        target = {"connector": stack.urls.connector, "okta": stack.urls.okta}
        target.update(ezitxt=stack.urls.ezitxt, auth_field=wired.auth_field)
        target["connector_log"] = str(workdir / "logs" / "connector.log")
        env = {**os.environ, SECRET_ENV: wired.auth_secret}
        env["EZITXT_LOAD_OKTA_TOKEN"] = stack.api_token
        code = run_locust(args, target, env, out)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the stack stops in order, bounded
        stopped = stack.stop()
    unclean = [name for name, clean in stopped.items() if not clean]
    print(f"stack stopped{f' (not cleanly: {unclean}, see the logs)' if unclean else ''}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
