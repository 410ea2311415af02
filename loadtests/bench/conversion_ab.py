"""In-process A/B of conversion feedback's cost on the hot path: CPU µs per hook call through
the whole ASGI app (instant gateway, fresh eventIds), with ``EZITXT_HOOK_EVENTS_SECRET`` set
(the block read before deciding, the send recorded in the background, memory store) against
the same app without it, alternated in one run, best of 5 (``time.process_time``). Each call
(or each ``--concurrency`` calls at once) is followed by one turn of the event loop on both
sides, so that the recording's own task is measured with the calls that made it.

    .venv/bin/python -m loadtests.bench.conversion_ab [--number 50000] [--redis] [--concurrency N]

``--redis``: both sides share their state in a real ``redis-server`` (the replay store on
both; on one side conversion's too): CPU of this process only, Redis' own is apart.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import tempfile
import time
from pathlib import Path
from typing import Any

import uvloop

from connector import logs
from connector.app import create_app
from connector.settings import load_settings
from loadtests.bench.apps import InstantGateway
from loadtests.bench.harness import table
from loadtests.bench.metrics_ab import bodies
from loadtests.bench.micro_ab import post_in_process


async def run(app: Any, chunk: list[bytes], concurrency: int = 1) -> float:
    started = time.process_time()
    for first in range(0, len(chunk), concurrency):
        batch = chunk[first : first + concurrency]
        await asyncio.gather(*(post_in_process(app, body) for body in batch))
        await asyncio.sleep(0)
    return (time.process_time() - started) / len(chunk) * 1e6


def app_with(**settings: Any) -> Any:
    quiet = logs.CallLog("json", stream=io.BytesIO())
    values = load_settings({}, gateway_url="http://127.0.0.1:9", **settings)
    return create_app(values, gateway=InstantGateway(), call_log=quiet)


def measure(number: int, redis_url: str | None = None, concurrency: int = 1) -> tuple[float, float]:
    shared: dict[str, Any] = {}
    if redis_url:
        shared = {"redis_url": redis_url, "state_secret": "b" * 32, "redis_timeout_ms": 1000}

    async def main() -> tuple[float, float]:
        with_feedback = app_with(events_secret="Basic " + "e" * 32, **shared)
        without = app_with(**shared)
        step = max(1, number // 5)
        on, off = [], []
        async with contextlib.AsyncExitStack() as stack:
            for app in (with_feedback, without):  # their lifespans open the Redis pools
                await stack.enter_async_context(app.router.lifespan_context(app))
            for n in range(5):
                on.append(await run(with_feedback, bodies(step, f"on{n}x"), concurrency))
                off.append(await run(without, bodies(step, f"off{n}x"), concurrency))
        return min(on), min(off)

    return uvloop.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--number", type=int, default=50_000, help="calls per side")
    parser.add_argument("--redis", action="store_true", help="state in a real redis-server")
    parser.add_argument("--concurrency", type=int, default=1, help="calls in flight at once")
    args = parser.parse_args()
    store = "Redis" if args.redis else "memory"
    if args.redis:
        from loadtests.bench.replica_state import Redis

        with tempfile.TemporaryDirectory() as workdir:
            redis = Redis(Path(workdir))
            try:
                on, off = measure(args.number, redis.url, args.concurrency)
            finally:
                redis.stop()
    else:
        on, off = measure(args.number, None, args.concurrency)
    print(
        table(
            [f"hook call, whole ASGI app, {args.concurrency} in flight", "CPU µs"],
            [
                [f"with conversion feedback ({store} store)", f"{on:.1f}"],
                ["without (EVENTS_SECRET unset)", f"{off:.1f}"],
                ["feedback's cost", f"{on - off:.1f} ({(on - off) / off:.0%})"],
            ],
        )
    )


if __name__ == "__main__":
    main()
