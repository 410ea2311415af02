"""Test doubles for the gateway: an in-process fake behind the ``Gateway`` Protocol, and a
real HTTP stand-in (a Starlette app) whose answer each test scripts."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector.errors import GatewayError
from connector.gateway import GatewayReceipt, OutboundSms


@dataclass
class FakeGateway:
    """Answers from a script: a receipt, or a ``GatewayError`` to raise; records every call."""

    outcome: GatewayReceipt | GatewayError | None = None
    delay_s: float = 0.0
    calls: list[tuple[OutboundSms, str, float]] = field(default_factory=list)

    async def send(
        self, sms: OutboundSms, *, authorization: str, timeout_s: float
    ) -> GatewayReceipt:
        self.calls.append((sms, authorization, timeout_s))
        if self.delay_s:
            await asyncio.sleep(min(self.delay_s, timeout_s))
        outcome = self.outcome or GatewayReceipt(http_status=202, message_id=str(uuid.uuid4()))
        if isinstance(outcome, GatewayError):
            raise outcome
        return outcome

    async def ping(self, *, timeout_s: float) -> bool:
        return True


@dataclass
class StandInGateway:
    """``POST /rest/sms/v2/messages`` answering as scripted in ``status``/``body``/``delay_s``;
    ``drop`` closes the connection without an answer. Records what it received."""

    status: int = 202
    body: Any = None
    delay_s: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        self.status, self.body, self.delay_s = 202, None, 0.0
        self.received.clear()

    def app(self) -> Starlette:
        async def messages(request: Request) -> Response:
            payload = json.loads(await request.body())
            self.received.append(
                {"json": payload, "authorization": request.headers.get("authorization")}
            )
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            if self.body is None and self.status == 202:
                message_id = str(uuid.uuid4())
                body: Any = {
                    "id": message_id,
                    "status": "accepted",
                    "detail": payload["destination"],
                }
            else:
                body = self.body if self.body is not None else {}
            return JSONResponse(body, status_code=self.status)

        async def root(request: Request) -> Response:
            return JSONResponse({"service": "stand-in"})

        return Starlette(
            routes=[
                Route("/rest/sms/v2/messages", messages, methods=["POST"]),
                Route("/", root, methods=["GET"]),
            ]
        )
