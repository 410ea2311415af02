"""Shared pieces of the HTTP layer: reading bodies, EZITXT-shaped errors, query parameters."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .backend import EzitxtBackend
from .errors import EzitxtError, MethodNotAllowed, NotFound, PayloadTooLarge, SendFailed
from .validation import MAX_BODY_BYTES, check, parse_json


def backend_of(request: Request) -> EzitxtBackend:
    backend: EzitxtBackend = request.app.state.backend
    return backend


async def json_body(request: Request, schema: str) -> dict[str, Any]:
    """The request's JSON body, checked against ``ezitxt/<schema>``; size capped."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge("Request body too large")
        chunks.append(chunk)
    return check(schema, parse_json(b"".join(chunks)))


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


def error_response(error: EzitxtError) -> Response:
    return JSONResponse(error.body(), status_code=error.status_code)


async def on_ezitxt_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EzitxtError)
    return error_response(exc)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 and 405 (unknown route, wrong method), in EZITXT's shape."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(NotFound("Not found"))
    if exc.status_code == 405:
        response = error_response(MethodNotAllowed("Method not allowed"))
        if exc.headers:
            response.headers.update(exc.headers)
        return response
    return error_response(EzitxtError("Bad request", status_code=exc.status_code))


async def on_unexpected(request: Request, exc: Exception) -> Response:
    """Never a bare 500 page: a bug still answers in EZITXT's shape."""
    return error_response(SendFailed("Internal error"))
