"""In-process A/B of ``connector.heap.settle`` (the start-up heap frozen, a higher young
threshold) against Python's garbage collector as it comes: the whole hook app (the ASGI app
``create_app`` builds) called directly with Okta-shaped requests (fresh eventIds, varied
numbers), 16 in flight, no HTTP server in front; its gateway is nginx answering 202 at once
(``nginx_gateway.py``, on its own core) through the real aiohttp client, or, with
``--instant``, an in-process gateway that accepts at once. CPU µs a call
(``time.process_time``) and the share of it spent in the collector (``gc.callbacks``), the
variants alternated round by round in one process (``gc.unfreeze`` and the default
thresholds for one, ``settle``'s for the other), medians.

    .venv/bin/python -m loadtests.bench.gc_ab [--calls 4000] [--rounds 7] [--instant]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import time
from typing import Any

import uvloop

from connector import heap, logs
from connector.app import create_app
from connector.settings import load_settings
from loadtests.bench.apps import BENCH_LIMITS, InstantGateway
from loadtests.bench.harness import table
from loadtests.bench.nginx_gateway import nginx_gateway

REQUEST = "schemas/okta/examples/telephony-request.mfa-verification-nz-e164.pass.json"
AUTHORIZATION = b"Basic YmVuY2g6YmVuY2gtcGFzc3dvcmQ="
DEFAULT_THRESHOLDS = (700, 10, 10)
IN_FLIGHT = 16


class GcClock:
    """CPU seconds spent inside the collector, from its start/stop callbacks."""

    def __init__(self) -> None:
        self.spent = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.spent += time.process_time() - self._started


def bodies(count: int) -> list[bytes]:
    with open(REQUEST) as f:
        template = json.load(f)
    out = []
    for i in range(count):
        template["eventId"] = f"gcab{random.randrange(10**12):012d}{i:08d}"
        template["data"]["messageProfile"]["phoneNumber"] = f"+6421{random.randrange(10**7):07d}"
        out.append(json.dumps(template).encode())
    return out


async def call(app: Any, body: bytes) -> None:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/okta/telephony",
        "raw_path": b"/okta/telephony",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"authorization", AUTHORIZATION),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 9000),
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise SystemExit(f"answer {message['status']}")

    await app(scope, receive, send)


async def calls_of(app: Any, work: list[bytes]) -> None:
    for start in range(0, len(work), IN_FLIGHT):
        await asyncio.gather(*(call(app, body) for body in work[start : start + IN_FLIGHT]))


async def measure(
    gateway_url: str | None, calls: int, rounds: int
) -> dict[str, list[tuple[float, float]]]:
    devnull = open(os.devnull, "wb")  # noqa: SIM115 (closed below)
    app = create_app(
        load_settings({}, gateway_url=gateway_url or "http://127.0.0.1:9", **BENCH_LIMITS),
        gateway=None if gateway_url else InstantGateway(),
        call_log=logs.CallLog("json", stream=devnull),
        settle_heap=False,
    )
    clock = GcClock()
    gc.callbacks.append(clock)
    figures: dict[str, list[tuple[float, float]]] = {"gc as it comes": [], "heap.settle": []}
    async with app.router.lifespan_context(app):
        await calls_of(app, bodies(1000))  # warm up: the pool open, code paths hot
        for _ in range(rounds):
            for name in figures:
                work = bodies(calls)  # built before the clock starts, fresh eventIds
                gc.unfreeze()
                gc.set_threshold(*DEFAULT_THRESHOLDS)
                gc.collect()
                if name == "heap.settle":
                    heap._settled = False
                    heap.settle()
                clock.spent = 0.0
                started = time.process_time()
                await calls_of(app, work)
                used = time.process_time() - started
                figures[name].append((used / calls * 1e6, clock.spent / used))
    gc.callbacks.remove(clock)
    devnull.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4000, help="calls per variant and round")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds")
    parser.add_argument("--instant", action="store_true", help="in-process gateway, no nginx")
    args = parser.parse_args(argv)
    if args.instant:
        figures = uvloop.run(measure(None, args.calls, args.rounds))
    else:
        with nginx_gateway() as url:
            figures = uvloop.run(measure(url, args.calls, args.rounds))
    rows = [
        [
            name,
            f"{statistics.median(us for us, _ in runs):.1f}",
            f"{statistics.median(share for _, share in runs):.1%}",
            " ".join(f"{us:.0f}" for us, _ in runs),
        ]
        for name, runs in figures.items()
    ]
    gateway = "in-process instant gateway" if args.instant else "nginx gateway"
    print(
        f"gc A/B: {args.rounds} rounds x {args.calls} calls of the whole hook app, in-process, "
        f"{IN_FLIGHT} in flight, {gateway}"
    )
    print(table(["variant", "CPU us/call (median)", "in the collector", "each round"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
