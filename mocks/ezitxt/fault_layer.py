"""Applies the rules of ``faults`` to gateway requests: the outermost layer of the app.

It sits outside Starlette's own middleware so that it receives uvicorn's ``send`` untouched: a
dropped connection aborts the socket itself, which no response object can do. With no rule in
force, requests pass straight through.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mocks.ezitxt.errors import PayloadTooLarge, SendFailed
from mocks.ezitxt.faults import FaultRule, Faults
from mocks.ezitxt.validation import MAX_BODY_BYTES

log = logging.getLogger("mocks.ezitxt.faults")

GATEWAY_PREFIX = "/rest/"
GARBAGE = b'{"id": "\x00\xff<html><body>Bad Gateway</body>'
DROP_WAIT_S = 1.0


class FaultLayer:
    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not self.faults.active
            or not scope["path"].startswith(GATEWAY_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            too_large = PayloadTooLarge("Request body too large")
            await _respond(send, too_large.status_code, json.dumps(too_large.body()).encode())
            return
        destination = _destination(body) if scope["method"] == "POST" else None
        rule = self.faults.pick(destination)
        if rule is None:
            await self.app(scope, _replay(body, receive), send)
            return
        await self._strike(rule, scope, body, receive, send)

    async def _strike(
        self, rule: FaultRule, scope: Scope, body: bytes, receive: Receive, send: Send
    ) -> None:
        if rule.delay is not None:
            await asyncio.sleep(rule.delay.sample_s(self.faults.rng))
        effect = rule.status is not None or rule.drop or rule.malformed
        if not effect or rule.accept:
            # Let the request through; with ``accept`` its answer is thrown away.
            target = _discard if effect else send
            await self.app(scope, _replay(body, receive), target)
            if not effect:
                return
        log.info("fault struck %s %s", scope["method"], scope["path"])
        if rule.status is not None:
            error = SendFailed("Injected fault", status_code=rule.status)
            await _respond(send, rule.status, json.dumps(error.body()).encode())
        elif rule.malformed:
            await _respond(send, 202, GARBAGE)
        else:
            await _drop(send, receive)


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _discard(message: Message) -> None:
    return None


def _destination(body: bytes) -> str | None:
    try:
        doc: Any = json.loads(body)
    except ValueError:
        return None
    value = doc.get("destination") if isinstance(doc, dict) else None
    return value if isinstance(value, str) else None


async def _respond(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _drop(send: Send, receive: Receive) -> None:
    """Close the connection without a byte of answer."""
    # uvicorn's ``send`` is a bound method of the request cycle, which holds the transport.
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        # Not uvicorn: start an answer and break it off, the closest an ASGI app can get.
        await send({"type": "http.response.start", "status": 202, "headers": []})
        raise ConnectionAbortedError("injected dropped connection")
    transport.abort()
    # Wait for the server to notice, so that it does not answer 500 on the dead connection.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(DROP_WAIT_S):
            while (await receive())["type"] != "http.disconnect":
                pass
