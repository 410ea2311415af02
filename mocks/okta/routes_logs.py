"""``GET /api/v1/logs`` with ``since``, ``until``, ``filter``, ``limit``, ``after``,
``sortOrder`` and Okta's ``Link`` header paging."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.common.timestamps import parse_iso
from mocks.okta.errors import ValidationFailed
from mocks.okta.system_log import DEFAULT_LIMIT, MAX_LIMIT, parse_filter
from mocks.okta.web import base_url, ok, okta_api, runtime


def _time(request: Request, name: str) -> float | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise ValidationFailed(name, [f"{name}: not an ISO-8601 timestamp"]) from exc


def _limit(request: Request) -> int:
    value = request.query_params.get("limit", str(DEFAULT_LIMIT))
    if not value.isdigit() or not 0 < int(value) <= MAX_LIMIT:
        raise ValidationFailed("limit", [f"limit: an integer from 1 to {MAX_LIMIT}"])
    return int(value)


@okta_api
async def list_logs(request: Request) -> Response:
    params = request.query_params
    order = params.get("sortOrder", "ASCENDING")
    if order not in ("ASCENDING", "DESCENDING"):
        raise ValidationFailed("sortOrder", ["sortOrder: ASCENDING or DESCENDING"])
    filter_text = params.get("filter")
    page = runtime(request).backend.log.query(
        since=_time(request, "since"),
        until=_time(request, "until"),
        event_types=parse_filter(filter_text) if filter_text else None,
        limit=_limit(request),
        after=params.get("after"),
        descending=order == "DESCENDING",
    )
    url = f"{base_url(request)}/api/v1/logs"
    kept = [(k, v) for k, v in params.multi_items() if k != "after"]
    links = [f'<{url}?{urlencode(params.multi_items())}>; rel="self"']
    if page.next_after is not None:
        links.append(f'<{url}?{urlencode([*kept, ("after", page.next_after)])}>; rel="next"')
    return ok(page.events, headers={"Link": ", ".join(links)})


ROUTES = [Route("/api/v1/logs", list_logs, methods=["GET"])]
