"""Sign-in flows: build the telephony request as Okta does, call the active hook, classify the
answer, fall back to Okta's own provider when the hook fails, and log it all (CONTRACT.md §§1–4).
``execute`` is the Preview call: the same hook call, never a fallback."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, replace
from typing import Any

from mocks.okta import events, ids
from mocks.okta.classify import Outcome, Verdict, classify
from mocks.okta.errors import AccessDenied, RateLimited, ValidationFailed
from mocks.okta.flow_model import Flow, mask_phone
from mocks.okta.hook_caller import HookAnswer, call_hook
from mocks.okta.hook_rules import TELEPHONY
from mocks.okta.hooks import InlineHook
from mocks.okta.runtime import Runtime
from mocks.okta.system_log import SYSTEM, Entity
from mocks.okta.telephony import (
    CHANNELS,
    REQUEST_TYPES,
    Challenge,
    build_request,
    execute_problems,
    request_problems,
)
from mocks.okta.token_cache import TokenFailure, TokenSettings

logger = logging.getLogger("mocks.okta.flows")


@dataclass(frozen=True)
class FlowSpec:
    user: str
    request_type: str
    channel: str
    phone_number: str | None = None
    locale: str | None = None
    ip_address: str | None = None


def parse_spec(doc: Any) -> FlowSpec:
    """The body of ``POST /_mock/flows``."""
    if not isinstance(doc, dict):
        raise ValidationFailed("flow", ["body: must be a JSON object"])
    causes = []
    if not isinstance(doc.get("user"), str) or not doc["user"]:
        causes.append("user: an id or login is required")
    if doc.get("requestType") not in REQUEST_TYPES:
        causes.append(f"requestType: one of {', '.join(REQUEST_TYPES)}")
    if doc.get("channel", "SMS") not in CHANNELS:
        causes.append(f"channel: one of {', '.join(CHANNELS)}")
    for name in ("phoneNumber", "locale", "ipAddress"):
        if doc.get(name) is not None and not isinstance(doc[name], str):
            causes.append(f"{name}: must be a string")
    if causes:
        raise ValidationFailed("flow", causes)
    return FlowSpec(
        doc["user"],
        doc["requestType"],
        doc.get("channel", "SMS"),
        doc.get("phoneNumber") or None,
        doc.get("locale") or None,
        doc.get("ipAddress") or None,
    )


async def _call(
    runtime: Runtime, hook: InlineHook, body: Any, actor: Entity
) -> tuple[HookAnswer, Verdict]:
    """One hook call within the org's in-flight limit, and its System Log events."""
    backend = runtime.backend
    if not backend.in_flight.acquire():
        raise RateLimited(int(backend.clock()) + 1, backend.in_flight.limit)
    headers = list(hook.headers)
    if hook.auth_header is not None:
        headers.append(hook.auth_header)
    started = time.monotonic()
    try:
        answer = await _token_then_call(runtime, hook, body, headers)
    finally:
        backend.in_flight.release()
    answer = replace(answer, duration_ms=int((time.monotonic() - started) * 1000))
    verdict = classify(answer)
    events.hook_call(backend.log, hook, answer, verdict, actor)
    return answer, verdict


async def _token_then_call(
    runtime: Runtime, hook: InlineHook, body: Any, headers: list[tuple[str, str]]
) -> HookAnswer:
    """The hook call; for an OAUTH channel an access token first, inside the same budget (the
    token request counts inside the 3 s, CONTRACT.md §3). No token is a failed execution."""
    budget = runtime.hook_timeout_s
    started = time.monotonic()
    timeout_s = budget
    if hook.oauth is not None:
        try:
            token = await runtime.backend.tokens.bearer(
                runtime.client(), TokenSettings.of(hook.oauth), tls=runtime.tls, timeout_s=budget
            )
        except TokenFailure as failure:
            elapsed = int((time.monotonic() - started) * 1000)
            return HookAnswer(None, None, elapsed, failure.outcome, failure.detail)
        headers = [*headers, ("Authorization", f"Bearer {token}")]
        timeout_s = max(0.001, budget - (time.monotonic() - started))
    return await call_hook(
        runtime.client(),
        uri=hook.uri,
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode(),
        headers=headers,
        tls=runtime.tls,
        timeout_s=timeout_s,
    )


async def run_flow(runtime: Runtime, spec: FlowSpec, *, org_url: str, client_ip: str) -> Flow:
    """Run one challenge end to end and record it."""
    backend = runtime.backend
    user = backend.users.get(spec.user)
    refused = backend.phone.refusal(spec.request_type, spec.channel)
    if refused is not None:
        # Okta does not offer SMS for a use its policies switched off: no challenge, no hook
        # call. A client that asks anyway is refused as the API refuses a forbidden action.
        raise AccessDenied([refused.message])
    phone = spec.phone_number or user.profile.get("mobilePhone") or user.profile.get("primaryPhone")
    if not phone:
        raise ValidationFailed("phoneNumber", ["phoneNumber: the user has no mobilePhone"])
    hook = backend.hooks.active_telephony()
    if hook is not None and backend.in_flight.current >= backend.in_flight.limit:
        raise RateLimited(int(backend.clock()) + 1, backend.in_flight.limit)
    now = backend.clock()
    actor = Entity(user.id, "User", user.login, None)
    flow = Flow(
        id=ids.okta_id(ids.FLOW_PREFIX),
        created=now,
        user_id=user.id,
        login=user.login,
        request_type=spec.request_type,
        channel=spec.channel,
        phone_number=phone,
        locale=spec.locale or user.profile.get("locale") or "EN-US",
        outcome=Outcome.DENY,
    )
    backend.flows[flow.id] = flow
    ip = spec.ip_address or client_ip
    if not backend.per_number.allow(phone):
        events.send(backend.log, flow, actor, client_ip=ip)
        _log_line(flow)
        return flow
    challenge = Challenge(
        event_id=ids.event_id(),
        request_id=ids.request_id(),
        hook_id=hook.id if hook else "",
        org_url=runtime.org_url or org_url,
        request_type=spec.request_type,
        channel=spec.channel,
        user_id=user.id,
        login=user.login,
        first_name=user.profile.get("firstName", ""),
        last_name=user.profile.get("lastName", ""),
        phone_number=phone,
        locale=flow.locale,
        otp=ids.otp(),
        now=now,
        ip_address=ip,
        otp_ttl_s=backend.otp_ttl_s,
    )
    flow.otp, flow.otp_expires = challenge.otp, now + backend.otp_ttl_s
    if hook is None:
        flow.outcome = Outcome.NO_HOOK
        _provider_send(runtime, flow, challenge, failover=False)
    else:
        body = build_request(challenge)
        problems = request_problems(body)
        if problems:
            raise RuntimeError(f"the mock built a telephony request off the schema at {problems}")
        flow.hook_id, flow.event_id = hook.id, challenge.event_id
        answer, verdict = await _call(runtime, hook, body, SYSTEM)
        flow.verdict, flow.outcome = verdict, verdict.outcome
        flow.http_status, flow.duration_ms = answer.http_status, answer.duration_ms
        if verdict.fallback:
            _provider_send(runtime, flow, challenge, failover=True)
        else:
            flow.delivery_via, flow.delivery_sent = "HOOK", True
            flow.delivery_transaction_id = verdict.transaction_id
    events.send(backend.log, flow, actor, client_ip=ip)
    _log_line(flow)
    return flow


def _provider_send(runtime: Runtime, flow: Flow, challenge: Challenge, *, failover: bool) -> None:
    sent = runtime.backend.provider.send(
        flow_id=flow.id,
        phone_number=flow.phone_number,
        channel=flow.channel,
        text=challenge.message,
        failover=failover,
    )
    flow.delivery_via = "OKTA_FALLBACK" if failover else "OKTA"
    flow.delivery_sent = sent is not None
    flow.delivery_transaction_id = sent.transaction_id if sent else None


async def execute(runtime: Runtime, hook: InlineHook, body: Any) -> tuple[HookAnswer, Verdict]:
    """``POST /api/v1/inlineHooks/{id}/execute``, as Okta's executeInlineHook says: the body must
    be the payload Okta would send for the hook's type (for a telephony hook, one Okta can read
    as TelephonyRequestExecute: ``execute_problems``), else 400 and the hook is not called; a
    readable body goes out as sent, so incomplete requests can still be tried on purpose. The
    hook's status does not matter: the endpoint "isn't tied to any other functionality in Okta",
    and Okta's help centre previews a hook "before you enable it". Never a fallback."""
    if hook.type == TELEPHONY:
        problems = execute_problems(body)
        if problems:
            raise ValidationFailed(
                "payloadData",
                [f"{path}: not the shape of a telephony inline hook request" for path in problems],
            )
    elif not isinstance(body, dict):
        raise ValidationFailed("payloadData", ["body: must be a JSON object"])
    return await _call(runtime, hook, body, SYSTEM)


def _log_line(flow: Flow) -> None:
    # One line per flow; no OTP, no message text, the phone number masked.
    verdict = flow.verdict
    logger.info(
        "flow id=%s outcome=%s hook=%s http_status=%s duration_ms=%s fallback=%s sent=%s "
        "via=%s phone=%s event_id=%s",
        flow.id,
        flow.outcome,
        flow.hook_id,
        flow.http_status,
        flow.duration_ms,
        verdict.fallback if verdict else False,
        flow.delivery_sent,
        flow.delivery_via,
        mask_phone(flow.phone_number),
        flow.event_id,
    )
