"""ASGI apps the benchmarks serve (uvicorn ``--factory`` targets).

``bare_starlette``: a Starlette endpoint answering the fixed JSON a successful hook answers,
the ceiling of what one worker can do. ``hook_instant_gateway``: the real hook with the gateway
replaced in-process by one that accepts at once, so only the connector's own work is measured.
``hook_http_gateway``: the real hook against ``BENCH_GATEWAY_URL`` through aiohttp.
"""

from __future__ import annotations

import itertools
import os
import uuid

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connector import answers
from connector.app import create_app
from connector.endpoint import HOOK_PATH
from connector.gateway import GatewayReceipt, OutboundSms
from connector.settings import load_settings

FIXED_ANSWER = answers.command(
    "SUCCESSFUL",
    provider="EZITXT",
    transaction_id="3f1c2b9e-7d4a-4c1e-9b8f-2a6d5e4c3b21",
    metadata="accepted by gateway (HTTP 202)",
    outcome="sent",
).body


class InstantGateway:
    """Accepts every message at once. Ids from a counter: a real gateway makes its own ids, so
    their cost does not belong to the connector's."""

    def __init__(self) -> None:
        self._ids = itertools.count()
        self._prefix = uuid.uuid4().hex[:24]

    async def send(
        self, sms: OutboundSms, *, authorization: str, timeout_s: float
    ) -> GatewayReceipt:
        return GatewayReceipt(http_status=202, message_id=f"{self._prefix}{next(self._ids):012d}")

    async def ping(self, *, timeout_s: float) -> bool:
        return True


def bare_starlette() -> Starlette:
    async def fixed(request: Request) -> Response:
        return Response(FIXED_ANSWER, media_type="application/json")

    return Starlette(routes=[Route(HOOK_PATH, fixed, methods=["POST"])])


def hook_instant_gateway() -> Starlette:
    settings = load_settings({}, gateway_url="http://127.0.0.1:9")
    return create_app(settings, gateway=InstantGateway())


def hook_instant_gateway_env() -> Starlette:
    """``hook_instant_gateway`` with the rest of its settings from ``EZITXT_HOOK_*`` (the
    replay store in Redis when ``EZITXT_HOOK_REDIS_URL`` is set)."""
    settings = load_settings(os.environ, gateway_url="http://127.0.0.1:9")
    return create_app(settings, gateway=InstantGateway())


def hook_http_gateway() -> Starlette:
    settings = load_settings({}, gateway_url=os.environ["BENCH_GATEWAY_URL"])
    return create_app(settings)
