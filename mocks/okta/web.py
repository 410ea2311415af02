"""HTTP helpers shared by the routes: Okta's auth, capped JSON bodies, and Okta-shaped errors."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mocks.common.http import ErrorShape, read_capped
from mocks.okta.errors import (
    InternalError,
    InvalidToken,
    MalformedBody,
    MethodNotAllowed,
    NotFound,
    OktaError,
    PayloadTooLarge,
)
from mocks.okta.runtime import Runtime

Handler = Callable[[Request], Awaitable[Response]]
# Management calls carry small documents; Okta publishes no limit, the cap is the mock's.
MAX_BODY_BYTES = 1024 * 1024


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.okta
    return rt


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "127.0.0.1"


def api_token_of(header: str) -> str | None:
    """The token of ``Authorization: SSWS {apiToken}`` (CONTRACT.md §4), or None. Okta's own
    Python SDK (v3) sends ``SSWS{apiToken}`` with no space on its generated API calls, and Okta
    takes it: so does the mock."""
    if not header.startswith("SSWS"):
        return None
    return header[len("SSWS") :].strip() or None


def okta_api(handler: Handler) -> Handler:
    """The API token on every ``/api/v1`` route."""

    @wraps(handler)
    async def checked(request: Request) -> Response:
        token = api_token_of(request.headers.get("authorization", ""))
        expected = runtime(request).api_token
        if token is None or not hmac.compare_digest(token.encode(), expected.encode()):
            raise InvalidToken()
        return await handler(request)

    return checked


async def json_body(request: Request) -> Any:
    """The parsed JSON body; Okta answers E0000003 to anything unparseable."""
    raw = await read_capped(request, MAX_BODY_BYTES, PayloadTooLarge)
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedBody() from exc


def ok(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=headers)


def render_error(exc: Exception) -> Response:
    assert isinstance(exc, OktaError)
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers())


def _from_status(request: Request, status: int) -> OktaError:
    """Starlette's own 405 (wrong method) and 404 (unknown route), as Okta's errors."""
    if status == 405:
        return MethodNotAllowed()
    return NotFound(request.url.path, "Route")


# One place turns every error into Okta's error body, a bug included (E0000009, JSON).
ERRORS = ErrorShape(
    error=OktaError, render=render_error, from_status=_from_status, internal=InternalError
)
