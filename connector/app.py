"""The Starlette app: ``POST /okta/telephony`` (the hook), ``GET /healthz``, ``GET /readyz``.

Build it with ``create_app(settings=None, *, gateway=None)``: settings default to the
``EZITXT_HOOK_*`` environment, the gateway to the aiohttp adapter opened and closed in the
lifespan. Serve with ``uvicorn --factory connector.app:create_app``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from connector import answers, logs
from connector.answers import ErrorCause
from connector.endpoint import HOOK_PATH, HookEndpoint, HookFastPath
from connector.gateway import EzitxtGateway, Gateway
from connector.hook import TelephonyHook
from connector.settings import Settings, load_settings
from connector.validation import RequestValidator

READY_CACHE_S = 2.0
READY_PING_TIMEOUT_S = 1.0

log = logging.getLogger("ezitxt.connector")


def create_app(
    settings: Settings | None = None,
    *,
    gateway: Gateway | None = None,
    call_log: logs.CallLog | None = None,
) -> Starlette:
    """The hook app. ``gateway`` defaults to the aiohttp adapter for ``settings.gateway_url``,
    ``call_log`` to one JSON (or pretty) line per call on stdout."""
    settings = settings or load_settings()
    logs.configure(settings.log_format)
    owned = None
    if gateway is None:
        owned = EzitxtGateway(
            settings.gateway_url,
            pool_size=settings.gateway_pool_size,
            keepalive_s=settings.gateway_keepalive_s,
        )
        gateway = owned
    hook = TelephonyHook(settings, gateway, RequestValidator())
    endpoint = HookEndpoint(hook, call_log or logs.CallLog(settings.log_format))
    readiness = _Readiness(gateway)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if owned is not None:
            await owned.open()
        log.info(
            "connector started",
            extra={
                "fields": {
                    "gateway_url": settings.gateway_url,
                    "auth_field": settings.auth_field,
                    "budget_ms": settings.budget_ms,
                    "default_region": settings.default_region,
                    "allowed_regions": settings.allowed_regions or "any",
                    "gateway_pool_size": settings.gateway_pool_size,
                }
            },
        )
        try:
            yield
        finally:
            await endpoint.deadlines.close()
            if owned is not None:
                await owned.close()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        reachable = await readiness.gateway_reachable()
        body = {"status": "ready" if reachable else "not_ready", "gateway": reachable}
        return JSONResponse(body, status_code=200 if reachable else 503)

    app = _HookApp(
        endpoint,
        routes=[
            Route(HOOK_PATH, endpoint, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
        lifespan=lifespan,
    )
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    summary = "No such endpoint." if status == 404 else "Method not allowed."
    answer = answers.error(
        status,
        summary,
        [ErrorCause(summary, f"http_{status}", location_type="url", location=request.url.path)],
        outcome=f"http_{status}",
    )
    return Response(answer.body, status_code=status, media_type="application/json")


async def _internal_error(request: Request, exc: Exception) -> Response:
    answer = answers.error(
        500,
        "Internal error.",
        [ErrorCause("Internal error", "internal_error", location_type="hook")],
        outcome="internal_error",
    )
    return Response(answer.body, status_code=500, media_type="application/json")


class _HookApp(Starlette):
    """Starlette with the hook's fast path outside its whole middleware stack: ``POST
    /okta/telephony`` reaches the endpoint (which answers every error itself) without
    Starlette's error middleware and router, a measurable share of the hot path."""

    def __init__(self, endpoint: HookEndpoint, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hook_endpoint = endpoint

    def build_middleware_stack(self) -> ASGIApp:
        return HookFastPath(super().build_middleware_stack(), self.hook_endpoint)


class _Readiness:
    """Pings the gateway at most every READY_CACHE_S, so probes never load it."""

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway
        self._checked_at = -READY_CACHE_S
        self._reachable = False
        self._lock = asyncio.Lock()

    async def gateway_reachable(self) -> bool:
        async with self._lock:
            if time.monotonic() - self._checked_at >= READY_CACHE_S:
                self._reachable = await self._gateway.ping(timeout_s=READY_PING_TIMEOUT_S)
                self._checked_at = time.monotonic()
            return self._reachable
