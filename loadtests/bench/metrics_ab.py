"""In-process A/B of the metrics' cost on the hot path: CPU µs per hook call through the whole
ASGI app (instant gateway, fresh eventIds), with the metrics (``connector.metrics``) against the
same app with them taken out, alternated in one run, best of 5 (``time.process_time``, so that
neighbours' load moves it little).

    .venv/bin/python -m loadtests.bench.metrics_ab [--number 50000]
"""

from __future__ import annotations

import argparse
import io
import time
from typing import Any

import orjson
import uvloop

from connector import logs, metrics
from connector.hook import Handled
from loadtests.bench import apps
from loadtests.bench.harness import table
from loadtests.bench.micro_ab import REQUEST, post_in_process


class NoMetrics:
    def arrived(self) -> None:
        return None

    def abandoned(self) -> None:
        return None

    def observe_call(self, handled: Handled, duration_s: float) -> None:
        return None


def bodies(count: int, prefix: str) -> list[bytes]:
    with open(REQUEST, encoding="utf-8") as example:
        template = orjson.loads(example.read())
    made = []
    for n in range(count):
        template["eventId"] = f"{prefix}{n:017d}"
        made.append(orjson.dumps(template))
    return made


async def run(app: Any, chunk: list[bytes]) -> float:
    started = time.process_time()
    for body in chunk:
        await post_in_process(app, body)
    return (time.process_time() - started) / len(chunk) * 1e6


def measure(number: int) -> tuple[float, float]:
    async def main() -> tuple[float, float]:
        quiet = logs.CallLog("json", stream=io.BytesIO())
        with_metrics = apps.hook_with(call_log=quiet)
        without = apps.hook_with(call_log=quiet)
        endpoint = without.hook_endpoint  # type: ignore[attr-defined]
        endpoint.metrics = NoMetrics()
        gateway = endpoint.hook.gateway
        assert isinstance(gateway, metrics.MeteredGateway)
        endpoint.hook.gateway = gateway.gateway
        step = max(1, number // 5)
        on, off = [], []
        for n in range(5):
            on.append(await run(with_metrics, bodies(step, f"on{n}x")))
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
                ["with metrics", f"{on:.1f}"],
                ["without metrics", f"{off:.1f}"],
                ["metrics' cost", f"{on - off:.1f} ({(on - off) / off:.0%})"],
            ],
        )
    )


if __name__ == "__main__":
    main()
