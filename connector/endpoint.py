"""The hook's HTTP adapter: a plain ASGI endpoint for ``POST /okta/telephony``.

It reads the auth field and the body (under the size cap and the hook's deadline), hands them
to ``TelephonyHook`` as a ``HookCall``, and writes the answer and the call's one log line,
built from what the hook decided. Every answer comes from ``connector.outcomes``. Plain ASGI
rather than a Starlette request: the body is read as it streams, refused the moment it passes
the cap (``Request.body()`` would read all of it first).
"""

from __future__ import annotations

import logging
import time

from starlette.types import Receive, Scope, Send

from connector import logs
from connector.call_fields import call_fields
from connector.errors import BodyTooLarge
from connector.hook import Handled, HookCall, TelephonyHook
from connector.metrics import HookMetrics
from connector.refusals import BODY_TIMEOUT, TOO_LARGE, Refusal

HOOK_PATH = "/okta/telephony"
# Admins paste the URL with or without the slash, and Okta never follows a redirect
# (CONTRACT.md §1): both are the hook.
HOOK_PATHS = frozenset({HOOK_PATH, HOOK_PATH + "/"})

log = logging.getLogger(logs.HOOK_LOGGER)


class HookEndpoint:
    def __init__(
        self, hook: TelephonyHook, call_log: logs.CallLog, metrics: HookMetrics | None = None
    ) -> None:
        self.hook = hook
        self.call_log = call_log
        self.metrics = metrics or HookMetrics()
        self.deadlines = hook.deadlines
        self.auth_header = hook.settings.auth_field.lower().encode("latin-1")
        self.max_body = hook.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        arrived = time.monotonic()
        authorizations: tuple[str, ...] = ()
        declared = -1
        for name, value in scope["headers"]:
            if name == self.auth_header:
                # Header bytes are latin-1 by HTTP's rules: any byte decodes, and the
                # credential's own check refuses what is not ASCII base64.
                authorizations += (value.decode("latin-1"),)
            elif name == b"content-length" and value.isdigit():
                declared = int(value)
        self.metrics.arrived()
        try:
            handled = await self._handle(authorizations, declared, receive, arrived)
        except BaseException:
            self.metrics.abandoned()  # cancelled (the client or the server went away)
            raise
        answer = handled.answer
        duration_s = time.monotonic() - arrived
        # The log line and the metrics: both from the same values, here and only here.
        self.call_log.write(call_fields(handled, duration_ms=round(duration_s * 1000, 1)))
        self.metrics.observe_call(handled, duration_s)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(answer.body)).encode()),
        ]
        headers.extend(answer.headers)
        await send(
            {"type": "http.response.start", "status": answer.http_status, "headers": headers}
        )
        await send({"type": "http.response.body", "body": answer.body})

    async def _handle(
        self, authorizations: tuple[str, ...], declared: int, receive: Receive, arrived: float
    ) -> Handled:
        outcomes = self.hook.outcomes
        try:
            try:
                with self.deadlines.guard(self.hook.deadline(arrived)):
                    body = await self._read_body(declared, receive)
            except BodyTooLarge:
                refusal = Refusal(TOO_LARGE)
                return Handled(outcomes.refused(refusal), decision=refusal)
            except TimeoutError:
                refusal = Refusal(BODY_TIMEOUT)
                return Handled(outcomes.refused(refusal), decision=refusal)
            # The hook holds its own deadline from here, and answers PENDING past it once a
            # send has started.
            call = tuple.__new__(HookCall, (authorizations, body, arrived))
            return await self.hook.handle(call)
        except Exception:
            log.exception("hook call failed")
            return Handled(outcomes.internal_error())

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
