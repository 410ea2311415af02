"""The Mobile Report (CONTRACT.md §5): every message, searchable, with its status history.

``GET /api/reports/mobile`` filters: ``id``, ``application``, ``destination``, ``origin``
(MT|MO), ``status``, ``charset`` (GSM7|UCS2), ``from``/``to`` (RFC 3339, on when the message
was queued on the platform), ``page``, ``pageSize``; ``include_content=true`` shows the text.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mocks.common.timestamps import iso, parse_rfc3339
from mocks.ezitxt.errors import InvalidAttrib
from mocks.ezitxt.lifecycle import STATUSES
from mocks.ezitxt.models import Message, ReportFilter
from mocks.ezitxt.phones import is_e164
from mocks.ezitxt.units import GSM7, UCS2
from mocks.ezitxt.web import backend_of, bool_param, int_param, only_params

PARAMS = frozenset(
    {"id", "application", "destination", "origin", "status", "charset", "from", "to", "page",
     "pageSize", "include_content"}
)  # fmt: skip
MAX_PAGE_SIZE = 500


def render_row(m: Message, *, content: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "messageId": m.id,
        "dateTime": iso(m.created_at),
        "application": m.application,
        "class": m.direction,
        "source": m.source,
        "destination": m.destination,
        "status": m.status,
        "units": m.units,
        "characterSet": m.charset,
        "transport": m.transport,
    }
    if content:
        row["content"] = m.content
    return row


def _time(request: Request, name: str) -> float | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    at = parse_rfc3339(raw)
    if at is None:
        raise InvalidAttrib(f"Invalid attribute {name}")
    return at


def _choice(request: Request, name: str, allowed: tuple[str, ...]) -> str | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    for value in allowed:
        if raw.lower() == value.lower():
            return value
    raise InvalidAttrib(f"Invalid attribute {name}")


def parse_filter(request: Request) -> ReportFilter:
    destination = request.query_params.get("destination")
    if destination is not None and not is_e164(destination):
        raise InvalidAttrib("Invalid attribute destination")
    return ReportFilter(
        message_id=request.query_params.get("id"),
        application=request.query_params.get("application"),
        destination=destination,
        direction=_choice(request, "origin", ("MT", "MO")),
        status=_choice(request, "status", STATUSES),
        charset=_choice(request, "charset", (GSM7, UCS2)),
        since=_time(request, "from"),
        until=_time(request, "to"),
    )


async def mobile_report(request: Request) -> Response:
    only_params(request, PARAMS)
    criteria = parse_filter(request)
    page = int_param(request, "page", 1, 1, 1_000_000)
    page_size = int_param(request, "pageSize", 50, 1, MAX_PAGE_SIZE)
    content = bool_param(request, "include_content")
    found = backend_of(request).report(criteria, page=page, page_size=page_size)
    return JSONResponse(
        {
            "page": page,
            "pageSize": page_size,
            "total": found.total,
            "items": [render_row(m, content=content) for m in found.messages],
        }
    )


async def mobile_report_entry(request: Request) -> Response:
    only_params(request, frozenset({"include_content"}))
    content = bool_param(request, "include_content")
    m = backend_of(request).report_entry(request.path_params["id"])
    entry = render_row(m, content=content)
    entry.update(reference=m.reference, mask=m.mask, scheduled=m.scheduled, history=m.history)
    return JSONResponse(entry)


ROUTES = [
    Route("/api/reports/mobile", mobile_report, methods=["GET"]),
    Route("/api/reports/mobile/{id}", mobile_report_entry, methods=["GET"]),
]
