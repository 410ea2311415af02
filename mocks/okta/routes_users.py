"""``/api/v1/users``: create (``?activate=true``, Okta's default) and get by id or login."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.common.timestamps import iso
from mocks.okta.users import User
from mocks.okta.web import base_url, json_body, ok, okta_api, runtime


def render_user(user: User, base_url: str) -> dict[str, Any]:
    """The User object as Okta returns it (the fields a sign-in flow needs)."""
    return {
        "id": user.id,
        "status": user.status,
        "created": iso(user.created),
        "activated": iso(user.activated) if user.activated is not None else None,
        "statusChanged": iso(user.activated) if user.activated is not None else None,
        "lastLogin": None,
        "lastUpdated": iso(user.created),
        "passwordChanged": None,
        "type": {"id": "oty" + user.id[3:]},
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


ROUTES = [
    Route("/api/v1/users", create_user, methods=["POST"]),
    Route("/api/v1/users/{id}", get_user, methods=["GET"]),
]
