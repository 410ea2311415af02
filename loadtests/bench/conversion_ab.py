"""In-process A/B of conversion feedback's cost on the hot path: CPU µs per hook call through
the whole ASGI app (instant gateway, fresh eventIds), with ``EZITXT_HOOK_EVENTS_SECRET`` set
(the block read before deciding, the send recorded in the background, memory store) against
the same app without it, alternated in one run, best of 5 (``time.process_time``). Each call
is followed by one turn of the event loop on both sides, so that the recording's own task is
measured with the call that made it.

    .venv/bin/python -m loadtests.bench.conversion_ab [--number 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import time
from typing import Any

import uvloop

from connector import logs
from connector.app import create_app
from connector.settings import load_settings
from loadtests.bench.apps import InstantGateway
from loadtests.bench.harness import table
from loadtests.bench.metrics_ab import bodies
from loadtests.bench.micro_ab import AUTHORIZATION


async def run(app: Any, chunk: list[bytes]) -> float:
    async def send(message: Any) -> None:
        return None

    started = time.process_time()
    for body in chunk:
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/okta/telephony",
            "headers": [
                (b"authorization", AUTHORIZATION.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
        message = {"type": "http.request", "body": body, "more_body": False}

        async def receive(message: Any = message) -> Any:
            return message

        await app(scope, receive, send)
        await asyncio.sleep(0)
    return (time.process_time() - started) / len(chunk) * 1e6


def app_with(**settings: Any) -> Any:
    quiet = logs.CallLog("json", stream=io.BytesIO())
    values = load_settings({}, gateway_url="http://127.0.0.1:9", **settings)
    return create_app(values, gateway=InstantGateway(), call_log=quiet)


def measure(number: int) -> tuple[float, float]:
    async def main() -> tuple[float, float]:
        with_feedback = app_with(events_secret="Basic " + "e" * 32)
        without = app_with()
        step = max(1, number // 5)
        on, off = [], []
        for n in range(5):
            on.append(await run(with_feedback, bodies(step, f"on{n}x")))
            off.append(await run(without, bodies(step, f"off{n}x")))
        return min(on), min(off)

    return uvloop.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--number", type=int, default=50_000, help="calls per side")
    args = parser.parse_args()
    on, off = measure(args.number)
    print(
        table(
            ["hook call, whole ASGI app", "CPU µs"],
            [
                ["with conversion feedback (memory store)", f"{on:.1f}"],
                ["without (EVENTS_SECRET unset)", f"{off:.1f}"],
                ["feedback's cost", f"{on - off:.1f} ({(on - off) / off:.0%})"],
            ],
        )
    )


if __name__ == "__main__":
    main()
