"""The hook's HTTP adapter: a plain ASGI endpoint for ``POST /okta/telephony``.

It reads the body under the size cap, hands it to ``TelephonyHook`` under the budget and writes
the answer and the call's log line. Plain ASGI rather than a Starlette request/response
function: this is the hot path, and the wrappers cost a measurable share of it.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Receive, Scope, Send

from connector import answers, logs
from connector.answers import Answer, ErrorCause
from connector.deadlines import Deadlines
from connector.errors import BodyTooLarge
from connector.hook import HookCall, TelephonyHook

HOOK_PATH = "/okta/telephony"

log = logging.getLogger(logs.HOOK_LOGGER)


class HookEndpoint:
    def __init__(
        self, hook: TelephonyHook, call_log: logs.CallLog, deadlines: Deadlines | None = None
    ) -> None:
        self.hook = hook
        self.call_log = call_log
        self.deadlines = deadlines or Deadlines()
        self.auth_header = hook.settings.auth_field.lower().encode("latin-1")
        self.max_body = hook.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        arrived = time.monotonic()
        authorization: str | None = None
        declared = -1
        for name, value in scope["headers"]:
            if name == self.auth_header:
                authorization = value.decode("latin-1")
            elif name == b"content-length" and value.isdigit():
                declared = int(value)
        call = HookCall(authorization=authorization, arrived=arrived, log={})
        answer = await self._answer(call, declared, receive, arrived)
        fields = call.log
        fields["outcome"] = answer.outcome
        fields["http_status"] = answer.http_status
        fields["duration_ms"] = round((time.monotonic() - arrived) * 1000, 1)
        self.call_log.write(fields)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(answer.body)).encode()),
        ]
        headers.extend(answer.headers)
        await send(
            {"type": "http.response.start", "status": answer.http_status, "headers": headers}
        )
        await send({"type": "http.response.body", "body": answer.body})

    async def _answer(
        self, call: HookCall, declared: int, receive: Receive, arrived: float
    ) -> Answer:
        try:
            # Nothing may answer later than the budget, whatever the client or gateway does.
            with self.deadlines.guard(arrived + self.hook.budget_s):
                body = await self._read_body(declared, receive)
                return await self.hook.handle(body, call)
        except BodyTooLarge:
            return answers.error(
                413,
                "The request body is too large.",
                [ErrorCause("Body over the size limit", "body_too_large", location="$")],
                outcome="too_large",
            )
        except TimeoutError:
            # The gateway's own deadline comes first; past this point the SMS may have left.
            if "event_id" in call.log:
                return self.hook.pending("budget_exhausted")
            return answers.error(
                408,
                "The request body did not arrive in time.",
                [ErrorCause("Body not received within the budget", "body_timeout", location="$")],
                outcome="body_timeout",
            )
        except Exception:
            log.exception("hook call failed", extra={"fields": dict(call.log)})
            return answers.error(
                500,
                "The hook failed unexpectedly; no message was confirmed.",
                [ErrorCause("Internal error", "internal_error", location_type="hook")],
                outcome="internal_error",
            )

    async def _read_body(self, declared: int, receive: Receive) -> bytes:
        if declared > self.max_body:
            raise BodyTooLarge("body_too_large")
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            body += message.get("body", b"")
            if len(body) > self.max_body:
                raise BodyTooLarge("body_too_large")
            if not message.get("more_body", False):
                break
        return body


class HookFastPath:
    """Pure ASGI middleware: ``POST /okta/telephony`` goes straight to the endpoint; all else
    goes on to ``app`` as usual."""

    def __init__(self, app: ASGIApp, endpoint: HookEndpoint) -> None:
        self.app = app
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == HOOK_PATH and scope["method"] == "POST":
            await self.endpoint(scope, receive, send)
        else:
            await self.app(scope, receive, send)
