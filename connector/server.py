"""The HTTP server the connector runs on, and what it does at start.

The choice: uvicorn with uvloop and httptools, its HTTP protocol replaced by
``connector.http_guard.GuardedHttpToolsProtocol`` (a subclass: head size and count caps, head
and idle timers, a connection cap). Stock uvicorn has none of these with httptools (0 answers
in 10 s while one client streamed a header, ``loadtests.bench.under_attack --server
httptools``); the servers that have some were measured against it, the bare Starlette endpoint
and the hook each on one worker, same run (``python -m loadtests.bench.connector_overhead
--server S --rounds 3 --duration 8 --no-profile``, hypercorn 0.18 and granian 2.8.9 installed
by hand; 2-core VM shared with other jobs, load average 1.4-4.7, so absolute figures move by
half; medians, answers/s):

    server                           bare     hook   hook/bare
    uvicorn + this guard (chosen)   16,417   12,243     75%
    uvicorn + httptools (stock)     16,273   10,576     65%
    granian (Rust, its own limits)  30,548   12,665     41%
    uvicorn + h11 (16 KiB events)    8,132    6,059     75%
    hypercorn (h11)                  3,065    3,100    101%

Rerun with the servers alternating round by round (3 x ``--rounds 1 --duration 8``, load 1.8-2.9):
guarded 19,084 / 10,951 (57%), stock 21,844 / 11,735 (54%), granian 20,372 / 8,808 (43%). The
guard's own cost, +1.5 to +2.1 µs of CPU a request, is measured in-process by
``loadtests.bench.http_guard_cost`` (see connector/http_guard.py).

h11 and hypercorn cap the head (h11's incomplete-event limit) but halve or quarter the hook's
throughput (pure-Python parsing); uvicorn's h11 protocol has no head timeout either. granian
serves the bare endpoint twice as fast but the hook no faster (the hook's own Python work
dominates), so the hook falls to 41% of it, under DESIGN.md's 50%; it also has no connection
cap, and would replace uvicorn in every test and tool. The guard keeps httptools' speed: its
cost is a few attribute checks per read.

``EZITXT_HOOK_*`` variables set the limits (``connector.server_limits``); at start the soft
open-file limit is raised to the hard one, since every client connection and every gateway call
holds a descriptor, and both are logged with the connection cap they allow.
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
