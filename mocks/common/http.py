"""The HTTP layer both mocks share: capped bodies, errors in the service's own shape, reset.

Each mock describes its error shape once (``ErrorShape``) and gets Starlette exception handlers
from ``exception_handlers``: its own errors rendered by its own renderer, Starlette's 404 and 405
turned into its own errors (a 405 with an ``Allow`` header naming every method the path takes,
RFC 9110 §15.5.6), and any other exception answered as its own internal error, never a bare
plain-text 500 page.

The reset contract: ``POST /_mock/reset`` brings the mock back to the state it started in and
answers ``204 No Content``; any other method on that path is a 405 with ``Allow: POST``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route

RESET_PATH = "/_mock/reset"

log = logging.getLogger("mocks.http")

Handler = Callable[[Request, Exception], Awaitable[Response]]


async def read_capped(request: Request, limit: int, too_large: Callable[[], Exception]) -> bytes:
    """The whole body, read chunk by chunk; ``too_large()`` is raised as soon as it passes
    ``limit`` bytes, so a hostile client cannot make the mock hold an unbounded body."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large()
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass(frozen=True)
class ErrorShape:
    """How one service answers errors: its error class and how one is rendered, the error it
    answers for a status Starlette's router raised (404 unknown route, 405 wrong method), and
    the one it answers for a bug."""

    error: type[Exception]
    render: Callable[[Exception], Response]
    from_status: Callable[[Request, int], Exception]
    internal: Callable[[], Exception]


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app takes on this request's path, looking into mounted
    sub-apps' routes too."""
    scope = dict(request.scope)
    # A mount rewrote root_path on its way in; match from the top again.
    scope["root_path"] = scope.get("app_root_path", scope.get("root_path", ""))
    return sorted(_methods(request.app.router.routes, scope))


def _methods(routes: Sequence[BaseRoute], scope: dict[str, Any]) -> set[str]:
    methods: set[str] = set()
    for route in routes:
        match, child = route.matches(scope)
        if match is Match.NONE:
            continue
        if isinstance(route, Route) and route.methods:
            methods |= route.methods
        elif isinstance(route, Mount):
            methods |= _methods(route.routes, {**scope, **child})
    return methods


def exception_handlers(shape: ErrorShape) -> dict[Any, Handler]:
    """Starlette ``exception_handlers`` answering every error in ``shape``."""

    async def on_service_error(request: Request, exc: Exception) -> Response:
        return shape.render(exc)

    async def on_http_exception(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        response = shape.render(shape.from_status(request, exc.status_code))
        if exc.status_code == 405:
            allowed = allowed_methods(request)
            fallback = (exc.headers or {}).get("Allow", "")
            response.headers["Allow"] = ", ".join(allowed) if allowed else fallback
        return response

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        # Starlette re-raises after this answer, so the server still logs the traceback.
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return shape.render(shape.internal())

    return {
        shape.error: on_service_error,
        HTTPException: on_http_exception,
        Exception: on_unexpected,
    }


def reset_route(reset: Callable[[Request], Awaitable[None] | None]) -> Route:
    """``POST /_mock/reset``: ``reset(request)`` (plain or async), then 204."""

    async def endpoint(request: Request) -> Response:
        outcome = reset(request)
        if inspect.isawaitable(outcome):
            await outcome
        return Response(status_code=204)

    return Route(RESET_PATH, endpoint, methods=["POST"])
