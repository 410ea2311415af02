"""HTTP helpers shared by the routes: Okta's auth, JSON bodies, and Okta-shaped errors."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mocks.okta.errors import InvalidToken, MalformedBody, MethodNotAllowed, NotFound, OktaError
from mocks.okta.runtime import Runtime

Handler = Callable[[Request], Awaitable[Response]]


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.okta
    return rt


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "127.0.0.1"


def okta_api(handler: Handler) -> Handler:
    """``Authorization: SSWS {apiToken}`` on every ``/api/v1`` route (CONTRACT.md §4)."""

    @wraps(handler)
    async def checked(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        expected = runtime(request).api_token
        if scheme != "SSWS" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
            raise InvalidToken()
        return await handler(request)

    return checked


async def json_body(request: Request) -> Any:
    """The parsed JSON body; Okta answers E0000003 to anything unparseable."""
    raw = await request.body()
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedBody() from exc


def ok(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=headers)


async def okta_error(request: Request, exc: Exception) -> Response:
    """One place turns every error into Okta's error body."""
    if isinstance(exc, HTTPException):
        if exc.status_code == 405:
            exc = MethodNotAllowed()
        else:
            exc = NotFound(request.url.path, "Route")
    if not isinstance(exc, OktaError):
        raise exc
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers())
