"""``/api/v1/users``: list (``q``, ``filter``, ``search``, ``limit``, ``Link`` paging), create
(``?activate=true``, Okta's default) and get by id or login."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.common.timestamps import iso
from mocks.okta.errors import ValidationFailed
from mocks.okta.users import User, UserQuery
from mocks.okta.web import base_url, json_body, ok, okta_api, runtime

# listUsers: limit defaults to 200, and to 10 with q; 200 is also the most one page holds.
MAX_LIMIT = 200
Q_DEFAULT_LIMIT = 10


def render_user(user: User, base_url: str) -> dict[str, Any]:
    """The User object as Okta returns it (the fields a sign-in flow needs)."""
    return {
        "id": user.id,
        "status": user.status,
        "created": iso(user.created),
        "activated": iso(user.activated) if user.activated is not None else None,
        "statusChanged": iso(user.activated) if user.activated is not None else None,
        "lastLogin": None,
        "lastUpdated": iso(user.last_updated),
        "passwordChanged": (
            iso(user.password_changed) if user.password_changed is not None else None
        ),
        "type": {"id": user.type_id},
        "profile": dict(user.profile),
        "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
        "_links": {"self": {"href": f"{base_url}/api/v1/users/{user.id}"}},
    }


@okta_api
async def create_user(request: Request) -> Response:
    body = await json_body(request)
    activate = request.query_params.get("activate", "true").lower() != "false"
    user = runtime(request).backend.users.create(body, activate=activate)
    return ok(render_user(user, base_url(request)))


@okta_api
async def get_user(request: Request) -> Response:
    user = runtime(request).backend.users.get(request.path_params["id"])
    return ok(render_user(user, base_url(request)))


def parse_query(request: Request) -> UserQuery:
    """``q``, ``filter``, ``search``, ``limit`` (default 200, 10 with ``q``; at most 200),
    ``after``, ``sortBy`` and ``sortOrder``; Okta's other parameters are ignored."""
    params = request.query_params
    q = params.get("q")
    raw_limit = params.get("limit")
    if raw_limit is None:
        limit = Q_DEFAULT_LIMIT if q is not None else MAX_LIMIT
    elif raw_limit.isdigit() and int(raw_limit) >= 1:
        limit = min(int(raw_limit), MAX_LIMIT)
    else:
        raise ValidationFailed("limit", [f"limit: an integer from 1 to {MAX_LIMIT}"])
    order = params.get("sortOrder", "asc").lower()
    if order not in ("asc", "desc"):
        raise ValidationFailed("sortOrder", ["sortOrder: asc or desc"])
    return UserQuery(
        q=q,
        filter=params.get("filter"),
        search=params.get("search"),
        limit=limit,
        after=params.get("after") or None,
        sort_by=params.get("sortBy"),
        descending=order == "desc",
    )


@okta_api
async def list_users(request: Request) -> Response:
    page = runtime(request).backend.users.query(parse_query(request))
    base = base_url(request)
    url = f"{base}/api/v1/users"
    params = request.query_params.multi_items()
    links = [f'<{url}?{urlencode(params)}>; rel="self"' if params else f'<{url}>; rel="self"']
    if page.next_after is not None:
        kept = [(k, v) for k, v in params if k != "after"]
        links.append(f'<{url}?{urlencode([*kept, ("after", page.next_after)])}>; rel="next"')
    return ok([render_user(u, base) for u in page.users], headers={"Link": ", ".join(links)})


ROUTES = [
    Route("/api/v1/users", list_users, methods=["GET"]),
    Route("/api/v1/users", create_user, methods=["POST"]),
    Route("/api/v1/users/{id}", get_user, methods=["GET"]),
]
