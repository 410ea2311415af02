"""Event hooks on the wire, as Okta calls them (CONTRACT.md §6; verifyEventHook in Okta's
management OpenAPI 2026.06.3; developer.okta.com/docs/concepts/event-hooks):

- verification: one ``GET`` carrying ``X-Okta-Verification-Challenge`` and the hook's headers;
  3 s timeout, one retry after a timeout or an error answer; it passes only on a 200 JSON body
  whose ``verification`` is the challenge;
- delivery: every System Log event that an ACTIVE, VERIFIED hook subscribes to is POSTed to it
  in Okta's body, off the request that caused it (the flow never waits), 3 s timeout, one retry
  after a timeout, a failed connection or a 5xx; at least once. A delivery that still fails is
  written to the System Log as ``event_hook.delivery`` (outcome FAILURE), as Okta does.

All calls share the org's one aiohttp session; nothing here logs a header value or an event.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import secrets
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import aiohttp
from multidict import CIMultiDict
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from mocks.okta import ids
from mocks.okta.backend import OktaBackend, event_hook_entity
from mocks.okta.deliveries import (
    DELIVERED,
    DROPPED,
    HTTP_ERROR,
    TIMEOUT,
    UNREACHABLE,
    Attempt,
    delivery_body,
    retryable,
)
from mocks.okta.event_hooks import EventHook
from mocks.okta.runtime import Runtime

logger = logging.getLogger("mocks.okta.event_hooks")

CHALLENGE_HEADER = "X-Okta-Verification-Challenge"
# A verification answer is a small JSON object; more is not read.
MAX_ANSWER = 64 * 1024
# The request that caused an event, for the org's URL in ``source`` when the app was given no
# ``org_url`` (its scope only: the URL is worked out for the few requests that cause a delivery).
_REQUEST_SCOPE: ContextVar[Scope | None] = ContextVar("okta_request_scope", default=None)


class RememberBaseUrl:
    """Pure ASGI middleware: keeps the request's scope for the ``source`` of deliveries it
    causes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            _REQUEST_SCOPE.set(scope)
        await self.app(scope, receive, send)


def _org_url(runtime: Runtime) -> str:
    if runtime.org_url:
        return runtime.org_url
    scope = _REQUEST_SCOPE.get()
    return str(Request(scope).base_url).rstrip("/") if scope else "http://127.0.0.1"


@dataclass(frozen=True)
class CallResult:
    outcome: str
    http_status: int | None
    duration_ms: int
    body: bytes | None = None
    detail: str | None = None


def _headers(hook: EventHook, extra: dict[str, str]) -> CIMultiDict[str]:
    sent = CIMultiDict[str]()
    sent["Accept"] = "application/json"
    for key, value in extra.items():
        sent[key] = value
    for key, value in hook.headers:
        sent.add(key, value)
    return sent


async def _call(
    session: aiohttp.ClientSession,
    method: str,
    uri: str,
    *,
    headers: CIMultiDict[str],
    runtime: Runtime,
    data: bytes | None = None,
) -> CallResult:
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        async with session.request(
            method,
            uri,
            data=data,
            headers=headers,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=runtime.event_hook_timeout_s),
            ssl=runtime.tls,
        ) as response:
            body = await response.content.read(MAX_ANSWER)
            outcome = DELIVERED if 200 <= response.status < 300 else HTTP_ERROR
            return CallResult(outcome, response.status, elapsed(), body)
    except TimeoutError:
        timeout = runtime.event_hook_timeout_s
        return CallResult(TIMEOUT, None, elapsed(), detail=f"No answer within {timeout:g} s")
    except aiohttp.ClientError as exc:
        return CallResult(
            UNREACHABLE, None, elapsed(), detail=f"Connection failed: {type(exc).__name__}"
        )


def _verification_failure(result: CallResult, challenge: str) -> str | None:
    """Why a verification answer does not verify, or None when it does."""
    if result.outcome in (TIMEOUT, UNREACHABLE):
        return result.detail
    if result.http_status != 200:
        return f"The endpoint answered HTTP {result.http_status}, not 200"
    try:
        answer = json.loads(result.body or b"")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "The endpoint's answer is not JSON"
    if not isinstance(answer, dict) or answer.get("verification") != challenge:
        return "The endpoint's answer does not carry the verification value"
    return None


async def verify(runtime: Runtime, hook: EventHook) -> str | None:
    """The one-time verification call: None when the hook verified, else why not."""
    challenge = secrets.token_urlsafe(32)
    headers = _headers(hook, {CHALLENGE_HEADER: challenge})
    failure: str | None = "not called"
    for _ in range(2):  # "One retry is attempted after a timeout or error response."
        result = await _call(runtime.client(), "GET", hook.uri, headers=headers, runtime=runtime)
        failure = _verification_failure(result, challenge)
        if failure is None or result.outcome == DELIVERED:
            break  # verified, or a 2xx answer that is wrong (not an error answer): no retry
    return failure


class EventDispatcher:
    """Listens to the System Log and delivers what the org's hooks subscribe to."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def backend(self) -> OktaBackend:
        return self._runtime.backend

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def on_event(self, event: dict[str, Any]) -> None:
        """Called by ``SystemLog.emit``: schedule a delivery to each hook that receives it."""
        hooks = self.backend.event_hooks.receiving(str(event["eventType"]))
        if not hooks:
            return
        # Okta's debugData names the event hooks configured to deliver an event.
        event["debugContext"]["debugData"]["eventHookIds"] = ",".join(h.id for h in hooks)
        base = _org_url(self._runtime)
        for hook in hooks:
            body = delivery_body(
                [event],
                source=f"{base}/api/v1/eventHooks/{hook.id}",
                event_id=ids.event_id(),
                now=self.backend.clock(),
            )
            self._schedule(hook, body)

    def _schedule(self, hook: EventHook, body: dict[str, Any]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            logger.warning("event hook %s: no event loop, delivery not sent", hook.id)
            return
        # The hook as it is now: a later change does not alter a delivery already due.
        snapshot = copy.deepcopy(hook)
        task = loop.create_task(self._deliver(snapshot, body))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, hook: EventHook, body: dict[str, Any]) -> None:
        faults = self.backend.deliveries.faults
        events = body["data"]["events"]
        if faults.drop:
            self._record(hook, body, 1, 1, CallResult(DROPPED, None, 0, detail="drop fault"))
            return
        if faults.delay_s:
            await asyncio.sleep(faults.delay_s)
        data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        headers = _headers(hook, {"Content-Type": "application/json"})
        for copy_number in range(1, 3 if faults.duplicate else 2):
            result = await self._send(hook, body, data, headers, copy_number)
            if result.outcome != DELIVERED:
                self._log_failure(hook, events, result)

    async def _send(
        self,
        hook: EventHook,
        body: dict[str, Any],
        data: bytes,
        headers: CIMultiDict[str],
        copy_number: int,
    ) -> CallResult:
        session = self._runtime.session
        result = CallResult(UNREACHABLE, None, 0, detail="The org is shutting down")
        for attempt in (1, 2):
            if session is None or session.closed:
                break
            result = await _call(
                session, "POST", hook.uri, headers=headers, runtime=self._runtime, data=data
            )
            self._record(hook, body, attempt, copy_number, result)
            if not retryable(result.outcome, result.http_status):
                break
        return result

    def _record(
        self,
        hook: EventHook,
        body: dict[str, Any],
        attempt: int,
        copy_number: int,
        result: CallResult,
    ) -> None:
        events = body["data"]["events"]
        self.backend.deliveries.record(
            Attempt(
                delivery_id=str(body["eventId"]),
                hook_id=hook.id,
                event_uuids=tuple(str(e["uuid"]) for e in events),
                event_types=tuple(str(e["eventType"]) for e in events),
                attempt=attempt,
                copy=copy_number,
                outcome=result.outcome,
                http_status=result.http_status,
                duration_ms=result.duration_ms,
                at=self.backend.clock(),
                detail=result.detail,
            )
        )
        logger.info(
            "event hook delivery hook=%s delivery=%s attempt=%d copy=%d outcome=%s "
            "http_status=%s duration_ms=%d",
            hook.id,
            body["eventId"],
            attempt,
            copy_number,
            result.outcome,
            result.http_status,
            result.duration_ms,
        )

    def _log_failure(
        self, hook: EventHook, events: list[dict[str, Any]], result: CallResult
    ) -> None:
        reason = result.detail or f"HTTP {result.http_status}"
        debug = {"eventHookId": hook.id, "eventUuids": ",".join(str(e["uuid"]) for e in events)}
        if result.http_status is not None:
            debug["httpStatus"] = str(result.http_status)
        self.backend.log.emit(
            "event_hook.delivery",
            "Event hook delivery failed",
            result="FAILURE",
            reason=reason,
            severity="WARN",
            targets=(event_hook_entity(hook),),
            debug_data=debug,
        )

    async def close(self) -> None:
        """Cancel what is still due (the session is about to close)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
