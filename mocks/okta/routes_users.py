"""``/api/v1/users``: create (``?activate=true``, Okta's default) and get by id or login."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.okta.web import base_url, json_body, ok, okta_api, runtime


@okta_api
async def create_user(request: Request) -> Response:
    body = await json_body(request)
    activate = request.query_params.get("activate", "true").lower() != "false"
    user = runtime(request).backend.users.create(body, activate=activate)
    return ok(user.to_json(base_url(request)))


@okta_api
async def get_user(request: Request) -> Response:
    user = runtime(request).backend.users.get(request.path_params["id"])
    return ok(user.to_json(base_url(request)))


ROUTES = [
    Route("/api/v1/users", create_user, methods=["POST"]),
    Route("/api/v1/users/{id}", get_user, methods=["GET"]),
]
