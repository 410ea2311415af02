"""Reports > Mobile Report: every message, newest first, with search, filters and keyset paging;
and a message's page with its status history (CONTRACT.md §5).

Content is hidden unless the viewer ticks "Show content" (the report is read by support staff;
an OTP on screen is a secret on screen), and never shown to an account without the permission
to read it (``Console.content_allowed``). The count is bounded (``COUNT_CAP`` matches, a few
ms of work): at a million messages an exact count could cost more than the page itself.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mocks.ezitxt.lifecycle import STATUSES
from mocks.ezitxt.portal import report_query
from mocks.ezitxt.portal.report_query import CHARSETS, FRAMES, ORIGINS, PAGE_SIZES
from mocks.ezitxt.portal.sessions import Session
from mocks.ezitxt.portal.web import backend_of, console_of, console_page, render

COUNT_CAP = 10_000


@console_page
async def mobile_report(request: Request, session: Session) -> Response:
    backend = backend_of(request)
    query = report_query.parse(request.query_params, backend.clock())
    content_allowed = console_of(request).content_allowed
    if not content_allowed:
        query.show_content = False
        query.values["content"] = ""
    page = backend.store.report_keyset(
        query.criteria,
        limit=query.size,
        older_than=query.older_than,
        newer_than=query.newer_than,
    )
    if query.criteria.message_id and len(page.messages) == 1 and not query.problems:
        found_one = page.messages[0]
    else:
        found_one = None
    matching, counted = backend.store.count_upto(query.criteria, COUNT_CAP + 1)
    base = {k: v for k, v in query.values.items()}
    newer = report_query.link(base, after=page.seqs[0]) if page.has_newer and page.seqs else None
    older = report_query.link(base, before=page.seqs[-1]) if page.has_older and page.seqs else None
    return render(
        request,
        "mobile_report.html",
        session,
        q=query,
        v=query.values,
        page=page,
        matching=matching,
        counted=counted,
        count_cap=COUNT_CAP,
        newest=report_query.link(base) if query.older_than or query.newer_than else None,
        newer=newer,
        older=older,
        content_link=report_query.link(
            base,
            content=None if query.show_content else "1",
            before=query.older_than,
            after=query.newer_than,
        ),
        found_one=found_one,
        content_allowed=content_allowed,
        applications=[a.name for a in backend.applications.all()],
        statuses=STATUSES,
        origins=ORIGINS,
        charsets=CHARSETS,
        frames=FRAMES,
        sizes=PAGE_SIZES,
    )


@console_page
async def message_page(request: Request, session: Session) -> Response:
    message = backend_of(request).store.message(request.path_params["id"])
    if message is None:
        return render(
            request,
            "not_found.html",
            session,
            status_code=404,
            what="message",
            back="/reports/mobile",
            back_label="Mobile Report",
        )
    content_allowed = console_of(request).content_allowed
    show_content = content_allowed and request.query_params.get("content") == "1"
    return render(
        request,
        "message.html",
        session,
        m=message,
        show_content=show_content,
        content_allowed=content_allowed,
    )
