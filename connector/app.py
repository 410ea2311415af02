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

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector import answers, logs
from connector.answers import Answer, ErrorCause
from connector.errors import BodyTooLarge
from connector.gateway import EzitxtGateway, Gateway
from connector.hook import HookCall, TelephonyHook
from connector.settings import Settings, load_settings
from connector.validation import RequestValidator

HOOK_PATH = "/okta/telephony"
READY_CACHE_S = 2.0
READY_PING_TIMEOUT_S = 1.0

log = logging.getLogger(logs.HOOK_LOGGER)


def create_app(settings: Settings | None = None, *, gateway: Gateway | None = None) -> Starlette:
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
    readiness = _Readiness(gateway)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if owned is not None:
            await owned.open()
        try:
            yield
        finally:
            if owned is not None:
                await owned.close()

    async def telephony(request: Request) -> Response:
        return await _serve_hook(request, hook)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        reachable = await readiness.gateway_reachable()
        body = {"status": "ready" if reachable else "not_ready", "gateway": reachable}
        return JSONResponse(body, status_code=200 if reachable else 503)

    return Starlette(
        routes=[
            Route(HOOK_PATH, telephony, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
        lifespan=lifespan,
    )


async def _serve_hook(request: Request, hook: TelephonyHook) -> Response:
    arrived = time.monotonic()
    call = HookCall(
        authorization=request.headers.get(hook.settings.auth_field), arrived=arrived, log={}
    )
    try:
        # Nothing may answer later than the budget, whatever the client or the gateway does.
        async with asyncio.timeout(hook.budget_s):
            body = await _read_capped(request, hook.settings.max_body_bytes)
            answer = await hook.handle(body, call)
    except BodyTooLarge:
        answer = answers.error(
            413,
            "The request body is too large.",
            [ErrorCause("Body over the size limit", "body_too_large", location="$")],
            outcome="too_large",
        )
    except TimeoutError:
        # Only reachable if the gateway's own deadline failed; the SMS may have left.
        answer = hook._pending("budget_exhausted") if "event_id" in call.log else _timeout_answer()
    except Exception:
        log.exception("hook call failed", extra={"fields": {**call.log, "outcome": "error"}})
        answer = answers.error(
            500,
            "The hook failed unexpectedly; no message was confirmed.",
            [ErrorCause("Internal error", "internal_error", location_type="hook")],
            outcome="internal_error",
        )
    fields = call.log
    fields["outcome"] = answer.outcome
    fields["http_status"] = answer.http_status
    fields["duration_ms"] = round((time.monotonic() - arrived) * 1000, 1)
    log.info("telephony hook", extra={"fields": fields})
    return Response(
        answer.body,
        status_code=answer.http_status,
        headers=answer.headers,
        media_type="application/json",
    )


def _timeout_answer() -> Answer:
    return answers.error(
        408,
        "The request body did not arrive in time.",
        [ErrorCause("Body not received within the budget", "body_timeout", location="$")],
        outcome="body_timeout",
    )


async def _read_capped(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge("body_too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge("body_too_large")
        chunks.append(chunk)
    return b"".join(chunks)


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
