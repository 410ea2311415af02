"""``ezitxt-okta mock-ezitxt``: serve the mock EZITXT platform with uvicorn."""

from __future__ import annotations

import argparse

from mocks.ezitxt.portal.console import DEFAULT_CONSOLE_PASSWORD, DEFAULT_CONSOLE_USER

HELP = (
    "Serve a mock EZITXT platform: gateway REST v2, applications and passwords, delivery life "
    "cycle with status callbacks, Mobile Report, and a /_mock/ control plane (handsets, faults, "
    "reset). State persists in SQLite."
)

DEFAULT_PORT = 8400


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to bind (default %(default)s)"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default %(default)s")
    parser.add_argument(
        "--db",
        default="var/mock-ezitxt.sqlite3",
        metavar="PATH",
        help="SQLite file, created if missing, or :memory: (default %(default)s)",
    )
    parser.add_argument(
        "--hook-url",
        default="https://127.0.0.1:8401/okta/telephony",
        metavar="URL",
        help="the connector's hook URL, shown as the Okta Setup Values' URL (default %(default)s)",
    )
    parser.add_argument(
        "--timing-scale",
        type=float,
        default=1.0,
        metavar="FACTOR",
        help="multiply every life-cycle delay (default 1: a normal message is received in 0.7 s)",
    )
    parser.add_argument(
        "--console-user",
        default=DEFAULT_CONSOLE_USER,
        metavar="NAME",
        help="user name of the portal's demo account at / (default %(default)s)",
    )
    parser.add_argument(
        "--console-password",
        default=DEFAULT_CONSOLE_PASSWORD,
        metavar="PASSWORD",
        help="password of the portal's demo account (default %(default)s)",
    )
    parser.add_argument(
        "--console-no-content",
        action="store_true",
        help="the demo account is not permitted to read message content: the Mobile Report and "
        "a message's page keep Content hidden (default: permitted, behind Show content)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="default %(default)s",
    )


def run(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from mocks.ezitxt.app import create_app
    from mocks.ezitxt.lifecycle import Timings

    if args.timing_scale <= 0:
        raise SystemExit("--timing-scale must be positive")
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    app = create_app(
        db_path=args.db,
        hook_url=args.hook_url,
        timings=Timings().scaled(args.timing_scale),
        console_user=args.console_user,
        console_password=args.console_password,
        console_content=not args.console_no_content,
    )
    # No access log: the control plane's paths carry full phone numbers.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        # Longer than the connector's client keep-alive (4 s): a client must never reuse a
        # connection the gateway is closing (DESIGN.md decision 10).
        timeout_keep_alive=30,
    )
    return 0
