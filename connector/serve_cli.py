"""``ezitxt-okta serve``: the connector under uvicorn (uvloop, httptools with the limits of
``connector.http_guard``; ``connector.server`` says why)."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

# prometheus-client reads it when it is first imported: so it is named here, not imported.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

HELP = "Serve the Okta telephony hook (POST /okta/telephony) against the EZITXT gateway."

EPILOG = """\
settings come from the environment (EZITXT_HOOK_*):
  EZITXT_HOOK_GATEWAY_URL     EZITXT gateway base URL (required)
  EZITXT_HOOK_AUTH_FIELD      header carrying Okta's credential (default Authorization)
  EZITXT_HOOK_BUDGET_MS       answer within this many ms of arrival (default 2500)
  EZITXT_HOOK_DEFAULT_REGION  region for numbers without a country code (default NZ)
  EZITXT_HOOK_ALLOWED_REGIONS comma-separated regions SMS may go to (default: any)
  EZITXT_HOOK_PROVIDER_NAME   provider named in answers to Okta (default EZITXT)
  EZITXT_HOOK_MAX_BODY_BYTES  largest request body accepted (default 65536)
  EZITXT_HOOK_LOG_FORMAT      json (default) or pretty

limits on client connections (EZITXT_HOOK_*):
  EZITXT_HOOK_MAX_HEAD_BYTES   request line and headers together, at most (default 16384; 431)
  EZITXT_HOOK_MAX_HEADERS      header fields in a request, at most (default 100; 431)
  EZITXT_HOOK_HEADER_TIMEOUT_S first byte to end of headers, at most (default 5; then closed)
  EZITXT_HOOK_IDLE_TIMEOUT_S   a new connection silent this long is closed (default 10)
  EZITXT_HOOK_MAX_CONNECTIONS  open connections per worker (default 4096, lowered to fit the
                               open-file limit; at the cap the longest-idle one is closed,
                               or the new one gets 503)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
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
