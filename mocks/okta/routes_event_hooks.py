"""``/api/v1/eventHooks``: parse, call the backend, render (CONTRACT.md §6); and the control
plane's view of deliveries and their fault switches, ``/_mock/event-hooks/…``."""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.common.timestamps import iso
from mocks.okta import event_dispatch
from mocks.okta.deliveries import DeliveryFaults
from mocks.okta.errors import ValidationFailed
from mocks.okta.event_hooks import SUBJECT, EventHook
from mocks.okta.web import base_url, client_ip, json_body, ok, okta_api, runtime


def render(hook: EventHook, base_url: str) -> dict[str, Any]:
    """The EventHook object as Okta returns it; the authScheme value is write-only."""
    config = copy.deepcopy(hook.config)
    config["method"] = "POST"
    if isinstance(config.get("authScheme"), dict):
        config["authScheme"].pop("value", None)
    href = f"{base_url}/api/v1/eventHooks/{hook.id}"

    def post(path: str) -> dict[str, Any]:
        return {"href": f"{href}/lifecycle/{path}", "hints": {"allow": ["POST"]}}

    links: dict[str, Any] = {"self": {"href": href}, "verify": post("verify")}
    if hook.status == "ACTIVE":
        links["deactivate"] = post("deactivate")
    else:
        links["activate"] = post("activate")
    return {
        "id": hook.id,
        "status": hook.status,
        "verificationStatus": hook.verification_status,
        "name": hook.name,
        "description": hook.description,
        "created": iso(hook.created),
        "createdBy": hook.created_by,
        "lastUpdated": iso(hook.last_updated),
        "events": {"type": "EVENT_TYPE", "items": list(hook.event_types), "filter": None},
        "channel": {"type": "HTTP", "version": "1.0.0", "config": config},
        "_links": links,
    }


@okta_api
async def list_hooks(request: Request) -> Response:
    hooks = runtime(request).backend.event_hooks.all()
    return ok([render(h, base_url(request)) for h in hooks])


@okta_api
async def create_hook(request: Request) -> Response:
    body = await json_body(request)
    hook = runtime(request).backend.create_event_hook(body, client_ip(request))
    return ok(render(hook, base_url(request)))


@okta_api
async def get_hook(request: Request) -> Response:
    hook = runtime(request).backend.event_hooks.get(request.path_params["id"])
    return ok(render(hook, base_url(request)))


@okta_api
async def replace_hook(request: Request) -> Response:
    body = await json_body(request)
    backend = runtime(request).backend
    hook = backend.replace_event_hook(request.path_params["id"], body, client_ip(request))
    return ok(render(hook, base_url(request)))


@okta_api
async def delete_hook(request: Request) -> Response:
    runtime(request).backend.delete_event_hook(request.path_params["id"], client_ip(request))
    return Response(status_code=204)


@okta_api
async def activate_hook(request: Request) -> Response:
    backend = runtime(request).backend
    hook = backend.activate_event_hook(request.path_params["id"], client_ip(request))
    return ok(render(hook, base_url(request)))


@okta_api
async def deactivate_hook(request: Request) -> Response:
    backend = runtime(request).backend
    hook = backend.deactivate_event_hook(request.path_params["id"], client_ip(request))
    return ok(render(hook, base_url(request)))


@okta_api
async def verify_hook(request: Request) -> Response:
    """200 with the VERIFIED hook, or Okta's 400 naming why the endpoint did not verify."""
    rt = runtime(request)
    hook = rt.backend.event_hooks.get(request.path_params["id"])
    failure = await event_dispatch.verify(rt, hook)
    rt.backend.event_hook_verified(hook, failure, client_ip(request))
    if failure is not None:
        raise ValidationFailed(SUBJECT, [f"Event hook verification failed: {failure}"])
    return ok(render(hook, base_url(request)))


async def list_deliveries(request: Request) -> Response:
    """Every delivery attempt, oldest first (``?hookId=`` for one hook's): ids, types and
    outcomes only, never a header or an event body."""
    rt = runtime(request)
    attempts = rt.backend.deliveries.attempts(request.query_params.get("hookId"))
    pending = rt.dispatcher.pending if rt.dispatcher else 0
    return ok({"pending": pending, "attempts": [a.to_json() for a in attempts]})


async def get_faults(request: Request) -> Response:
    return ok(runtime(request).backend.deliveries.faults.to_json())


async def put_faults(request: Request) -> Response:
    faults = DeliveryFaults.parse(await json_body(request))
    runtime(request).backend.deliveries.faults = faults
    return ok(faults.to_json())


async def clear_faults(request: Request) -> Response:
    runtime(request).backend.deliveries.faults = DeliveryFaults()
    return Response(status_code=204)


ROUTES = [
    Route("/api/v1/eventHooks", list_hooks, methods=["GET"]),
    Route("/api/v1/eventHooks", create_hook, methods=["POST"]),
    Route("/api/v1/eventHooks/{id}", get_hook, methods=["GET"]),
    Route("/api/v1/eventHooks/{id}", replace_hook, methods=["PUT"]),
    Route("/api/v1/eventHooks/{id}", delete_hook, methods=["DELETE"]),
    Route("/api/v1/eventHooks/{id}/lifecycle/activate", activate_hook, methods=["POST"]),
    Route("/api/v1/eventHooks/{id}/lifecycle/deactivate", deactivate_hook, methods=["POST"]),
    Route("/api/v1/eventHooks/{id}/lifecycle/verify", verify_hook, methods=["POST"]),
    Route("/_mock/event-hooks/deliveries", list_deliveries, methods=["GET"]),
    Route("/_mock/event-hooks/faults", get_faults, methods=["GET"]),
    Route("/_mock/event-hooks/faults", put_faults, methods=["PUT"]),
    Route("/_mock/event-hooks/faults", clear_faults, methods=["DELETE"]),
]
