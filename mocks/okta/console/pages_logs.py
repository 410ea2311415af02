"""Reports > System Log: events newest first with filters and paging, and one event's page with
its debug data. The same ``SystemLog`` as ``GET /api/v1/logs``; inside the signed-in session no
API token is needed."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.okta.console.log_filters import OUTCOMES, PAGE_SIZE, PERIODS, LogFilters
from mocks.okta.console.render import page, runtime
from mocks.okta.console.session import admin_page
from mocks.okta.errors import NotFound, ValidationFailed

SECTION = "system_log"


@admin_page
async def list_events(request: Request) -> Response:
    log = runtime(request).backend.log
    filters = LogFilters.from_query(request.query_params)
    error = None
    events: list[dict[str, object]] = []
    older = None
    try:
        since, until = filters.window(runtime(request).backend.clock())
        result = log.query(
            since=since,
            until=until,
            event_types={filters.event_type} if filters.event_type else None,
            results={filters.outcome} if filters.outcome else None,
            limit=PAGE_SIZE,
            after=filters.after,
            descending=True,
        )
        events = result.events
        if result.next_after is not None:
            older = "?" + urlencode(filters.params(after=result.next_after))
    except ValueError as exc:
        error = str(exc)
    except ValidationFailed as exc:
        error = "; ".join(exc.causes) or exc.summary
    newest = "?" + urlencode(filters.params(after=None)) if filters.after else None
    return page(
        request,
        "system_log.html",
        section=SECTION,
        title="System Log",
        filters=filters,
        events=events,
        event_types=log.event_types(),
        outcomes=OUTCOMES,
        periods=PERIODS,
        error=error,
        older=older,
        newest=newest,
        page_size=PAGE_SIZE,
    )


@admin_page
async def show_event(request: Request) -> Response:
    uuid = request.path_params["uuid"]
    event = runtime(request).backend.log.find(uuid)
    if event is None:
        raise NotFound(uuid, "LogEvent")
    return page(
        request, "system_log_event.html", section=SECTION, title="System Log event", event=event
    )


ROUTES = [
    Route("/reports/system-log", list_events, methods=["GET"], name="system_log"),
    Route("/reports/system-log/{uuid}", show_event, methods=["GET"], name="system_log_event"),
]
