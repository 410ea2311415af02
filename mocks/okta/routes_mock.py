"""The control plane under ``/_mock``: sign-in flows, OTP verification, the fallback provider's
outbox (the end user's handset) and reset. No Okta token needed, as with moto's ``/moto-api``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.common.http import reset_route
from mocks.common.timestamps import iso
from mocks.okta import events, flows
from mocks.okta.errors import NotFound, ValidationFailed
from mocks.okta.flow_model import Flow, mask_phone
from mocks.okta.provider import SentMessage
from mocks.okta.web import base_url, client_ip, json_body, ok, runtime


def render_flow(flow: Flow) -> dict[str, Any]:
    """The flow as the control plane shows it: no OTP, the phone number masked."""
    hook = None
    if flow.hook_id is not None:
        verdict = flow.verdict
        hook = {
            "id": flow.hook_id,
            "httpStatus": flow.http_status,
            "durationMs": flow.duration_ms,
            "status": verdict.status if verdict else None,
            "transactionId": verdict.transaction_id if verdict else None,
            "errorSummary": verdict.error_summary if verdict else None,
        }
    return {
        "id": flow.id,
        "created": iso(flow.created),
        "user": {"id": flow.user_id, "login": flow.login},
        "requestType": f"com.okta.user.telephony.{flow.request_type}",
        "channel": flow.channel,
        "phoneNumber": mask_phone(flow.phone_number),
        "locale": flow.locale,
        "eventId": flow.event_id,
        "outcome": str(flow.outcome),
        "hook": hook,
        "endUserMessage": flow.end_user_message,
        "fallback": flow.fallback,
        "delivery": {
            "via": flow.delivery_via,
            "sent": flow.delivery_sent,
            "transactionId": flow.delivery_transaction_id,
        },
        "otpExpires": iso(flow.otp_expires) if flow.otp_expires is not None else None,
    }


def render_sent(message: SentMessage) -> dict[str, Any]:
    """The handset's view, message text included: served by the control plane only, never
    logged."""
    return {
        "transactionId": message.transaction_id,
        "flowId": message.flow_id,
        "phoneNumber": message.phone_number,
        "channel": message.channel,
        "text": message.text,
        "sentAt": iso(message.sent_at),
        "failover": message.failover,
    }


def _flow(request: Request) -> Flow:
    flow = runtime(request).backend.flows.get(request.path_params["id"])
    if flow is None:
        raise NotFound(request.path_params["id"], "Flow")
    return flow


def reset(request: Request) -> None:
    runtime(request).backend.reset()


async def start_flow(request: Request) -> Response:
    spec = flows.parse_spec(await json_body(request))
    flow = await flows.run_flow(
        runtime(request), spec, org_url=base_url(request), client_ip=client_ip(request)
    )
    return ok(render_flow(flow))


async def list_flows(request: Request) -> Response:
    return ok([render_flow(f) for f in runtime(request).backend.flows.values()])


async def get_flow(request: Request) -> Response:
    return ok(render_flow(_flow(request)))


async def verify(request: Request) -> Response:
    flow = _flow(request)
    body = await json_body(request)
    otp = body.get("otp") if isinstance(body, dict) else None
    if not isinstance(otp, str):
        raise ValidationFailed("otp", ["otp: a string is required"])
    backend = runtime(request).backend
    result = flow.verify(otp, backend.clock())
    if result == "SUCCESS":
        # What Okta logs when the user entered the code; event hooks subscribed to it get it.
        events.flow_verified(backend.log, flow, client_ip=client_ip(request))
    return ok({"id": flow.id, "result": result})


async def fallback_messages(request: Request) -> Response:
    """What Okta's own provider sent, text included: the handset view for QA."""
    phone = request.query_params.get("phoneNumber")
    messages = runtime(request).backend.provider.messages()
    return ok([render_sent(m) for m in messages if phone is None or m.phone_number == phone])


ROUTES = [
    reset_route(reset),
    Route("/_mock/flows", start_flow, methods=["POST"]),
    Route("/_mock/flows", list_flows, methods=["GET"]),
    Route("/_mock/flows/{id}", get_flow, methods=["GET"]),
    Route("/_mock/flows/{id}/verify", verify, methods=["POST"]),
    Route("/_mock/fallback/messages", fallback_messages, methods=["GET"]),
]
