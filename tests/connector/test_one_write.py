"""An answer of known length leaves the guarded protocol in one ``transport.write`` (head and
body together), over a real uvicorn server and a raw socket: one system call an answer, and no
head without its body if the process dies between two writes (connector/http_guard.py)."""

from __future__ import annotations

import asyncio
import gc
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from connector.http_guard import GuardedHttpToolsProtocol
from connector.server_limits import load_server_limits
from tests.servers import serve

BODY = b'{"commands":[]}'


class _Spy:
    """The real transport, with each write recorded."""

    def __init__(self, transport: asyncio.Transport, writes: list[bytes]) -> None:
        self._transport = transport
        self._writes = writes

    def write(self, data: bytes) -> None:
        self._writes.append(bytes(data))
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def _spying_protocol(writes: list[bytes]) -> type[GuardedHttpToolsProtocol]:
    guarded = GuardedHttpToolsProtocol.with_limits(load_server_limits({}))

    class Spying(guarded):  # type: ignore[valid-type,misc]
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(_Spy(transport, writes))  # type: ignore[arg-type]

    return Spying


async def fixed(request: Request) -> Response:
    return Response(BODY, media_type="application/json")


async def streamed(request: Request) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"one"
        yield b"two"

    return StreamingResponse(chunks(), media_type="text/plain")


APP = Starlette(
    routes=[
        Route("/fixed", fixed, methods=["GET", "POST", "HEAD"]),
        Route("/streamed", streamed),
    ]
)


@pytest.fixture
def served() -> Iterator[tuple[str, list[bytes]]]:
    writes: list[bytes] = []
    with serve(APP, http=_spying_protocol(writes), access_log=False) as url:
        yield url, writes


def _exchange(url: str, request: bytes, *, until: bytes, times: int = 1) -> bytes:
    """Send ``request`` on a new connection, read until ``until`` came ``times`` or it closed."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        received = b""
        while received.count(until) < times:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    return received


def test_an_answer_of_known_length_is_one_write(served: tuple[str, list[bytes]]) -> None:
    url, writes = served
    request = b"GET /fixed HTTP/1.1\r\nHost: x\r\n\r\n"
    received = _exchange(url, request + request, until=BODY, times=2)
    assert len(writes) == 2  # two keep-alive answers, one write each
    for write in writes:
        head, _, body = write.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK")
        assert b"content-length: %d" % len(BODY) in head
        assert body == BODY
    assert received == writes[0] + writes[1]


def test_a_closing_answer_is_one_write_before_the_close(served: tuple[str, list[bytes]]) -> None:
    url, writes = served
    received = _exchange(
        url, b"POST /fixed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", until=b"\0"
    )
    assert len(writes) == 1
    assert writes[0].endswith(b"\r\n\r\n" + BODY)
    assert b"connection: close" in writes[0]
    assert received == writes[0]  # all of it, then the server closed


def test_a_head_answer_writes_its_head_alone(served: tuple[str, list[bytes]]) -> None:
    url, writes = served
    received = _exchange(url, b"HEAD /fixed HTTP/1.1\r\nHost: x\r\n\r\n", until=b"\r\n\r\n")
    assert len(writes) == 1
    assert writes[0].endswith(b"\r\n\r\n")
    assert received == writes[0]


def test_a_chunked_answer_still_sends_its_head_first(served: tuple[str, list[bytes]]) -> None:
    url, writes = served
    received = _exchange(url, b"GET /streamed HTTP/1.1\r\nHost: x\r\n\r\n", until=b"0\r\n\r\n")
    assert writes[0].endswith(b"transfer-encoding: chunked\r\n\r\n")  # head, no length to wait for
    assert b"".join(writes[1:]) == b"3\r\none\r\n3\r\ntwo\r\n0\r\n\r\n"
    assert received == b"".join(writes)


@pytest.mark.parametrize(
    "factory", ["loadtests.bench.apps:hook_instant_gateway", "loadtests.bench.apps:bare_starlette"]
)
def test_an_answered_call_leaves_no_garbage_for_the_collector(factory: str) -> None:
    # Once a cycle and its OneWrite held each other: ten objects a call that only the garbage
    # collector freed. Served through the real protocol in memory (no sockets, no threads), the
    # collector off once warmed up: what it then finds unreachable is what the calls left.
    import uvloop

    from loadtests.bench import served_cost

    found: list[int] = []

    def between() -> None:
        gc.collect()
        gc.disable()

    work = served_cost.requests(400, seed=5)
    try:
        uvloop.run(served_cost._serve(factory, [work], between))
        found.append(gc.collect())
    finally:
        gc.enable()
    assert found[0] < 40, f"{found[0]} objects left for the collector by 400 calls"
