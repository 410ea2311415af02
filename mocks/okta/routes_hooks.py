"""``/api/v1/inlineHooks``: parse, call the backend, render (CONTRACT.md §4)."""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.common.timestamps import iso
from mocks.okta import flows
from mocks.okta.errors import ValidationFailed
from mocks.okta.hook_rules import hook_types
from mocks.okta.hooks import InlineHook
from mocks.okta.web import base_url, client_ip, json_body, ok, okta_api, runtime


def render_hook(hook: InlineHook, base_url: str) -> dict[str, Any]:
    """The InlineHook object as Okta returns it; the authScheme value is write-only."""
    config = copy.deepcopy(hook.config)
    config.setdefault("method", "POST")
    config.setdefault("headers", [])
    if hook.channel_type == "OAUTH":
        # clientSecret is write-only; Okta shows authScheme and an absent scope as null.
        config.pop("clientSecret", None)
        config["authScheme"] = None
        config.setdefault("scope", None)
    elif isinstance(config.get("authScheme"), dict):
        config["authScheme"].pop("value", None)
    href = f"{base_url}/api/v1/inlineHooks/{hook.id}"
    links: dict[str, Any] = {
        "self": {"href": href, "hints": {"allow": ["GET", "PUT", "DELETE"]}},
        "execute": {"href": f"{href}/execute", "hints": {"allow": ["POST"]}},
    }
    if hook.status == "ACTIVE":
        links["deactivate"] = {
            "href": f"{href}/lifecycle/deactivate",
            "hints": {"allow": ["POST"]},
        }
    else:
        links["activate"] = {"href": f"{href}/lifecycle/activate", "hints": {"allow": ["POST"]}}
    return {
        "id": hook.id,
        "status": hook.status,
        "name": hook.name,
        "type": hook.type,
        "version": "1.0.0",
        "channel": {"type": hook.channel_type, "version": "1.0.0", "config": config},
        "created": iso(hook.created),
        "lastUpdated": iso(hook.last_updated),
        "_links": links,
    }


@okta_api
async def list_hooks(request: Request) -> Response:
    hook_type = request.query_params.get("type")
    if hook_type is not None and hook_type not in hook_types():
        # Okta's listInlineHooks takes one of its hook types only, and refuses any other: 400.
        raise ValidationFailed("type", [f"type: one of {', '.join(sorted(hook_types()))}"])
    hooks = runtime(request).backend.hooks.list(hook_type)
    return ok([render_hook(h, base_url(request)) for h in hooks])


@okta_api
async def create_hook(request: Request) -> Response:
    body = await json_body(request)
    hook = runtime(request).backend.create_hook(body, client_ip(request))
    return ok(render_hook(hook, base_url(request)))


@okta_api
async def get_hook(request: Request) -> Response:
    hook = runtime(request).backend.hooks.get(request.path_params["id"])
    return ok(render_hook(hook, base_url(request)))


@okta_api
async def update_hook(request: Request) -> Response:
    body = await json_body(request)
    backend = runtime(request).backend
    hook = backend.update_hook(request.path_params["id"], body, client_ip(request))
    return ok(render_hook(hook, base_url(request)))


@okta_api
async def replace_hook(request: Request) -> Response:
    body = await json_body(request)
    backend = runtime(request).backend
    hook = backend.replace_hook(request.path_params["id"], body, client_ip(request))
    return ok(render_hook(hook, base_url(request)))


@okta_api
async def delete_hook(request: Request) -> Response:
    runtime(request).backend.delete_hook(request.path_params["id"], client_ip(request))
    return Response(status_code=204)


@okta_api
async def activate_hook(request: Request) -> Response:
    hook = runtime(request).backend.activate_hook(request.path_params["id"], client_ip(request))
    return ok(render_hook(hook, base_url(request)))


@okta_api
async def deactivate_hook(request: Request) -> Response:
    hook = runtime(request).backend.deactivate_hook(request.path_params["id"], client_ip(request))
    return ok(render_hook(hook, base_url(request)))


@okta_api
async def execute_hook(request: Request) -> Response:
    """200 with the hook's own answer when it answered well, else 400 naming what went wrong."""
    rt = runtime(request)
    hook = rt.backend.hooks.get(request.path_params["id"])
    body = await json_body(request)
    _, verdict = await flows.execute(rt, hook, body)
    if not verdict.answered_well:
        raise ValidationFailed("inline hook execution", [verdict.error_summary or "failed"])
    return ok(verdict.body)


ROUTES = [
    Route("/api/v1/inlineHooks", list_hooks, methods=["GET"]),
    Route("/api/v1/inlineHooks", create_hook, methods=["POST"]),
    Route("/api/v1/inlineHooks/{id}", get_hook, methods=["GET"]),
    Route("/api/v1/inlineHooks/{id}", update_hook, methods=["POST"]),
    Route("/api/v1/inlineHooks/{id}", replace_hook, methods=["PUT"]),
    Route("/api/v1/inlineHooks/{id}", delete_hook, methods=["DELETE"]),
    Route("/api/v1/inlineHooks/{id}/lifecycle/activate", activate_hook, methods=["POST"]),
    Route("/api/v1/inlineHooks/{id}/lifecycle/deactivate", deactivate_hook, methods=["POST"]),
    Route("/api/v1/inlineHooks/{id}/execute", execute_hook, methods=["POST"]),
]
