"""The control plane under ``/_mock``: sign-in flows, OTP verification, the fallback provider's
outbox (the end user's handset) and reset. No Okta token needed, as with moto's ``/moto-api``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.okta import flows
from mocks.okta.errors import NotFound, ValidationFailed
from mocks.okta.flow_model import Flow
from mocks.okta.web import base_url, client_ip, json_body, ok, runtime


def _flow(request: Request) -> Flow:
    flow = runtime(request).backend.flows.get(request.path_params["id"])
    if flow is None:
        raise NotFound(request.path_params["id"], "Flow")
    return flow


async def reset(request: Request) -> Response:
    runtime(request).backend.reset()
    return Response(status_code=204)


async def start_flow(request: Request) -> Response:
    spec = flows.parse_spec(await json_body(request))
    flow = await flows.run_flow(
        runtime(request), spec, org_url=base_url(request), client_ip=client_ip(request)
    )
    return ok(flow.to_json())


async def list_flows(request: Request) -> Response:
    return ok([f.to_json() for f in runtime(request).backend.flows.values()])


async def get_flow(request: Request) -> Response:
    return ok(_flow(request).to_json())


async def verify(request: Request) -> Response:
    flow = _flow(request)
    body = await json_body(request)
    otp = body.get("otp") if isinstance(body, dict) else None
    if not isinstance(otp, str):
        raise ValidationFailed("otp", ["otp: a string is required"])
    result = flow.verify(otp, runtime(request).backend.clock())
    return ok({"id": flow.id, "result": result})


async def fallback_messages(request: Request) -> Response:
    """What Okta's own provider sent, text included: the handset view for QA."""
    phone = request.query_params.get("phoneNumber")
    messages = runtime(request).backend.provider.messages()
    return ok([m.to_json() for m in messages if phone is None or m.phone_number == phone])


ROUTES = [
    Route("/_mock/reset", reset, methods=["POST"]),
    Route("/_mock/flows", start_flow, methods=["POST"]),
    Route("/_mock/flows", list_flows, methods=["GET"]),
    Route("/_mock/flows/{id}", get_flow, methods=["GET"]),
    Route("/_mock/flows/{id}/verify", verify, methods=["POST"]),
    Route("/_mock/fallback/messages", fallback_messages, methods=["GET"]),
]
