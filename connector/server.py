"""The HTTP server the connector runs on, and what it does at start.

The choice: uvicorn with uvloop and httptools, its HTTP protocol replaced by
``connector.http_guard.GuardedHttpToolsProtocol`` (a subclass: head size and count caps, head
and idle timers, a connection cap). Stock uvicorn has none of these for httptools; the
candidates that have some were measured against it (FIGURES), and none keeps the throughput:

FIGURES

``EZITXT_HOOK_*`` variables set the limits (``connector.server_limits``); at start the soft
open-file limit is raised to the hard one, since every client connection and every gateway
call holds a descriptor, and both are logged with the connection cap they allow.
"""

from __future__ import annotations

import logging
import resource
from dataclasses import dataclass

from connector.server_limits import ServerLimits

# As a string, so that each worker process imports it (and reads its limits) itself.
HTTP_PROTOCOL = "connector.http_guard:GuardedHttpToolsProtocol"

log = logging.getLogger("ezitxt.server")


@dataclass(frozen=True)
class OpenFileLimit:
    soft_before: int
    soft: int
    hard: int


def raise_open_file_limit() -> OpenFileLimit:
    """Raise this process's soft RLIMIT_NOFILE to its hard limit (workers inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            # e.g. macOS refuses RLIM_INFINITY: keep what we have, the cap follows it.
            return OpenFileLimit(soft, soft, hard)
    return OpenFileLimit(soft, hard, hard)


def _finite(value: int) -> int | str:
    return "unlimited" if value == resource.RLIM_INFINITY else value


def log_limits(files: OpenFileLimit, limits: ServerLimits) -> None:
    open_files = files.soft if files.soft != resource.RLIM_INFINITY else 1 << 20
    log.info(
        "server limits",
        extra={
            "fields": {
                "open_files_soft_before": _finite(files.soft_before),
                "open_files_soft": _finite(files.soft),
                "open_files_hard": _finite(files.hard),
                "max_connections": limits.connections_within(open_files),
                "max_head_bytes": limits.max_head_bytes,
                "max_headers": limits.max_headers,
                "header_timeout_s": limits.header_timeout_s,
                "idle_timeout_s": limits.idle_timeout_s,
            }
        },
    )
