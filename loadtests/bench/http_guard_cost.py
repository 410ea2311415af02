"""What the guard (connector/http_guard.py) costs per request, measured in-process without the
noise of sockets and a shared machine: the same keep-alive requests fed to uvicorn's stock
httptools protocol and to the guarded one, alternating, on one uvloop event loop, with an
ASGI app that answers a fixed body.

    .venv/bin/python -m loadtests.bench.http_guard_cost [--requests 10000] [--rounds 9]

Time is the CPU time of this thread (``time.thread_time``), not wall time: on a machine shared
with other jobs, waiting for a core is not the code's cost. Medians of the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import uvloop
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from connector.http_guard import GuardedHttpToolsProtocol
from connector.server_limits import load_server_limits

REQUEST = (
    b"POST /okta/telephony HTTP/1.1\r\nHost: hook.example.com\r\nUser-Agent: okta\r\n"
    b"Content-Type: application/json\r\nAuthorization: Basic YmVuY2g6YmVuY2g=\r\n"
    b"Accept: application/json\r\nContent-Length: 2\r\n\r\n{}"
)
# The guard may add at most 3 µs a request: under 5% of a hook answer, which costs >= 60 µs of
# CPU (the hook answers at most ~16,000/s on one core: loadtests.bench.connector_overhead).
TARGET_US = 3.0


class Transport:
    """Enough of an asyncio transport for uvicorn's protocol; counts answers written."""

    def __init__(self) -> None:
        self.answers = 0
        self.done: asyncio.Event | None = None
        self.closing = False

    def write(self, data: bytes) -> None:
        if data.endswith(b"ok"):
            self.answers += 1
            if self.done is not None:
                self.done.set()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 8401) if name in ("sockname", "peername") else default

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def set_protocol(self, protocol: Any) -> None: ...


async def answer(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await receive()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
    )
    await send({"type": "http.response.body", "body": b"ok"})


async def run(protocol_class: type[HttpToolsProtocol], requests: int) -> float:
    config = Config(answer, lifespan="off", access_log=False, log_level="warning")
    config.load()
    protocol = protocol_class(config, ServerState(), {})
    transport = Transport()
    protocol.connection_made(transport)  # type: ignore[arg-type]
    started = time.thread_time()
    for _ in range(requests):
        transport.done = asyncio.Event()
        protocol.data_received(REQUEST)
        await transport.done.wait()
    seconds = time.thread_time() - started
    assert transport.answers == requests, transport.answers
    protocol.connection_lost(None)
    return seconds / requests * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    guarded = GuardedHttpToolsProtocol.with_limits(load_server_limits({}))
    classes: dict[str, type[HttpToolsProtocol]] = {"stock": HttpToolsProtocol, "guarded": guarded}
    micros: dict[str, list[float]] = {name: [] for name in classes}

    async def measure() -> None:
        for protocol_class in classes.values():  # warm both
            await run(protocol_class, 2000)
        for _ in range(args.rounds):
            for name, protocol_class in classes.items():
                micros[name].append(await run(protocol_class, args.requests))

    uvloop.run(measure())
    stock, guard = (statistics.median(micros[name]) for name in classes)
    cost = guard - stock
    print(
        f"uvicorn httptools protocol, one keep-alive connection, {args.requests:,} requests x "
        f"{args.rounds} rounds alternating (request, parse, ASGI app, answer):"
    )
    for name, median in (("stock", stock), ("guarded", guard)):
        rounds = ", ".join(f"{m:.2f}" for m in micros[name])
        print(f"  {name:<8}{median:.2f} µs of CPU a request (rounds: {rounds})")
    verdict = "PASS" if cost <= TARGET_US else "FAIL"
    share = f"{cost / stock:+.0%} of the stock protocol's work"
    print(
        f"  guard cost: {cost:+.2f} µs a request ({share}; target <= {TARGET_US:g} µs): {verdict}"
    )
    return 0 if cost <= TARGET_US else 1


if __name__ == "__main__":
    raise SystemExit(main())
