"""``ezitxt-okta mock-okta``: serve the mock Okta org with uvicorn."""

from __future__ import annotations

import argparse
import os

from mocks.okta import defaults
from mocks.okta.console.app import DEFAULT_PASSWORD, DEFAULT_USER

HELP = (
    "Mock Okta org: inline hook management API, users, sign-in flows that call the telephony "
    "hook as Okta does (with its fallback and limits), and the System Log."
)
TOKEN_ENV = "MOCK_OKTA_API_TOKEN"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The subcommand's options."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to bind (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=8402, help="port (default: %(default)s)")
    parser.add_argument(
        "--api-token",
        default=os.environ.get(TOKEN_ENV),
        help=f"the SSWS token the management API accepts (default: ${TOKEN_ENV})",
    )
    parser.add_argument(
        "--ca-file", help="PEM file of a CA to trust for the hook's HTTPS, besides the system's"
    )
    parser.add_argument(
        "--allow-http",
        action="store_true",
        help="accept http:// hook URIs (Okta itself requires https)",
    )
    parser.add_argument(
        "--org-url", help="the org URL put in requests' 'source' (default: the URL called)"
    )
    parser.add_argument(
        "--hook-timeout",
        type=float,
        default=defaults.HOOK_TIMEOUT_S,
        help="seconds Okta waits for the hook (default: %(default)s)",
    )
    parser.add_argument(
        "--event-hook-timeout",
        type=float,
        default=defaults.EVENT_HOOK_TIMEOUT_S,
        help="seconds Okta waits for an event hook, per attempt (default: %(default)s)",
    )
    parser.add_argument(
        "--challenge-interval",
        type=float,
        default=defaults.CHALLENGE_INTERVAL_S,
        help="seconds between two challenges to one phone number (default: %(default)s)",
    )
    parser.add_argument(
        "--max-hooks-in-flight",
        type=int,
        default=defaults.MAX_HOOKS_IN_FLIGHT,
        help="the org's limit on hook calls in flight; beyond it 429 E0000047 "
        "(Okta: 35 free, 75 paid; default: %(default)s)",
    )
    parser.add_argument(
        "--fallback-limit",
        type=int,
        default=defaults.FALLBACK_LIMIT,
        help="sends Okta's fallback provider allows per --fallback-window (default: %(default)s)",
    )
    parser.add_argument(
        "--fallback-window",
        type=float,
        default=defaults.FALLBACK_WINDOW_S,
        help="seconds (default: %(default)s)",
    )
    parser.add_argument(
        "--enforce-rate-limits",
        action="store_true",
        help="answer 429 E0000047 past a management API bucket's per-minute limit, as Okta "
        "does (the X-Rate-Limit-* headers are always sent)",
    )
    parser.add_argument(
        "--console-user",
        default=DEFAULT_USER,
        help="the Admin Console's (/admin) demo admin (default: %(default)s)",
    )
    parser.add_argument(
        "--console-password",
        default=DEFAULT_PASSWORD,
        help="the demo admin's password (default: %(default)s)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="(default: %(default)s)",
    )


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    import logging

    import uvicorn

    from mocks.okta.app import create_app

    if not args.api_token:
        logging.getLogger("mocks.okta").error("--api-token or $%s is required", TOKEN_ENV)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    app = create_app(
        api_token=args.api_token,
        ca_file=args.ca_file,
        allow_http=args.allow_http,
        challenge_interval_s=args.challenge_interval,
        max_hooks_in_flight=args.max_hooks_in_flight,
        fallback_limit=args.fallback_limit,
        fallback_window_s=args.fallback_window,
        hook_timeout_s=args.hook_timeout,
        event_hook_timeout_s=args.event_hook_timeout,
        org_url=args.org_url,
        enforce_rate_limits=args.enforce_rate_limits,
        console_user=args.console_user,
        console_password=args.console_password,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0
