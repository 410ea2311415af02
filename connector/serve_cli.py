"""``ezitxt-okta serve``: the connector under uvicorn (uvloop, httptools with the limits of
``connector.http_guard``; ``connector.server`` says why)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

# prometheus-client reads it when it is first imported: so it is named here, not imported.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

HELP = "Serve the Okta telephony hook (POST /okta/telephony) against the EZITXT gateway."

# Stands in for the settings' list until the help is shown: the list is generated from the
# settings models (connector/settings_help.py), imported only then, so other commands stay fast.
EPILOG = "(settings: generated from connector.settings)"


class _SettingsHelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_text(self, text: str | None) -> None:
        if text == EPILOG:
            from connector.settings_help import settings_epilog

            text = settings_epilog()
        super().add_text(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = _SettingsHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8401, help="port to bind (default 8401)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--ssl-certfile", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--ssl-keyfile", help="private key of --ssl-certfile (PEM)")
    parser.add_argument("--access-log", action="store_true", help="also write uvicorn's access log")
    parser.add_argument(
        "--keep-alive",
        type=int,
        default=75,
        help="seconds an idle client connection stays open (default 75: longer than the idle "
        "timeout of Okta's client and of load balancers, so they never reuse one being closed)",
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    parser.add_argument(
        "--allow-unshared-state",
        action="store_true",
        help="allow --workers above 1 without EZITXT_HOOK_REDIS_URL (each worker then "
        "de-duplicates alone: a repeated eventId can send one SMS per worker)",
    )


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from connector import logs
    from connector.server import log_limits, raise_open_file_limit
    from connector.server_limits import load_server_limits
    from connector.settings import SettingsError, load_settings

    try:
        # Fail fast, with the variable named, before any worker starts.
        settings = load_settings()
        limits = load_server_limits()
    except SettingsError as exc:
        sys.stderr.write(f"ezitxt-okta serve: {exc}\n")
        return 2
    if args.workers < 1:
        sys.stderr.write("ezitxt-okta serve: --workers must be at least 1\n")
        return 2
    refusal = unshared_state_refusal(args.workers, settings.redis_url, args.allow_unshared_state)
    if refusal:
        sys.stderr.write(f"ezitxt-okta serve: {refusal}\n")
        return 2
    logs.configure(settings.log_format)
    log_limits(raise_open_file_limit(), limits)
    with _multiprocess_metrics():
        if settings.metrics_port:
            from connector.metrics import serve_metrics_port

            serve_metrics_port(args.host, settings.metrics_port)
        _serve(uvicorn, args)
    return 0


@contextlib.contextmanager
def _multiprocess_metrics() -> Iterator[None]:
    """A fresh folder for prometheus-client's multiprocess files, for this start only: set
    before any worker (or prometheus-client) starts, so every worker writes there and a scrape
    of any of them sums all; removed at exit, so no count outlives its server."""
    folder = tempfile.mkdtemp(prefix="ezitxt-okta-metrics-")
    before = os.environ.get(MULTIPROC_ENV)
    os.environ[MULTIPROC_ENV] = folder
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = before
        shutil.rmtree(folder, ignore_errors=True)


def _serve(uvicorn: Any, args: argparse.Namespace) -> None:
    from connector.server import HTTP_PROTOCOL

    uvicorn.run(
        "connector.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http=HTTP_PROTOCOL,
        ws="none",  # the hook serves no WebSocket: an Upgrade header changes nothing
        access_log=args.access_log,
        log_level=args.log_level,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        timeout_keep_alive=args.keep_alive,
        timeout_graceful_shutdown=5,
    )


def unshared_state_refusal(workers: int, redis_url: str | None, allowed: bool) -> str | None:
    """Why several workers may not start without shared state (DESIGN.md decision 6), or None.
    Overridden with ``--allow-unshared-state``: then a logged warning."""
    if workers <= 1 or redis_url is not None:
        return None
    if allowed:
        from connector import logs

        logs.configure("json")
        logging.getLogger("ezitxt.connector").warning(
            "unshared_state",
            extra={
                "fields": {
                    "event": "unshared_state",
                    "workers": workers,
                    "detail": "EZITXT_HOOK_REDIS_URL is not set: each worker de-duplicates "
                    "alone, a repeated eventId may send one SMS per worker",
                }
            },
        )
        return None
    return (
        f"--workers {workers} needs state shared between the workers: set "
        "EZITXT_HOOK_REDIS_URL (and EZITXT_HOOK_STATE_SECRET), else a repeated Okta eventId "
        "can send one SMS per worker; --allow-unshared-state starts anyway"
    )
