"""The EZITXT gateway as the connector sees it: a Protocol, and its aiohttp adapter.

``POST {GATEWAY_URL}/rest/sms/v2/messages`` with HTTP Basic, body
``{destination, content, reference}`` → 202 ``{"id", "status": "accepted", "detail"}``
(CONTRACT.md §5). The platform has no idempotency key, so a call is never retried once its
request may have left: an SMS sent twice is billed twice and confuses the user.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Protocol

import aiohttp

from connector.errors import (
    GatewayNoAnswer,
    GatewayRejectedCredential,
    GatewayRejectedMessage,
    GatewayUnavailable,
)

MESSAGES_PATH = "/rest/sms/v2/messages"
MAX_ANSWER_BYTES = 65536
# A retry is worth it only if it can still finish inside the budget.
MIN_RETRY_S = 0.25
# A connection not made within this is not coming: give up early, so a retry or Okta's
# fallback still has time (both timeouts are also capped by the budget left).
CONNECT_TIMEOUT_S = 1.0


@dataclass(frozen=True, slots=True)
class OutboundSms:
    destination: str  # E.164
    content: str
    reference: str


@dataclass(frozen=True, slots=True)
class GatewayReceipt:
    http_status: int
    message_id: str | None  # None: accepted, but the answer carried no usable id


class Gateway(Protocol):
    async def send(
        self, sms: OutboundSms, *, authorization: str, timeout_s: float
    ) -> GatewayReceipt:
        """Submit one SMS; raise a ``GatewayError`` subclass unless the gateway accepted it."""
        ...

    async def ping(self, *, timeout_s: float) -> bool:
        """True when the gateway answers HTTP at all."""
        ...


async def _mark_sent(
    session: aiohttp.ClientSession, context: SimpleNamespace, params: object
) -> None:
    # From here on the gateway may act on the request: no retry, and silence means PENDING.
    attempt = context.trace_request_ctx
    if isinstance(attempt, _Attempt):
        attempt.sent = True


class _Attempt:
    __slots__ = ("sent",)

    def __init__(self) -> None:
        self.sent = False


class EzitxtGateway:
    """aiohttp client for the gateway; one pooled session, opened and closed by the app's
    lifespan (DESIGN.md decision 10: httpx is ten times slower under concurrency here)."""

    def __init__(self, base_url: str, *, pool_size: int = 512, keepalive_s: float = 4.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._url = self.base_url + MESSAGES_PATH
        self._pool_size = pool_size
        self._keepalive_s = keepalive_s
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        trace = aiohttp.TraceConfig()
        trace.on_request_headers_sent.append(_mark_sent)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=self._pool_size, keepalive_timeout=self._keepalive_s, ttl_dns_cache=60
            ),
            trace_configs=[trace],
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            auto_decompress=False,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(
        self, sms: OutboundSms, *, authorization: str, timeout_s: float
    ) -> GatewayReceipt:
        body = json.dumps(
            {"destination": sms.destination, "content": sms.content, "reference": sms.reference},
            ensure_ascii=False,
        ).encode()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            attempt = _Attempt()
            try:
                return await self._post(body, authorization, deadline - loop.time(), attempt)
            except GatewayUnavailable:
                # Only a request that provably never left is worth a second try.
                if attempt.sent or deadline - loop.time() < MIN_RETRY_S:
                    raise

    async def _post(
        self, body: bytes, authorization: str, timeout_s: float, attempt: _Attempt
    ) -> GatewayReceipt:
        if self._session is None:
            raise RuntimeError("EzitxtGateway.open() was not awaited")
        if timeout_s <= 0:
            raise GatewayUnavailable("no_time_left")
        try:
            async with self._session.post(
                self._url,
                data=body,
                headers={"Authorization": authorization},
                timeout=aiohttp.ClientTimeout(
                    total=timeout_s, sock_connect=min(timeout_s, CONNECT_TIMEOUT_S)
                ),
                allow_redirects=False,
                trace_request_ctx=attempt,
            ) as response:
                payload = await response.content.read(MAX_ANSWER_BYTES)
                return interpret(response.status, payload)
        except TimeoutError:
            if attempt.sent:
                raise GatewayNoAnswer("gateway_timeout") from None
            raise GatewayUnavailable("gateway_connect_timeout") from None
        except aiohttp.ClientError:
            if attempt.sent:
                # The connection broke after the request left: it may have been sent.
                raise GatewayNoAnswer("gateway_connection_lost") from None
            raise GatewayUnavailable("gateway_unreachable") from None

    async def ping(self, *, timeout_s: float) -> bool:
        if self._session is None:
            return False
        try:
            async with self._session.get(
                self.base_url + "/",
                timeout=aiohttp.ClientTimeout(total=timeout_s),
                allow_redirects=False,
            ) as response:
                await response.content.read(MAX_ANSWER_BYTES)
                return True
        except (TimeoutError, aiohttp.ClientError):
            return False


def interpret(status: int, payload: bytes) -> GatewayReceipt:
    """The gateway's HTTP answer → a receipt, or the ``GatewayError`` it stands for."""
    if 200 <= status < 300:
        return GatewayReceipt(http_status=status, message_id=_message_id(payload))
    if status in (401, 403):
        raise GatewayRejectedCredential("gateway_rejected_credential", http_status=status)
    if status in (400, 422):
        error = _decode(payload)
        code = error.get("error") if isinstance(error.get("error"), str) else ""
        if code == "invalid_json":
            # Our own request was broken: not the user's fault, nothing was sent.
            raise GatewayUnavailable("gateway_said_invalid_json", http_status=status)
        message = str(error.get("message", "")).lower()
        field = next((f for f in ("destination", "content") if f in message), "")
        reason = code if code in ("missing_attrib", "invalid_attrib", "send_failed") else "rejected"
        raise GatewayRejectedMessage(reason, http_status=status, field=field)
    raise GatewayUnavailable(f"gateway_http_{status}", http_status=status)


def _decode(payload: bytes) -> dict[str, Any]:
    try:
        document = json.loads(payload)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _message_id(payload: bytes) -> str | None:
    message_id = _decode(payload).get("id")
    if isinstance(message_id, str) and 0 < len(message_id) <= 128 and message_id.isprintable():
        return message_id
    return None
