"""Gateway REST v2 (CONTRACT.md §5): send a message, read a message. Parsing and rendering only."""

from __future__ import annotations

import logging
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mocks.ezitxt.errors import InvalidAttrib, MissingAttrib
from mocks.ezitxt.models import Message
from mocks.ezitxt.phones import mask
from mocks.ezitxt.web import backend_of, json_body, only_params

log = logging.getLogger("mocks.ezitxt.gateway")

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def render_message(m: Message) -> dict[str, Any]:
    """REST v2's message. ``reference`` is a string there: as sent, or absent when none was."""
    rendered = {
        "id": m.id,
        "source": m.source,
        "destination": m.destination,
        "direction": m.direction,
        "content": m.content,
        "status": m.status,
    }
    if m.reference is not None:
        rendered["reference"] = m.reference
    return rendered


async def send_message(request: Request) -> Response:
    backend = backend_of(request)
    application = await backend.applications.authenticate(request.headers.get("authorization"))
    body = await json_body(request, "send-request")
    message = backend.submit(application, body)
    if log.isEnabledFor(logging.DEBUG):
        log.debug(
            "accepted %s for %s units=%d charset=%s",
            message.id,
            mask(message.destination),
            message.units,
            message.charset,
        )
    return JSONResponse(
        {"id": message.id, "status": "accepted", "detail": message.destination}, status_code=202
    )


async def get_message(request: Request) -> Response:
    backend = backend_of(request)
    application = await backend.applications.authenticate(request.headers.get("authorization"))
    only_params(request, frozenset({"id"}))
    message_id = request.query_params.get("id")
    if not message_id:
        raise MissingAttrib("Missing attribute id")
    if UUID.fullmatch(message_id) is None:
        raise InvalidAttrib("Invalid attribute id")
    return JSONResponse(render_message(backend.message(application, message_id)))


async def messages(request: Request) -> Response:
    # One route for both methods, so that a 405 names every allowed method.
    if request.method == "POST":
        return await send_message(request)
    return await get_message(request)


ROUTES = [Route("/rest/sms/v2/messages", messages, methods=["GET", "POST"])]
