"""``ezitxt-okta stack``: the whole chain on loopback, wired, with a demo, until Ctrl-C;
``ezitxt-okta stack reset``: a running stack's two mocks back to the freshly wired state."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from connector import interrupts
from mocks.okta import defaults as okta_defaults
from mocks.stack.consoles import DEMO_CONSOLE_PASSWORD, DEMO_CONSOLE_USER

if TYPE_CHECKING:
    from mocks.stack.stack import Stack

HELP = (
    "Start mock EZITXT, the connector (HTTPS, local CA) and mock Okta on loopback, wire them "
    "as the setup guide says, run one demo sign-in, and serve until Ctrl-C, restarting a "
    "server that dies. 'stack reset' brings a running stack back to the freshly wired state."
)
LOG_LEVELS = ["debug", "info", "warning"]  # the levels all three servers know
INTERRUPTED_EXIT = 130  # as a shell reports a command ended by SIGINT
STOP_SIGNALS = interrupts.STOP_SIGNALS
CONNECTOR_STEP = "Connector: auth mode oauth (issuer, scope, client -> EZITXT secret); restart"
ENDPOINTS_HEADING = "What QA call most (README.md, 'QA guide', has each as a block)"


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM during start-up (a BaseException: no ``except Exception`` eats it)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        nargs="?",
        choices=["start", "reset"],
        default="start",
        help="start (default) the stack; or reset the one running in --workdir",
    )
    parser.add_argument(
        "--port-base",
        type=int,
        default=8400,
        help="mock EZITXT on B, the connector on B+1, mock Okta on B+2 (default %(default)s)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="the stack's own state folder: CA, SQLite, logs, stack.json, env.sh "
        "(default var/stack-<port base>); one running stack per folder",
    )
    parser.add_argument("--no-demo", action="store_true", help="skip the demo sign-in")
    parser.add_argument(
        "--auth",
        choices=("header", "oauth"),
        default="header",
        help="how Okta authenticates to the connector: the EZITXT secret in a header "
        "(pass-through), or an OAuth 2.0 access token from mock Okta's authorization server "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--no-event-hook",
        action="store_true",
        help="do not register the connector's event hook (/okta/events, the conversion "
        "feedback of its fraud controls) in Okta; default: register and verify it, and stop "
        "with Okta's reason if the connector does not verify it",
    )
    parser.add_argument("--http", action="store_true", help="plain HTTP everywhere (for load runs)")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="start from an empty state folder (no Mobile Report history, new CA)",
    )
    parser.add_argument(
        "--no-restart",
        action="store_true",
        help="when a server dies, stop the others (default: restart it on its port)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="connector worker processes (default 1)"
    )
    parser.add_argument(
        "--api-token", help="mock Okta's SSWS API token (default: a random one, printed)"
    )
    parser.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default="info",
        help="log level of all three servers (default %(default)s)",
    )
    parser.add_argument(
        "--timing-scale",
        type=float,
        default=1.0,
        help="mock EZITXT's delivery delays times this (default 1: an SMS is on the handset in "
        "~0.7 s; 0.2 for fast test runs, 5 to watch the statuses change)",
    )
    parser.add_argument(
        "--hook-timeout",
        type=float,
        default=okta_defaults.HOOK_TIMEOUT_S,
        help="seconds mock Okta waits for the hook (default %(default)s, as Okta)",
    )
    parser.add_argument(
        "--fallback-limit",
        type=int,
        default=okta_defaults.FALLBACK_LIMIT,
        help="sends a minute Okta's own fallback provider allows (default %(default)s)",
    )
    parser.add_argument(
        "--console-user",
        default=DEMO_CONSOLE_USER,
        help="sign-in of the EZITXT portal and the Okta Admin Console (default %(default)s)",
    )
    parser.add_argument(
        "--console-password",
        default=DEMO_CONSOLE_PASSWORD,
        help="their password (default %(default)s)",
    )
    parser.add_argument(
        "--max-hooks-in-flight",
        type=int,
        default=okta_defaults.MAX_HOOKS_IN_FLIGHT,
        help="mock Okta's limit on hook calls in flight (default %(default)s, as a paid org)",
    )
    parser.add_argument(
        "--connector-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        type=_connector_setting,
        help="a connector setting other than its production default, e.g. LIMIT_USER_15M=100 "
        "(EZITXT_HOOK_ before NAME is optional; repeatable). The stack runs the connector with "
        "production defaults (the toll-fraud controls included) unless told so here",
    )
    parser.add_argument(
        "--challenge-interval",
        type=float,
        default=okta_defaults.CHALLENGE_INTERVAL_S,
        help="Okta's seconds between challenges to one number (default %(default)s; "
        "0 for load runs)",
    )


def _connector_setting(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    name = name.strip().upper()
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"{text!r}: NAME=VALUE, e.g. LIMIT_USER_15M=100")
    return (name if name.startswith("EZITXT_HOOK_") else f"EZITXT_HOOK_{name}", value)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _indented(line: str) -> None:
    _say("  " + line)


def _command() -> str:
    """This command as the user can type it here: ``.venv/bin/ezitxt-okta`` in the repository."""
    command = Path(sys.executable).with_name("ezitxt-okta")
    try:
        return str(command.relative_to(Path.cwd()))
    except ValueError:
        return str(command)


def _folder(args: argparse.Namespace) -> Path:
    from mocks.stack.state import default_folder

    return Path(args.workdir) if args.workdir else default_folder(args.port_base)


def run(args: argparse.Namespace) -> int:
    if args.action == "reset":
        return reset(args)
    return start(args)


def reset(args: argparse.Namespace) -> int:
    from mocks.stack import connector_requests
    from mocks.stack.clients import ApiError
    from mocks.stack.event_hook_wiring import EventHookNotVerified, EventHookSetup
    from mocks.stack.reset import reset_and_wire
    from mocks.stack.state import NoStackRunning, running_stack

    folder = _folder(args)
    try:
        info = running_stack(folder)
        _say(f"Resetting the stack of {folder} (PID {info.pid}, --auth {info.auth}):")
        setup = None
        if info.events_hook and info.events_secret:
            setup = EventHookSetup(info.events_hook, info.events_auth_field, info.events_secret)
        wired = reset_and_wire(
            info.ezitxt, info.okta, info.api_token, say=_indented, event_hook=setup, auth=info.auth
        )
        connector_env = wired.connector_env()
        if connector_env:
            _indented(f"7. {CONNECTOR_STEP}, by the running stack")
            connector_requests.ask(folder, connector_env)
            _indented("   the connector answers with the new client")
    except (
        NoStackRunning,
        ApiError,
        EventHookNotVerified,
        connector_requests.NotReconfigured,
        OSError,
    ) as exc:
        _say(f"ezitxt-okta stack reset: {exc}")
        return 1
    _say("Both mocks are back to the freshly wired state (the API token is unchanged).")
    return 0


def start(args: argparse.Namespace) -> int:
    # A Ctrl-C while these import is acted on after (connector.interrupts says why).
    with interrupts.deferred(STOP_SIGNALS) as noted:
        from mocks.stack import connector_requests, demo, wiring
        from mocks.stack.processes import PortBusy
        from mocks.stack.stack import Stack
        from mocks.stack.state import FolderInUse
        from mocks.stack.supervisor import Supervisor
    if noted:
        _say(f"Interrupted during start-up ({noted[0].name}): nothing was started")
        return INTERRUPTED_EXIT

    if not 1 <= args.port_base <= 65533:
        _say("ezitxt-okta stack: --port-base must leave room for three ports")
        return 2
    stop = threading.Event()
    phase: dict[str, bool | str] = {"serving": False, "stopping": False}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if phase["stopping"]:
            return  # already stopping: let the servers shut down in order
        if phase["serving"]:
            stop.set()
            return
        phase["stopping"] = signal.Signals(signum).name
        raise Interrupted(signal.Signals(signum).name)

    def unless_interrupted() -> None:
        """An Interrupted that a finalizer swallowed (Python prints "Exception ignored" and goes
        on) still stops the start-up, here, before the stack reports itself serving."""
        if phase["stopping"]:
            raise Interrupted(str(phase["stopping"]))

    for signum in STOP_SIGNALS:
        signal.signal(signum, on_signal)
    folder = _folder(args)
    stack = Stack(
        port_base=args.port_base,
        http=args.http,
        workdir=folder,
        connector_workers=args.workers,
        timing_scale=args.timing_scale,
        challenge_interval_s=args.challenge_interval,
        max_hooks_in_flight=args.max_hooks_in_flight,
        hook_timeout_s=args.hook_timeout,
        fallback_limit=args.fallback_limit,
        log_level=args.log_level,
        fresh=args.fresh,
        api_token=args.api_token,
        connector_env=dict(args.connector_setting),
        console_user=args.console_user,
        console_password=args.console_password,
        auth=args.auth,
        event_hook=not args.no_event_hook,
    )
    code = 0
    _say(f"Starting the stack in {folder} ...")
    try:
        stack.start()
        unless_interrupted()
        _say(f"  mock EZITXT  {stack.urls.ezitxt}")
        _say(f"  connector    {stack.urls.connector}  (hook {stack.urls.hook})")
        if stack.event_hook:
            _say(f"               event hook {stack.urls.events}")
        _say(f"  mock Okta    {stack.urls.okta}")
        _say("Setup, as the guide says:")
        wired = wiring.wire(
            stack.urls.ezitxt,
            stack.urls.okta,
            stack.api_token,
            say=_say,
            auth=args.auth,
            event_hook=stack.event_hook_setup(),
        )
        if wired.connector_env():
            _say(f"7. {CONNECTOR_STEP}")
            stack.configure_connector(wired.connector_env())
        if not args.no_demo:
            demo.sign_in(
                stack.urls.ezitxt,
                stack.urls.okta,
                wired.user["profile"]["login"],
                wired.user["profile"]["mobilePhone"],
                say=_say,
            )
        unless_interrupted()
        stack.publish()
        _print_consoles(stack, wired.user["profile"]["login"])
        _print_banner(stack, restart=not args.no_restart)
        phase["serving"] = True

        def rewire() -> None:
            again = wiring.wire(
                stack.urls.ezitxt,
                stack.urls.okta,
                stack.api_token,
                say=_indented,
                auth=args.auth,
                event_hook=stack.event_hook_setup(),
            )
            stack.configure_connector(again.connector_env())

        supervisor = Supervisor(stack, say=_say, rewire=rewire, restart=not args.no_restart)
        while not stop.wait(0.5):
            reason = supervisor.check()
            if reason:
                _say(f"stopped: {reason}; see {folder / 'logs'}")
                code = 1
                break
            connector_requests.serve(stack, say=_say)  # from ``stack reset``
    except FolderInUse as exc:
        _say(f"ezitxt-okta stack: refused: {exc}")
        return 1
    except PortBusy as exc:
        _say(f"ezitxt-okta stack: {exc}: stop what holds it, or choose another --port-base")
        code = 1
    except Interrupted as exc:
        _say(f"Interrupted during start-up ({exc}): stopping what was started")
        code = INTERRUPTED_EXIT
    except Exception as exc:  # a failed step: say which, stop everything
        _say(f"stack failed: {exc}")
        code = 1
    finally:
        phase["stopping"] = True
        codes = stack.stop()
        if codes:  # nothing, when nothing was started
            states = (f"{name} {'cleanly' if ok else 'by force'}" for name, ok in codes.items())
            _say("Stopped: " + ", ".join(states))
    return code


def _print_banner(stack: Stack, *, restart: bool) -> None:
    u = stack.urls
    folder = stack.workdir
    info = stack.info()
    lines = [
        "",
        f"The stack is serving (state in {folder}, PID {info.pid}). Ctrl-C stops all three.",
        "For the QA guide (README.md, 'QA guide'), paste into your shell "
        f"(or: . {folder / 'env.sh'}):",
        *(f"  {line}" for line in info.exports()),
        f"Start over without a restart: {_command()} stack reset --workdir {folder}",
        "A server that dies is restarted on its port with the same state"
        if restart
        else "A server that dies stops the stack (--no-restart)",
        f"{ENDPOINTS_HEADING}:",
        f"  start a sign-in:       POST {u.okta}/_mock/flows",
        f"  verify a code:         POST {u.okta}/_mock/flows/{{id}}/verify",
        f"  System Log:            GET  {u.okta}/api/v1/logs   (Authorization: SSWS $TOKEN)",
        f"  inline hooks:          GET  {u.okta}/api/v1/inlineHooks",
        f"  event hooks:           GET  {u.okta}/api/v1/eventHooks   "
        + (
            "(the connector's, ACTIVE and VERIFIED)"
            if stack.event_hook
            else "(none: --no-event-hook)"
        ),
        f"  event deliveries:      GET  {u.okta}/_mock/event-hooks/deliveries"
        f"  (faults: PUT {u.okta}/_mock/event-hooks/faults)",
        f"  handset inbox:         GET  {u.ezitxt}/_mock/handsets/{{+msisdn}}/messages",
        f"  Mobile Report:         GET  {u.ezitxt}/api/reports/mobile",
        f"  gateway faults:        PUT  {u.ezitxt}/_mock/faults  (DELETE to clear)",
        f"  connector health:      GET  {u.connector}/healthz, /readyz",
        f"  server logs:           {folder / 'logs'}",
    ]
    for line in lines:
        _say(line)


def _print_consoles(stack: Stack, end_user: str) -> None:
    """The web consoles, for a person with a browser: where, and how to sign in."""
    u, sign_in = stack.urls, f"{stack.console_user} / {stack.console_password}"
    _say("Web consoles (open in a browser):")
    _say(f"  EZITXT portal:         {u.portal}   sign in as {sign_in}")
    _say(f"  Okta Admin Console:    {u.okta_admin}   sign in as {sign_in}")
    _say(f"  Okta end-user sign-in: {u.okta_sign_in}   username {end_user}, code by SMS")
    _say("    (read the code in the portal's Testing > Handsets, or after a fallback in")
    _say(f"    Okta's outbox, {u.okta}/signin/outbox)")
