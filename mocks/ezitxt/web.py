"""Shared pieces of the HTTP layer: reading bodies, EZITXT-shaped errors, query parameters."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mocks.common.http import ErrorShape, read_capped
from mocks.ezitxt.backend import EzitxtBackend
from mocks.ezitxt.errors import EzitxtError, MethodNotAllowed, NotFound, PayloadTooLarge, SendFailed
from mocks.ezitxt.validation import MAX_BODY_BYTES, check, parse_json


def backend_of(request: Request) -> EzitxtBackend:
    backend: EzitxtBackend = request.app.state.backend
    return backend


async def json_body(request: Request, schema: str) -> dict[str, Any]:
    """The request's JSON body, checked against ``ezitxt/<schema>``; size capped."""
    raw = await read_capped(
        request, MAX_BODY_BYTES, lambda: PayloadTooLarge("Request body too large")
    )
    return check(schema, parse_json(raw))


def only_params(request: Request, allowed: frozenset[str]) -> None:
    """A strict mock: an unknown query parameter is an error, not silently ignored."""
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise EzitxtError(f"Unknown parameter {unknown[0]}")


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise EzitxtError(f"Invalid attribute {name}")
    return int(raw)


def bool_param(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "false").lower()
    if raw not in ("true", "false"):
        raise EzitxtError(f"Invalid attribute {name}")
    return raw == "true"


def error_response(error: Exception) -> Response:
    assert isinstance(error, EzitxtError)
    return JSONResponse(error.body(), status_code=error.status_code)


def _from_status(request: Request, status: int) -> EzitxtError:
    """Starlette's own 404 and 405 (unknown route, wrong method), as EZITXT errors."""
    if status == 404:
        return NotFound("Not found")
    if status == 405:
        return MethodNotAllowed("Method not allowed")
    return EzitxtError("Bad request", status_code=status)


# A bug still answers in EZITXT's shape, never a bare 500 page.
ERRORS = ErrorShape(
    error=EzitxtError,
    render=error_response,
    from_status=_from_status,
    internal=lambda: SendFailed("Internal error"),
)
