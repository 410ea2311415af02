"""The aiohttp gateway client against gateways that refuse, lie about TLS, or answer in awkward
pieces (raw sockets: ``tests/connector/raw_gateway.py``). Every call is bounded by its budget;
every server stops with its test."""

from __future__ import annotations

import asyncio
import io
import json
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import requests
import trustme

from connector.app import create_app
from connector.errors import (
    GatewayError,
    GatewayNoAnswer,
    GatewayRejectedCredential,
    GatewayRejectedMessage,
    GatewayUnavailable,
)
from connector.gateway import (
    MAX_ANSWER_BYTES,
    EzitxtGateway,
    GatewayReceipt,
    OutboundSms,
)
from connector.logs import CallLog
from connector.settings import load_settings
from tests.connector import payloads
from tests.connector.raw_gateway import (
    CLOSE_AT_ONCE,
    Script,
    chunked,
    http_answer,
    raw_gateway,
)
from tests.contract import command_value, okta_answer
from tests.servers import free_port, serve

SMS = OutboundSms(payloads.PHONE, payloads.MESSAGE, "evt-gateway-test")
MESSAGE_ID = "7d1e6c0a-2f4b-4c9e-8a3d-5b6f7e8d9c0a"
ACCEPTED = json.dumps({"id": MESSAGE_ID, "status": "accepted", "detail": payloads.PHONE}).encode()


def send(url: str, timeout_s: float = 1.5) -> tuple[GatewayReceipt | GatewayError, int]:
    """One ``send`` through a fresh client: its outcome and how many TCP connects it tried."""

    async def run() -> tuple[GatewayReceipt | GatewayError, int]:
        loop = asyncio.get_running_loop()
        connects = 0
        original: Callable[..., Awaitable[Any]] = loop.sock_connect

        async def counting(*args: Any) -> Any:
            nonlocal connects
            connects += 1
            return await original(*args)

        loop.sock_connect = counting  # type: ignore[method-assign]
        gateway = EzitxtGateway(url)
        await gateway.open()
        try:
            outcome: GatewayReceipt | GatewayError = await gateway.send(
                SMS, authorization=payloads.AUTHORIZATION, timeout_s=timeout_s
            )
        except GatewayError as exc:
            outcome = exc
        finally:
            await gateway.close()
        return outcome, connects

    return asyncio.run(run())


# Item 6 of issue 9: against a refused port one call made 18,144 connect attempts in 2.2 s.
def test_a_refused_connection_is_tried_twice_at_most() -> None:
    outcome, connects = send(f"http://127.0.0.1:{free_port()}", timeout_s=2.0)
    assert isinstance(outcome, GatewayUnavailable)
    assert outcome.reason == "gateway_unreachable"
    assert connects == 2


def test_no_retry_when_the_budget_has_no_room_for_one() -> None:
    outcome, connects = send(f"http://127.0.0.1:{free_port()}", timeout_s=0.2)
    assert isinstance(outcome, GatewayUnavailable) and connects == 1


def test_a_retry_that_succeeds_sends_once() -> None:
    """The first connect refused, the second accepted: one request reaches the gateway."""
    with raw_gateway([http_answer(202, ACCEPTED)]) as gateway:
        url = gateway.url

        async def run() -> GatewayReceipt:
            loop = asyncio.get_running_loop()
            original = loop.sock_connect
            refused = False

            async def refuse_first(sock: Any, address: Any) -> None:
                nonlocal refused
                if not refused:
                    refused = True
                    raise ConnectionRefusedError(111, "Connection refused")
                await original(sock, address)

            loop.sock_connect = refuse_first  # type: ignore[method-assign]
            client = EzitxtGateway(url)
            await client.open()
            try:
                return await client.send(SMS, authorization="Basic eDp5", timeout_s=1.5)
            finally:
                await client.close()

        receipt = asyncio.run(run())
    assert receipt == GatewayReceipt(http_status=202, message_id=MESSAGE_ID)
    assert gateway.accepts == 1 and len(gateway.requests) == 1


def test_a_connect_that_hangs_is_unavailable_not_pending() -> None:
    """A timeout while connecting (the request never left) is "nothing sent", 503, never the
    PENDING of a timeout after sending: the client tells them apart by aiohttp's error type."""

    async def run() -> tuple[GatewayReceipt | GatewayError, int]:
        loop = asyncio.get_running_loop()
        connects = 0

        async def hang(*args: Any) -> None:
            nonlocal connects
            connects += 1
            await asyncio.sleep(5)

        loop.sock_connect = hang  # type: ignore[method-assign]
        gateway = EzitxtGateway(f"http://127.0.0.1:{free_port()}")
        await gateway.open()
        try:
            return await gateway.send(SMS, authorization="Basic eDp5", timeout_s=0.4), connects
        except GatewayError as exc:
            return exc, connects
        finally:
            await gateway.close()

    outcome, connects = asyncio.run(asyncio.wait_for(run(), 3.0))
    assert isinstance(outcome, GatewayUnavailable)
    assert outcome.reason == "gateway_connect_timeout"
    assert connects == 1  # no room left in 0.4 s for a retry


@pytest.fixture(scope="module")
def untrusted_tls() -> ssl.SSLContext:
    """A server context whose certificate comes from a CA the client has never heard of."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(context)
    return context


# Item 6: against an untrusted certificate one call made 1,176 handshakes.
def test_an_untrusted_certificate_is_one_handshake_and_its_own_reason(
    untrusted_tls: ssl.SSLContext,
) -> None:
    with raw_gateway([http_answer(202, ACCEPTED)], ssl_context=untrusted_tls) as gateway:
        outcome, _ = send(gateway.url, timeout_s=2.0)
    assert isinstance(outcome, GatewayUnavailable)
    assert outcome.reason == "gateway_tls_error"
    assert gateway.accepts == 1 and gateway.requests == []


def test_a_connection_closed_at_once_is_never_a_loop() -> None:
    """Closed on accept: the request was written before the close was seen, so it may have
    left (PENDING, no retry); had the close come first, one retry. Never more."""
    with raw_gateway(CLOSE_AT_ONCE) as gateway:
        outcome, _ = send(gateway.url, timeout_s=2.0)
    assert isinstance(outcome, GatewayNoAnswer | GatewayUnavailable)
    assert 1 <= gateway.accepts <= 2


def test_a_connection_broken_after_sending_is_no_answer_and_not_retried() -> None:
    with raw_gateway([b"HTTP/1.1 20"]) as gateway:
        outcome, _ = send(gateway.url)
    assert isinstance(outcome, GatewayNoAnswer)
    assert outcome.reason == "gateway_connection_lost"
    assert gateway.accepts == 1 and len(gateway.requests) == 1


def test_silence_after_sending_is_no_answer_within_the_budget() -> None:
    with raw_gateway([3.0]) as gateway:
        outcome, _ = send(gateway.url, timeout_s=0.3)
    assert isinstance(outcome, GatewayNoAnswer) and outcome.reason == "gateway_timeout"
    assert gateway.accepts == 1


# Item 7 of issue 9: a 202 body read with one read(65536) gave PENDING with no transactionId.
LARGE_ACCEPTED = json.dumps(
    {"id": MESSAGE_ID, "status": "accepted", "detail": "x" * 100_000}
).encode()


@pytest.mark.parametrize(
    "script",
    [
        pytest.param(chunked(202, ACCEPTED[:9], ACCEPTED[9:30], ACCEPTED[30:]), id="chunked"),
        pytest.param(chunked(202, ACCEPTED[:20], 0.05, ACCEPTED[20:]), id="chunked-with-a-pause"),
        pytest.param(
            [http_answer(202, ACCEPTED)[:-30], 0.05, http_answer(202, ACCEPTED)[-30:]],
            id="two-writes",
        ),
        pytest.param([http_answer(202, LARGE_ACCEPTED)], id="over-64-KiB"),
        pytest.param(
            chunked(202, LARGE_ACCEPTED[:70_000], LARGE_ACCEPTED[70_000:]), id="large-chunked"
        ),
    ],
)
def test_a_202_body_is_read_whole_before_it_is_read_for_its_id(script: Script) -> None:
    with raw_gateway(script) as gateway:
        outcome, _ = send(gateway.url)
    assert outcome == GatewayReceipt(http_status=202, message_id=MESSAGE_ID)


OVERSIZED = json.dumps(
    {"id": MESSAGE_ID, "status": "accepted", "detail": "x" * MAX_ANSWER_BYTES}
).encode()


@pytest.mark.parametrize(
    "script",
    [
        pytest.param([http_answer(202, OVERSIZED)], id="declared-length"),
        pytest.param(
            chunked(202, *(OVERSIZED[i : i + 60_000] for i in range(0, len(OVERSIZED), 60_000))),
            id="chunked",
        ),
    ],
)
def test_a_202_over_the_cap_is_accepted_without_an_id(script: Script) -> None:
    """Accepted is accepted: the SMS is on its way, so no failure (Okta would send another),
    but an id cut out of a partial body cannot be trusted."""
    with raw_gateway(script) as gateway:
        outcome, _ = send(gateway.url)
    assert outcome == GatewayReceipt(http_status=202, message_id=None)


def test_a_202_whose_body_stalls_is_accepted_without_an_id() -> None:
    head = b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 90\r\n\r\n"
    with raw_gateway([head, ACCEPTED[:10], 3.0]) as gateway:
        outcome, _ = send(gateway.url, timeout_s=0.4)
    assert outcome == GatewayReceipt(http_status=202, message_id=None)


def test_the_client_asks_for_an_unencoded_answer() -> None:
    """Answers are read raw (no decompression): a gzipped 202 would hide its id."""
    with raw_gateway([http_answer(202, ACCEPTED)]) as gateway:
        outcome, _ = send(gateway.url)
    [(head, body)] = gateway.requests
    assert b"\r\naccept-encoding: identity" in head.lower()
    assert json.loads(body) == {
        "destination": payloads.PHONE,
        "content": payloads.MESSAGE,
        "reference": "evt-gateway-test",
    }
    assert outcome == GatewayReceipt(http_status=202, message_id=MESSAGE_ID)


# Item 11 of issue 9: a proxy's 502/504 means the request may have reached the platform.
@pytest.mark.parametrize(
    ("status", "kind", "reason"),
    [
        (502, GatewayNoAnswer, "gateway_proxy_502"),
        (504, GatewayNoAnswer, "gateway_proxy_504"),
        (500, GatewayUnavailable, "gateway_http_500"),
        (503, GatewayUnavailable, "gateway_http_503"),
        (401, GatewayRejectedCredential, "gateway_rejected_credential"),
    ],
)
def test_5xx_statuses(status: int, kind: type[GatewayError], reason: str) -> None:
    with raw_gateway([http_answer(status, b"<html>upstream</html>")]) as gateway:
        outcome, _ = send(gateway.url)
    assert type(outcome) is kind
    assert isinstance(outcome, GatewayError)
    assert outcome.reason == reason and outcome.http_status == status
    assert gateway.accepts == 1  # a request that left is never sent again


def test_a_rejection_body_in_pieces_still_names_the_field() -> None:
    rejection = json.dumps(
        {"message": "invalid destination", "statusCode": 400, "error": "invalid_attrib"}
    ).encode()
    with raw_gateway(chunked(400, rejection[:12], 0.05, rejection[12:])) as gateway:
        outcome, _ = send(gateway.url)
    assert isinstance(outcome, GatewayRejectedMessage)
    assert (outcome.reason, outcome.field) == ("invalid_attrib", "destination")


@pytest.mark.parametrize(
    ("status", "okta_status", "answer_status", "reason"),
    [
        (502, 200, "PENDING", "gateway_proxy_502"),
        (504, 200, "PENDING", "gateway_proxy_504"),
        (500, 503, None, "gateway_http_500"),
        (503, 503, None, "gateway_http_503"),
    ],
)
def test_what_okta_gets_for_a_gateway_5xx(
    status: int, okta_status: int, answer_status: str | None, reason: str
) -> None:
    calls = io.BytesIO()
    with raw_gateway([http_answer(status, b"Bad Gateway")]) as gateway:
        settings = load_settings({}, gateway_url=gateway.url, budget_ms=1500)
        with serve(create_app(settings, call_log=CallLog("json", stream=calls))) as hook:
            response = requests.post(
                hook + "/okta/telephony",
                data=payloads.body(),
                headers={
                    "Authorization": payloads.AUTHORIZATION,
                    "Content-Type": "application/json",
                },
                timeout=5,
            )
    assert response.status_code == okta_status
    document = okta_answer(response.content)
    if answer_status is None:
        assert "error" in document
    else:
        assert command_value(document)["status"] == answer_status
    assert gateway.accepts == 1
    [line] = [json.loads(line) for line in calls.getvalue().splitlines()]
    assert (line["gateway_status"], line["gateway_reason"]) == (status, reason)
