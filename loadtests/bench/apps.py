"""ASGI apps the benchmarks serve (uvicorn ``--factory`` targets).

``bare_starlette``: a Starlette endpoint answering the fixed JSON a successful hook answers,
the ceiling of what one worker can do. ``hook_instant_gateway``: the real hook with the gateway
replaced in-process by one that accepts at once, so only the connector's own work is measured.
``hook_http_gateway``: the real hook against ``BENCH_GATEWAY_URL`` through aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connector import answers, logs
from connector.app import create_app
from connector.endpoint import HOOK_PATH
from connector.gateway import GatewayReceipt, OutboundSms
from connector.settings import load_settings

# Every velocity window counted, none ever reached: benchmarks drive one application (and one
# Okta user) at thousands of calls a second, and must measure the path that sends, with the
# counting's cost in it, not the cheaper refusal. Production defaults: connector/settings.py.
BENCH_LIMITS = {
    name: 10**9 for name in ("limit_number_15m", "limit_number_day", "limit_prefix_hour",
    "limit_prefix_day", "limit_application_minute", "limit_application_day", "limit_user_15m",
    "limit_user_day")
}  # fmt: skip

FIXED_ANSWER = answers.command(
    "SUCCESSFUL",
    provider="EZITXT",
    transaction_id="3f1c2b9e-7d4a-4c1e-9b8f-2a6d5e4c3b21",
    metadata="accepted by gateway (HTTP 202)",
    outcome="sent",
).body


class InstantGateway:
    """Accepts every message at once. Ids from a counter: a real gateway makes its own ids, so
    their cost does not belong to the connector's."""

    def __init__(self) -> None:
        self._ids = itertools.count()
        self._prefix = uuid.uuid4().hex[:24]

    async def send(
        self, sms: OutboundSms, *, authorization: str, timeout_s: float
    ) -> GatewayReceipt:
        return GatewayReceipt(http_status=202, message_id=f"{self._prefix}{next(self._ids):012d}")

    async def ping(self, *, timeout_s: float) -> bool:
        return True


def bare_starlette() -> Starlette:
    async def fixed(request: Request) -> Response:
        return Response(FIXED_ANSWER, media_type="application/json")

    return Starlette(routes=[Route(HOOK_PATH, fixed, methods=["POST"])])


def hook_instant_gateway() -> Starlette:
    settings = load_settings({}, gateway_url="http://127.0.0.1:9", **BENCH_LIMITS)
    return create_app(settings, gateway=InstantGateway())


def hook_instant_gateway_env() -> Starlette:
    """``hook_instant_gateway`` with the rest of its settings from ``EZITXT_HOOK_*`` (the
    replay store in Redis when ``EZITXT_HOOK_REDIS_URL`` is set)."""
    # BENCH_VELOCITY=off: every limit 0 (not applied), for the replay store's own share.
    off = os.environ.get("BENCH_VELOCITY") == "off"
    limits = dict.fromkeys(BENCH_LIMITS, 0) if off else BENCH_LIMITS
    settings = load_settings(os.environ, gateway_url="http://127.0.0.1:9", **limits)
    return create_app(settings, gateway=InstantGateway())


def hook_http_gateway() -> Starlette:
    settings = load_settings({}, gateway_url=os.environ["BENCH_GATEWAY_URL"], **BENCH_LIMITS)
    return create_app(settings)


# -- the hook with one hot-path shortcut swapped back for the plain library call, for the A/B
# figures of ``loadtests/bench/hot_path_ab.py``.


class TimerPerCall:
    """A timer per guarded step, as ``asyncio.timeout_at`` keeps one (``loop.call_at`` of the
    task's cancel, ``uncancel`` at the end): what ``connector.deadlines.Deadlines`` replaces
    with one sweeper for all calls. A sync context manager, as the hook's guard is."""

    def guard(self, deadline: float) -> _TimerGuard:
        return _TimerGuard(deadline)

    async def close(self) -> None:
        return None


class _TimerGuard:
    def __init__(self, deadline: float) -> None:
        self._deadline = deadline
        self._fired = False

    def __enter__(self) -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        self._task = task
        self._handle = loop.call_at(loop.time() + self._deadline - time.monotonic(), self._fire)

    def _fire(self) -> None:
        self._fired = True
        self._task.cancel()

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._handle.cancel()
        if self._fired and exc_type is asyncio.CancelledError and self._task.uncancel() == 0:
            raise TimeoutError("deadline reached") from exc


class LoggingCallLog:
    """The call's line through ``logging`` and ``JsonFormatter`` (what ``CallLog`` replaces)."""

    def __init__(self) -> None:
        self._log = logging.getLogger(logs.HOOK_LOGGER)

    def write(self, fields: dict[str, Any]) -> None:
        self._log.info("telephony hook", extra={"fields": fields})


def hook_with(**parts: Any) -> Starlette:
    settings = load_settings({}, gateway_url="http://127.0.0.1:9")
    deadlines = parts.pop("deadlines", None)
    app = create_app(settings, gateway=InstantGateway(), **parts)
    if deadlines is not None:
        app.hook_endpoint.hook.deadlines = app.hook_endpoint.deadlines = deadlines
    return app


def hook_timer_per_call() -> Starlette:
    return hook_with(deadlines=TimerPerCall())


def hook_logging_call_log() -> Starlette:
    return hook_with(call_log=LoggingCallLog())


def hook_gc_default() -> Starlette:
    """The hook with Python's garbage collector as it comes (no ``connector.heap.settle``)."""
    return hook_with(settle_heap=False)


def hook_gc_frozen_only() -> Starlette:
    """The hook with its start-up heap frozen, the collector's thresholds left as they come."""
    app = hook_with(settle_heap=False)
    started = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with started(app):
            gc.collect()
            gc.freeze()
            yield

    app.router.lifespan_context = lifespan
    return app


def hook_via_router(**parts: Any) -> Starlette:
    """The hook behind Starlette's middleware stack and router, as any other route."""
    app = hook_with(**parts)
    # Plain Starlette's __call__ (the hook's route is among its routes), the rest as built.
    app.__class__ = Starlette
    return app
