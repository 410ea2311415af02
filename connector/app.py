"""The Starlette app: ``POST /okta/telephony`` (the hook), ``GET /healthz``, ``GET /readyz``,
``GET /metrics`` (Prometheus; not here when ``EZITXT_HOOK_METRICS_PORT`` moves it to a port of its
own, ``connector.metrics.serve_metrics_port``, started by ``ezitxt-okta serve``).

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
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from connector import heap, logs, metrics, refusals
from connector.endpoint import HOOK_PATHS, HookEndpoint
from connector.event_auth import CredentialChecker
from connector.events_endpoint import EVENTS_PATH, build_events
from connector.gateway import EzitxtGateway, Gateway
from connector.hook import TelephonyHook
from connector.outcomes import Outcomes
from connector.refusals import Refusal
from connector.settings import Settings, load_settings
from connector.shared_state import SharedStateWiring
from connector.validation import RequestValidator

JSON = "application/json"
READY_CACHE_S = 2.0
READY_PING_TIMEOUT_S = 1.0

log = logging.getLogger("ezitxt.connector")


def create_app(
    settings: Settings | None = None,
    *,
    gateway: Gateway | None = None,
    call_log: logs.CallLog | None = None,
    settle_heap: bool = True,
) -> Starlette:
    """The hook app. ``gateway`` defaults to the aiohttp adapter for ``settings.gateway_url``,
    ``call_log`` to one JSON (or pretty) line per call on stdout. ``settle_heap``: tune the
    garbage collector once started (``connector.heap``; off only for its A/B)."""
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
    shared = SharedStateWiring.from_settings(settings)
    outcomes = Outcomes(provider=settings.provider_name, auth_field=settings.auth_field)
    # Okta's event hook (/okta/events) and conversion feedback, with EZITXT_HOOK_EVENTS_SECRET.
    checker = gateway if isinstance(gateway, CredentialChecker) else None
    state = shared.state if shared else None
    events = build_events(settings, outcomes, state=state, checker=checker)
    # Every gateway call is counted and timed at the adapter, whichever adapter it is.
    hook = TelephonyHook(
        settings,
        metrics.MeteredGateway(gateway),
        RequestValidator(),
        replays=shared.replays if shared else None,
        fingerprints=shared.fingerprints if shared else None,
        velocity=shared.velocity if shared else None,
        feedback=events.feedback if events else None,
    )
    endpoint = HookEndpoint(hook, call_log or logs.CallLog(settings.log_format))
    hook_route = partial(Route, endpoint=endpoint, methods=["POST"])
    readiness = _Readiness(gateway)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if owned is not None:
            await owned.open()
        # oauth's key fetches share the gateway's pool (one aiohttp session per process).
        await hook.authenticator.open(owned.session if owned is not None else None)
        if shared is not None:
            shared.state.open()
        log.info(
            "connector started",
            extra={
                "fields": {
                    "gateway_url": settings.gateway_url,
                    "auth_field": settings.auth_field,
                    "budget_ms": settings.budget_ms,
                    "default_region": settings.default_region,
                    "allowed_regions": settings.allowed_regions,
                    "refused_number_types": settings.refused_number_types,
                    "velocity_limits": hook.velocity_limits.describe(),
                    "gateway_pool_size": settings.gateway_pool_size,
                    "auth_modes": settings.auth_modes,
                    "state": shared.state.safe_url if shared else "process_memory",
                    "event_hook": EVENTS_PATH if events else "off",
                }
            },
        )
        if settle_heap:
            heap.settle()  # last: the start-up heap is complete
        try:
            yield
        finally:
            await endpoint.deadlines.close()
            await hook.authenticator.close()
            if events is not None:
                await events.feedback.drain()
            if shared is not None:
                await shared.close()
            if owned is not None:
                await owned.close()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        reachable = await readiness.gateway_reachable()
        body: dict[str, object] = {
            "status": "ready" if reachable else "not_ready",
            "gateway": reachable,
        }
        # Reported, never a reason to be taken out of the balancer: without Redis every replica
        # still answers (fails open), and all of them would go out at once.
        body["state"] = await shared.readiness() if shared else "process_memory"
        return JSONResponse(body, status_code=200 if reachable else 503)

    async def metrics_page(request: Request) -> Response:
        return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)

    # On a port of its own, /metrics here answers the Okta-shaped 404 like any unknown path.
    metrics_routes = [] if settings.metrics_port else [Route(metrics.METRICS_PATH, metrics_page)]

    app = _HookApp(
        endpoint,
        routes=[
            *(hook_route(path) for path in sorted(HOOK_PATHS)),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            *metrics_routes,
            *(
                [Route(EVENTS_PATH, events.endpoint.handle, methods=["GET", "POST"])]
                if events
                else []
            ),
        ],
        exception_handlers=_error_handlers(hook.outcomes),
        lifespan=lifespan,
    )
    return app


def _error_handlers(outcomes: Outcomes) -> dict[Any, Any]:
    """Starlette's 404, 405 and 500, answered from the outcome table, Okta-shaped."""

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status in (404, 405):
            reason = refusals.NOT_FOUND if status == 404 else refusals.METHOD_NOT_ALLOWED
            answer = outcomes.refused(Refusal(reason, location=request.url.path))
        else:
            answer = outcomes.internal_error()
        return Response(answer.body, status_code=answer.http_status, media_type=JSON)

    async def internal_error(request: Request, exc: Exception) -> Response:
        answer = outcomes.internal_error()
        return Response(answer.body, status_code=answer.http_status, media_type=JSON)

    return {HTTPException: http_error, Exception: internal_error}


class _HookApp(Starlette):
    """Starlette with the hook's fast path ahead of all of it: ``POST /okta/telephony`` goes from
    the ASGI call straight to the endpoint (which answers every error itself), without
    Starlette's error middleware and router (21.2 against 26.5 CPU µs a hook call through the
    whole ASGI app, ``python -m loadtests.bench.micro_ab``, 2026-12-02) and without a layer of
    its own in front of ``Starlette.__call__``: 481,385 -> 479,915 instructions a hook answer
    (-0.3%, inside the ~1% runs of one build differ by; ``python -m loadtests.bench.served_cost
    --valgrind --requests 2000``, 2026-12-02). Every other request, and the lifespan, is
    Starlette's as before."""

    def __init__(self, endpoint: HookEndpoint, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hook_endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in HOOK_PATHS and scope["method"] == "POST":
            await self.hook_endpoint(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


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
