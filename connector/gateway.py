"""The EZITXT gateway as the connector sees it: a Protocol, and its aiohttp adapter.

``POST {GATEWAY_URL}/rest/sms/v2/messages`` with HTTP Basic, body
``{destination, content, reference}`` → 202 ``{"id", "status": "accepted", "detail"}``
(CONTRACT.md §5). The platform has no idempotency key, so a call is retried at most once, and
only when its request provably never left (the connection was refused or not made in time),
after a short pause: an SMS sent twice is billed twice and confuses the user, and a client that
reconnects in a loop turns one dead gateway into a busy core.

The answer's body is read whole, up to ``MAX_ANSWER_BYTES``, before it is interpreted: the id
of a 202 may come chunked or in several writes.
"""

from __future__ import annotations

import asyncio
import json
from contextvars import ContextVar
from typing import Any, NamedTuple, Protocol

import aiohttp
import orjson

from connector.errors import (
    GatewayError,
    GatewayNoAnswer,
    GatewayRejectedCredential,
    GatewayRejectedMessage,
    GatewayUnavailable,
)

MESSAGES_PATH = "/rest/sms/v2/messages"
# The gateway's answers are a few hundred bytes (CONTRACT.md §5); anything far larger is not an
# answer worth holding in memory.
MAX_ANSWER_BYTES = 256 * 1024
# Pause before the one retry of a request that never left: long enough that a gateway which just
# refused is not hammered, short enough to leave the retry most of the budget.
RETRY_PAUSE_S = 0.075
# A retry is worth it only if it can still finish inside the budget.
MIN_RETRY_S = 0.25
# A connection not made within this is not coming: give up early, so a retry or Okta's
# fallback still has time (both timeouts are also capped by the budget left).
CONNECT_TIMEOUT_S = 1.0
# A proxy in front of the gateway answers these when the platform did not answer it in time or
# broke off: the request may have reached the platform (DESIGN.md outcome table).
PROXY_STATUSES = frozenset({502, 504})
# The id of no message (the nil UUID): its read checks a credential and finds nothing.
NO_SUCH_MESSAGE = "00000000-0000-0000-0000-000000000000"


class OutboundSms(NamedTuple):
    # A NamedTuple, not a frozen dataclass: one is made every call (figure: connector.hook).
    destination: str  # E.164
    content: str
    reference: str


class GatewayReceipt(NamedTuple):
    # A NamedTuple, not a frozen dataclass: one is made every call (figure: connector.hook).
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


class _Attempt:
    __slots__ = ("connected", "retryable")

    def __init__(self) -> None:
        # Set once the connector hands over a connection: from then on the request may leave
        # at any moment, so a failure means "may have been sent" (no retry; PENDING).
        self.connected = False
        self.retryable = False  # set when it failed before anything could leave


# The attempt of the current task's POST: aiohttp's connector runs in the task that awaits it.
_ATTEMPT: ContextVar[_Attempt | None] = ContextVar("gateway_attempt", default=None)


class _MarkingConnector(aiohttp.TCPConnector):
    """Marks the current attempt connected when a connection (new or pooled) is handed over.

    This replaced a ``TraceConfig.on_request_headers_sent`` flag, which made aiohttp trace every
    request: -26 us CPU a call (client as shipped 77.8 vs with tracing 103.8 us, bare POST
    63.9; medians of 21 alternated rounds of 1,000 calls, load avg 4-6:
    ``.venv/bin/python -m loadtests.bench.gateway_client_ab --calls 1000 --rounds 21``).
    "Connected" comes a few statements before "headers written", with nothing between them
    that waits: a failure there is taken as a possible send, the safe side (PENDING, never a
    second SMS). aiohttp's error types alone do not tell: its total timeout while connecting
    is a plain ``TimeoutError``, as after sending (test_a_connect_that_hangs_...)."""

    async def connect(
        self, req: aiohttp.ClientRequest, traces: Any, timeout: aiohttp.ClientTimeout
    ) -> Any:
        connection = await super().connect(req, traces, timeout)
        attempt = _ATTEMPT.get()
        if attempt is not None:
            attempt.connected = True
        return connection


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
        self._session = aiohttp.ClientSession(
            connector=_MarkingConnector(
                limit=self._pool_size, keepalive_timeout=self._keepalive_s, ttl_dns_cache=60
            ),
            # identity: answers are read raw (no decompression, so no decompression bomb);
            # aiohttp would otherwise offer gzip, and a gzipped 202 would hide its id.
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Accept-Encoding": "identity",
            },
            auto_decompress=False,
        )

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The pool, once open: the process's one session, shared by the JWKS fetches."""
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(
        self, sms: OutboundSms, *, authorization: str, timeout_s: float
    ) -> GatewayReceipt:
        # UTF-8 as is, as json.dumps(ensure_ascii=False).encode() wrote it: 0.09 vs 2.15 us
        # (best of 7, ``python -m loadtests.bench.gateway_client_ab``, "gateway body" rows).
        body = orjson.dumps(
            {"destination": sms.destination, "content": sms.content, "reference": sms.reference}
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        attempt = _Attempt()
        try:
            return await self._post(body, authorization, timeout_s, attempt)
        except GatewayUnavailable:
            # One more try, only for a request that provably never left, and only if the
            # pause and a useful attempt still fit in the budget.
            if not attempt.retryable or deadline - loop.time() < RETRY_PAUSE_S + MIN_RETRY_S:
                raise
        await asyncio.sleep(RETRY_PAUSE_S)
        return await self._post(body, authorization, deadline - loop.time(), _Attempt())

    async def _post(
        self, body: bytes, authorization: str, timeout_s: float, attempt: _Attempt
    ) -> GatewayReceipt:
        if self._session is None:
            raise RuntimeError("EzitxtGateway.open() was not awaited")
        if timeout_s <= 0:
            raise GatewayUnavailable("no_time_left")
        status: int | None = None
        _ATTEMPT.set(attempt)
        try:
            async with self._session.post(
                self._url,
                data=body,
                headers={"Authorization": authorization},
                timeout=aiohttp.ClientTimeout(
                    total=timeout_s, sock_connect=min(timeout_s, CONNECT_TIMEOUT_S)
                ),
                allow_redirects=False,
            ) as response:
                status = response.status
                early = failure_without_body(status)
                if early is not None:
                    # Nothing in the body would change the outcome: do not wait for it.
                    raise early
                return interpret(status, await read_bounded(response))
        except GatewayError:
            raise
        except TimeoutError:
            if status is not None:
                return interpret(status, None)  # the status came, its body did not
            if attempt.connected:
                raise GatewayNoAnswer("gateway_timeout") from None
            attempt.retryable = True
            raise GatewayUnavailable("gateway_connect_timeout") from None
        except (aiohttp.ClientSSLError, aiohttp.ServerFingerprintMismatch):
            # The gateway is not who it should be, or speaks no TLS we accept: a retry would
            # meet the same certificate.
            raise GatewayUnavailable("gateway_tls_error") from None
        except aiohttp.ClientError:
            if status is not None:
                return interpret(status, None)  # the body broke off after the status
            if attempt.connected:
                # The connection broke once the request could leave: it may have been sent.
                raise GatewayNoAnswer("gateway_connection_lost") from None
            attempt.retryable = True
            raise GatewayUnavailable("gateway_unreachable") from None

    async def check_credential(self, *, authorization: str, timeout_s: float) -> bool | None:
        """Whether the gateway accepts ``authorization``, without sending anything: a read of a
        message no one has (``GET /rest/sms/v2/messages?id=``, CONTRACT.md §5) is judged on the
        credential first (401) and then not found (404). None: the gateway did not say."""
        if self._session is None:
            return None
        try:
            async with self._session.get(
                self._url,
                params={"id": NO_SUCH_MESSAGE},
                headers={"Authorization": authorization},
                timeout=aiohttp.ClientTimeout(
                    total=timeout_s, sock_connect=min(timeout_s, CONNECT_TIMEOUT_S)
                ),
                allow_redirects=False,
            ) as response:
                await read_bounded(response)
                if response.status in (200, 404):
                    return True
                if response.status in (401, 403):
                    return False
                return None
        except (TimeoutError, aiohttp.ClientError):
            return None

    async def ping(self, *, timeout_s: float) -> bool:
        if self._session is None:
            return False
        try:
            async with self._session.get(
                self.base_url + "/",
                timeout=aiohttp.ClientTimeout(total=timeout_s),
                allow_redirects=False,
            ) as response:
                await read_bounded(response)
                return True
        except (TimeoutError, aiohttp.ClientError):
            return False


async def read_bounded(response: aiohttp.ClientResponse) -> bytes | None:
    """The whole body, or None when it is over ``MAX_ANSWER_BYTES`` (declared or as read).

    An answer left unread is not reused: aiohttp closes its connection."""
    declared = response.content_length
    if declared is not None and declared > MAX_ANSWER_BYTES:
        return None
    chunks = []
    size = 0
    async for chunk in response.content.iter_any():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def failure_without_body(status: int) -> GatewayError | None:
    """The error a status stands for whatever its body says, else None (the body decides)."""
    if 200 <= status < 300 or status in (400, 422):
        return None
    if status in (401, 403):
        return GatewayRejectedCredential("gateway_rejected_credential", http_status=status)
    if status in PROXY_STATUSES:
        return GatewayNoAnswer(f"gateway_proxy_{status}", http_status=status)
    # 500 and 503 come from the platform itself: it refused, nothing was sent. So do 3xx
    # (redirects are not followed: CONTRACT.md §1), 404 and 429.
    return GatewayUnavailable(f"gateway_http_{status}", http_status=status)


def interpret(status: int, payload: bytes | None) -> GatewayReceipt:
    """The gateway's HTTP answer → a receipt, or the ``GatewayError`` it stands for.
    ``payload`` None: no body to read (over the size cap, or it never came whole)."""
    early = failure_without_body(status)
    if early is not None:
        raise early
    if 200 <= status < 300:
        # Accepted, whatever the body: an oversized or garbled one gives no usable id, and the
        # hook answers PENDING rather than a failure that would make Okta send a second SMS.
        return GatewayReceipt(http_status=status, message_id=_message_id(payload))
    error = _decode(payload)
    code = error.get("error") if isinstance(error.get("error"), str) else ""
    if code == "invalid_json":
        # Our own request was broken: not the user's fault, nothing was sent.
        raise GatewayUnavailable("gateway_said_invalid_json", http_status=status)
    message = str(error.get("message", "")).lower()
    field = next((f for f in ("destination", "content") if f in message), "")
    reason = code if code in ("missing_attrib", "invalid_attrib", "send_failed") else "rejected"
    raise GatewayRejectedMessage(reason, http_status=status, field=field)


def _decode(payload: bytes | None) -> dict[str, Any]:
    if payload is None:
        return {}
    try:
        document = json.loads(payload)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _message_id(payload: bytes | None) -> str | None:
    message_id = _decode(payload).get("id")
    if isinstance(message_id, str) and 0 < len(message_id) <= 128 and message_id.isprintable():
        return message_id
    return None
