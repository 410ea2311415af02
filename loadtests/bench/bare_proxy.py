"""The ceiling of the full-path benchmark: a Starlette endpoint that reads Okta's request, makes
the one aiohttp POST the hook makes (same session settings as ``connector.gateway``), reads the
gateway's answer and returns a fixed JSON. No credential check, validation, phone number,
replay store or log line: what is left is HTTP in, HTTP out.

    uvicorn --factory loadtests.bench.bare_proxy:bare_proxy   (BENCH_GATEWAY_URL=http://...)
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator

import aiohttp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connector.endpoint import HOOK_PATH
from connector.gateway import MESSAGES_PATH
from loadtests.bench.apps import FIXED_ANSWER

# The same size and shape as the hook's own gateway request.
GATEWAY_BODY = json.dumps(
    {
        "destination": "+64211234567",
        "content": "Your verification code is 482915",
        "reference": "uS5871kJThSsU8qlA1LTcg",
    }
).encode()


def bare_proxy() -> Starlette:
    url = os.environ["BENCH_GATEWAY_URL"].rstrip("/") + MESSAGES_PATH
    state: dict[str, aiohttp.ClientSession] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["session"] = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=512, keepalive_timeout=4.0, ttl_dns_cache=60),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Accept-Encoding": "identity",
            },
            auto_decompress=False,
        )
        try:
            yield
        finally:
            await state["session"].close()

    async def proxy(request: Request) -> Response:
        await request.body()
        async with state["session"].post(
            url,
            data=GATEWAY_BODY,
            headers={"Authorization": request.headers.get("authorization", "")},
            timeout=aiohttp.ClientTimeout(total=2.5, sock_connect=1.0),
            allow_redirects=False,
        ) as answer:
            await answer.read()
        return Response(FIXED_ANSWER, media_type="application/json")

    return Starlette(routes=[Route(HOOK_PATH, proxy, methods=["POST"])], lifespan=lifespan)
