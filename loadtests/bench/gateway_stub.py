"""A minimal EZITXT gateway for the concurrency benchmark: every ``POST /rest/sms/v2/messages``
is accepted (202 ``{"id", "status": "accepted", "detail"}``) after ``BENCH_GATEWAY_DELAY_MS``
(default 200 ms). Plain ASGI, no checks, no storage: it must cost next to nothing, so that what
the benchmark measures is the connector waiting on a slow gateway, not the gateway working.

    uvicorn --factory loadtests.bench.gateway_stub:slow_gateway
"""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

MESSAGES_PATH = "/rest/sms/v2/messages"
HEADERS = [(b"content-type", b"application/json")]


def slow_gateway() -> ASGIApp:
    delay_s = int(os.environ.get("BENCH_GATEWAY_DELAY_MS", "200")) / 1000
    ids = itertools.count()
    prefix = str(uuid.uuid4())[:24]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # nothing to set up or tear down
            while True:
                message = await receive()
                await send({"type": f"{message['type']}.complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if scope["method"] != "POST" or scope["path"] != MESSAGES_PATH:
            await send({"type": "http.response.start", "status": 404, "headers": HEADERS})
            await send({"type": "http.response.body", "body": b"{}"})
            return
        await asyncio.sleep(delay_s)
        destination = orjson.loads(body).get("destination", "")
        answer = {"id": f"{prefix}{next(ids):012d}", "status": "accepted", "detail": destination}
        await send({"type": "http.response.start", "status": 202, "headers": HEADERS})
        await send({"type": "http.response.body", "body": orjson.dumps(answer)})

    return app
