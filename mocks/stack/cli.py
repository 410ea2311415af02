"""``ezitxt-okta stack``: the whole chain on loopback, wired, with a demo, until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from mocks.okta import defaults as okta_defaults

if TYPE_CHECKING:
    from mocks.stack.stack import Stack

HELP = (
    "Start mock EZITXT, the connector (HTTPS, local CA) and mock Okta on loopback, wire them "
    "as the setup guide says, run one demo sign-in, and serve until Ctrl-C."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port-base",
        type=int,
        default=8400,
        help="mock EZITXT on B, the connector on B+1, mock Okta on B+2 (default %(default)s)",
    )
    parser.add_argument("--no-demo", action="store_true", help="skip the demo sign-in")
    parser.add_argument("--http", action="store_true", help="plain HTTP everywhere (for load runs)")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path("var/stack"),
        help="certificates, SQLite and server logs (default %(default)s)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="connector worker processes (default 1)"
    )
    parser.add_argument(
        "--api-token", help="mock Okta's SSWS API token (default: a random one, printed)"
    )
    parser.add_argument(
        "--max-hooks-in-flight",
        type=int,
        default=okta_defaults.MAX_HOOKS_IN_FLIGHT,
        help="mock Okta's limit on hook calls in flight (default %(default)s, as a paid org)",
    )
    parser.add_argument(
        "--challenge-interval",
        type=float,
        default=okta_defaults.CHALLENGE_INTERVAL_S,
        help="Okta's seconds between challenges to one number (default %(default)s; "
        "0 for load runs)",
    )


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    from mocks.stack import demo, wiring
    from mocks.stack.stack import Stack

    if not 1 <= args.port_base <= 65533:
        _say("ezitxt-okta stack: --port-base must leave room for three ports")
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stack = Stack(
        port_base=args.port_base,
        http=args.http,
        workdir=args.workdir,
        connector_workers=args.workers,
        challenge_interval_s=args.challenge_interval,
        max_hooks_in_flight=args.max_hooks_in_flight,
        api_token=args.api_token,
    )
    _say(f"Starting the stack in {args.workdir} ...")
    try:
        stack.start()
        _say(f"  mock EZITXT  {stack.urls.ezitxt}")
        _say(f"  connector    {stack.urls.connector}  (hook {stack.urls.hook})")
        _say(f"  mock Okta    {stack.urls.okta}")
        _say("Setup, as the guide says:")
        wired = wiring.wire(stack.urls.ezitxt, stack.urls.okta, stack.api_token, say=_say)
        if not args.no_demo:
            demo.sign_in(
                stack.urls.ezitxt,
                stack.urls.okta,
                wired.user["profile"]["login"],
                wired.user["profile"]["mobilePhone"],
                say=_say,
            )
        _print_endpoints(stack, args.workdir)
        while not stop.wait(0.5):
            down = [s.name for s in stack.servers if not s.running]
            if down:
                _say(f"stopped: {', '.join(down)} exited; see {args.workdir / 'logs'}")
                return 1
    except Exception as exc:  # a failed step: say which, stop everything
        _say(f"stack failed: {exc}")
        return 1
    finally:
        codes = stack.stop()
        states = (f"{name} {'cleanly' if clean else 'by force'}" for name, clean in codes.items())
        _say("Stopped: " + ", ".join(states))
    return 0


def _print_endpoints(stack: Stack, workdir: Path) -> None:
    u = stack.urls
    lines = [
        "",
        "The stack is serving. Ctrl-C stops all three.",
        f"  Okta API token:        {stack.api_token}",
        f"  start a sign-in:       POST {u.okta}/_mock/flows",
        f"  verify a code:         POST {u.okta}/_mock/flows/{{id}}/verify",
        f"  System Log:            GET  {u.okta}/api/v1/logs   (Authorization: SSWS <token>)",
        f"  inline hooks:          GET  {u.okta}/api/v1/inlineHooks",
        f"  handset inbox:         GET  {u.ezitxt}/_mock/handsets/{{+msisdn}}/messages",
        f"  Mobile Report:         GET  {u.ezitxt}/api/reports/mobile",
        f"  gateway faults:        PUT  {u.ezitxt}/_mock/faults  (DELETE to clear)",
        f"  connector health:      GET  {u.connector}/healthz, /readyz",
        f"  server logs:           {workdir / 'logs'}",
    ]
    if stack.tls:
        lines.append(f"  local CA (for curl):   {stack.tls.ca_pem}")
    for line in lines:
        _say(line)
