"""In-process A/B of the gateway client's CPU a call: the client as shipped, against the bare
aiohttp POST the full-path benchmark's bare proxy makes, and against the client with each
dropped piece put back (aiohttp request tracing, a ``json.dumps`` body). All against the same
nginx gateway answering 202 at once (``nginx_gateway.py``, on its own core), on uvloop, in one
process: CPU µs a call (``time.process_time``, which the neighbours' load on a shared machine
moves far less than throughput), variants alternated round by round, medians.

    .venv/bin/python -m loadtests.bench.gateway_client_ab [--calls 3000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import timeit
from collections.abc import Awaitable, Callable
from types import SimpleNamespace

import aiohttp
import orjson
import uvloop

from connector.gateway import MESSAGES_PATH, EzitxtGateway, OutboundSms
from loadtests.bench.harness import table
from loadtests.bench.nginx_gateway import nginx_gateway

SMS = OutboundSms("+64211234567", "Your verification code is 482915", "uS5871kJThSsU8qlA1LTcg")
AUTHORIZATION = "Basic b2t0YS1ob29rOnMzY3JldC1QYTU1d29yZA=="
IN_FLIGHT = 16  # calls awaited together, as a loaded server has several in flight


class TracedGateway(EzitxtGateway):
    """The client with the dropped ``on_request_headers_sent`` trace put back."""

    async def open(self) -> None:
        await super().open()
        assert self._session is not None
        await self._session.close()

        async def mark_sent(
            session: aiohttp.ClientSession, context: SimpleNamespace, params: object
        ) -> None:
            context.sent = True

        trace = aiohttp.TraceConfig()
        trace.on_request_headers_sent.append(mark_sent)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=self._pool_size, keepalive_timeout=self._keepalive_s, ttl_dns_cache=60
            ),
            trace_configs=[trace],
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Accept-Encoding": "identity",
            },
            auto_decompress=False,
        )


async def cpu_us_per_call(call: Callable[[], Awaitable[object]], calls: int) -> float:
    started = time.process_time()
    for _ in range(calls // IN_FLIGHT):
        await asyncio.gather(*(call() for _ in range(IN_FLIGHT)))
    return (time.process_time() - started) / calls * 1e6


async def measure(url: str, calls: int, rounds: int) -> dict[str, list[float]]:
    shipped = EzitxtGateway(url)
    traced = TracedGateway(url)
    await shipped.open()
    await traced.open()
    bare = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=512, keepalive_timeout=4.0, ttl_dns_cache=60),
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Encoding": "identity",
        },
        auto_decompress=False,
    )
    bare_url = url + MESSAGES_PATH
    body = orjson.dumps(
        {"destination": SMS.destination, "content": SMS.content, "reference": SMS.reference}
    )

    async def bare_post() -> object:
        async with bare.post(
            bare_url,
            data=body,
            headers={"Authorization": AUTHORIZATION},
            timeout=aiohttp.ClientTimeout(total=2.5, sock_connect=1.0),
            allow_redirects=False,
        ) as answer:
            return await answer.read()

    variants: dict[str, Callable[[], Awaitable[object]]] = {
        "bare aiohttp POST": bare_post,
        "client as shipped": lambda: shipped.send(SMS, authorization=AUTHORIZATION, timeout_s=2.5),
        "client + request tracing (dropped)": lambda: traced.send(
            SMS, authorization=AUTHORIZATION, timeout_s=2.5
        ),
    }
    figures: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for call in variants.values():  # warm up: pools open, code paths hot
            await cpu_us_per_call(call, IN_FLIGHT * 20)
        for _ in range(rounds):
            for name, call in variants.items():
                figures[name].append(await cpu_us_per_call(call, calls))
    finally:
        await shipped.close()
        await traced.close()
        await bare.close()
    return figures


def body_dump_us(number: int = 100_000) -> tuple[float, float]:
    fields = {"destination": SMS.destination, "content": SMS.content, "reference": SMS.reference}

    def best(function: Callable[[], object]) -> float:
        runs = timeit.repeat(function, number=number, repeat=7, timer=time.process_time)
        return min(runs) / number * 1e6

    return (
        best(lambda: orjson.dumps(fields)),
        best(lambda: json.dumps(fields, ensure_ascii=False).encode()),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000, help="calls per variant and round")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds")
    args = parser.parse_args(argv)
    with nginx_gateway() as url:
        figures = uvloop.run(measure(url, args.calls, args.rounds))
    bare = statistics.median(figures["bare aiohttp POST"])
    rows = [
        [
            name,
            f"{statistics.median(runs):.1f}",
            f"{statistics.median(runs) - bare:+.1f}",
            " ".join(f"{run:.0f}" for run in runs),
        ]
        for name, runs in figures.items()
    ]
    print(
        f"gateway client: {args.rounds} rounds x {args.calls} calls, {IN_FLIGHT} in flight, "
        "nginx answering 202"
    )
    print(table(["variant", "CPU us/call (median)", "vs bare", "each round"], rows))
    shipped, dropped = body_dump_us()
    print(
        table(
            ["gateway body", "CPU us/call (best of 7)"],
            [
                ["orjson.dumps (shipped)", f"{shipped:.2f}"],
                ["json.dumps().encode()", f"{dropped:.2f}"],
            ],
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
