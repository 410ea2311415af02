"""In-process A/B of each hot-path shortcut the connector keeps, against the plain library call
it replaces, and of each it dropped, against the plain call it ships instead: CPU µs a call
(``time.process_time``, so that neighbours' load on a shared machine moves it little), best of
7 runs, both sides in the same run. The figures the shortcuts' docstrings quote come from here;
throughput A/Bs over HTTP are in ``hot_path_ab``.

    .venv/bin/python -m loadtests.bench.micro_ab [--number 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import time
import timeit
from collections.abc import Callable
from hashlib import blake2b
from typing import Any

import orjson
import uvloop

from connector import answers, credentials, logs
from connector.deadlines import Deadlines
from connector.replays import Fingerprints
from connector.validation import RequestValidator, _count_unknown
from loadtests.bench.harness import table

TRANSACTION_ID = "3f1c2b9e-7d4a-4c1e-9b8f-2a6d5e4c3b21"
AUTHORIZATION = "Basic b2t0YS1ob29rOnMzY3JldC1QYTU1d29yZA=="
REQUEST = "schemas/okta/examples/telephony-request.mfa-verification-nz-e164.pass.json"
FIELDS = {
    "event_id": "uS5871kJThSsU8qlA1LTcg",
    "okta_request_id": "reqRgSk8IBBRhuo0YdlEDTmUw",
    "request_type": "mfa-verification",
    "channel": "sms",
    "number": "***567",
    "country": "NZ",
    "gateway_status": 202,
    "message_id": TRANSACTION_ID,
    "outcome": "sent",
    "http_status": 200,
    "duration_ms": 1.5,
}


async def post_in_process(app: Any, body: bytes) -> None:
    """One POST of ``body`` to the hook path straight through the ASGI ``app`` (no HTTP, no
    socket), its answer dropped: what the in-process A/B benchmarks time."""
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

    async def receive() -> Any:
        return message

    async def send(answer: Any) -> None:
        return None

    await app(scope, receive, send)


def best_us(function: Callable[[], object], number: int) -> float:
    runs = timeit.repeat(function, number=number, repeat=7, timer=time.process_time)
    return min(runs) / number * 1e6


def answer_pairs() -> tuple[Callable[[], object], Callable[[], object]]:
    def shipped() -> object:
        return answers.command(
            "SUCCESSFUL",
            provider="EZITXT",
            transaction_id=TRANSACTION_ID,
            metadata="accepted by gateway (HTTP 202)",
            outcome="sent",
        )

    hole = "\0id\0"
    frame = {"status": "SUCCESSFUL", "provider": "EZITXT", "transactionId": hole}
    frame["transactionMetadata"] = "accepted by gateway (HTTP 202)"
    before, _, after = orjson.dumps(
        {"commands": [{"type": answers.ACTION, "value": [frame]}]}
    ).partition(orjson.dumps(hole))

    def plain_dump() -> object:  # dropped shortcut: the frame once, the id spliced in
        return answers.Answer(200, before + orjson.dumps(TRANSACTION_ID) + after, "sent")

    return shipped, plain_dump


def call_line_pairs() -> tuple[Callable[[], object], Callable[[], object], Callable[[], object]]:
    stream = io.BytesIO()
    call_log = logs.CallLog("json", stream=stream)
    stamp = logs.JsonFormatter()

    def shipped() -> object:
        stream.seek(0)
        call_log.write(FIELDS)
        return None

    head = f'","level":"info","logger":"{logs.HOOK_LOGGER}","msg":"telephony hook",'.encode()

    def merged_dump() -> object:  # dropped shortcut: fixed keys spliced in as bytes
        stream.seek(0)
        tail = orjson.dumps(FIELDS, default=str, option=orjson.OPT_APPEND_NEWLINE)
        return stream.write(b'{"ts":"' + stamp.timestamp(time.time()).encode() + head + tail[1:])

    logger = logging.getLogger("bench.micro_ab")
    logger.propagate = False
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(stamp)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    def through_logging() -> object:
        logger.info("telephony hook", extra={"fields": FIELDS})
        return None

    return shipped, merged_dump, through_logging


def timestamp_pairs() -> tuple[Callable[[], object], Callable[[], object]]:
    formatter = logs.JsonFormatter()

    def shipped() -> object:
        return formatter.timestamp(time.time())

    def strftime_each() -> object:
        now = time.time()
        second = int(now)
        clock = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{clock}.{int((now - second) * 1000):03d}Z"

    return shipped, strftime_each


def schema_pairs() -> tuple[Callable[[], object], Callable[[], object]]:
    validator = RequestValidator()
    with open(REQUEST, encoding="utf-8") as example:
        document = orjson.loads(example.read())

    def shipped() -> object:
        return validator.check(document)

    def validate_and_count() -> object:
        assert validator._validator.is_valid(document)
        return _count_unknown(document, validator.known_properties)

    return shipped, validate_and_count


def digest_pairs() -> list[tuple[str, Callable[[], object], Callable[[], object], str]]:
    key = b"k" * 32
    keys = Fingerprints(key)
    data = b"okta-hook\0uS5871kJThSsU8qlA1LTcg"

    hasher = blake2b(key=key, digest_size=16, person=b"event")

    def keyed_once() -> object:  # dropped shortcut: a hasher keyed once, copied per digest
        copy = hasher.copy()
        copy.update(data)
        return copy.digest()

    return [
        (
            "event key digest",
            lambda: keys.event_key("okta-hook", "uS5871kJThSsU8qlA1LTcg"),
            keyed_once,
            "a hasher keyed once, copied",
        ),
        (
            "credential digest",
            lambda: keys.credential_digest(AUTHORIZATION),
            lambda: keys.credential_digest.__wrapped__(AUTHORIZATION),
            "no lru_cache",
        ),
    ]


def fast_path_pair(number: int) -> tuple[float, float]:
    """CPU µs per hook call through the whole ASGI app: the fast path around Starlette's
    middleware stack and router, against the same app routing the hook like any other route."""
    from loadtests.bench import apps

    with open(REQUEST, encoding="utf-8") as example:
        template = orjson.loads(example.read())
    bodies = []
    for n in range(number * 2):
        template["eventId"] = f"bench{n:017d}"
        bodies.append(orjson.dumps(template))

    async def run(app: Any, chunk: list[bytes]) -> float:
        started = time.process_time()
        for body in chunk:
            await post_in_process(app, body)
        return (time.process_time() - started) / len(chunk) * 1e6

    async def main() -> tuple[float, float]:
        quiet = logs.CallLog("json", stream=io.BytesIO())
        fast, routed = apps.hook_with(call_log=quiet), apps.hook_via_router(call_log=quiet)
        fast_us, routed_us = [], []
        step = max(1, number // 5)
        for n in range(5):  # alternated, fresh eventIds for each side
            fast_us.append(await run(fast, bodies[2 * n * step : (2 * n + 1) * step]))
            routed_us.append(await run(routed, bodies[(2 * n + 1) * step : (2 * n + 2) * step]))
        return min(fast_us), min(routed_us)

    return uvloop.run(main())


def guard_pairs(number: int) -> tuple[float, float]:
    """µs per guarded await: ``Deadlines.guard`` against ``asyncio.timeout_at``, under uvloop,
    with ``in_flight`` calls open at once (timers pile up as they do under load)."""
    in_flight = 64

    async def run(guard: Callable[[float], Any], is_async: bool) -> float:
        started = time.process_time()

        async def one() -> None:
            for _ in range(number // in_flight):
                if is_async:
                    async with guard(time.monotonic() + 2.5):
                        await asyncio.sleep(0)
                else:
                    with guard(time.monotonic() + 2.5):
                        await asyncio.sleep(0)

        await asyncio.gather(*(one() for _ in range(in_flight)))
        return (time.process_time() - started) / number * 1e6

    async def bare() -> float:
        started = time.process_time()

        async def one() -> None:
            for _ in range(number // in_flight):
                await asyncio.sleep(0)

        await asyncio.gather(*(one() for _ in range(in_flight)))
        return (time.process_time() - started) / number * 1e6

    async def main() -> tuple[float, float]:
        deadlines = Deadlines()
        loop = asyncio.get_running_loop()

        def timer(deadline: float) -> Any:
            return asyncio.timeout_at(loop.time() + deadline - time.monotonic())

        sweep, timers, base = [], [], []
        for _ in range(5):
            base.append(await bare())
            sweep.append(await run(deadlines.guard, False))
            timers.append(await run(timer, True))
        await deadlines.close()
        return min(sweep) - min(base), min(timers) - min(base)

    return uvloop.run(main())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=100_000, help="calls per timing")
    args = parser.parse_args()
    n = args.number
    rows = []

    def pair(what: str, shipped: Callable[[], object], other: Callable[[], object], name: str):
        a, b = best_us(shipped, n), best_us(other, n)
        rows.append([what, f"{a:.2f}", f"{b:.2f} ({name})", f"{b - a:+.2f}"])

    pair("answer body (SUCCESSFUL)", *answer_pairs(), "id spliced into bytes built once")
    line, line_merged, line_logging = call_line_pairs()
    pair("call log line", line, line_merged, "fixed keys spliced in as bytes")
    pair("call log line", line, line_logging, "through logging + JsonFormatter")
    pair("log timestamp", *timestamp_pairs(), "strftime on every line")
    cached = credentials.parse_basic
    pair(
        "credential parse",
        lambda: cached(AUTHORIZATION),
        lambda: cached.__wrapped__(AUTHORIZATION),
        "no lru_cache",
    )
    pair("schema check", *schema_pairs(), "full validator + count in Python")
    for what, shipped, other, name in digest_pairs():
        pair(what, shipped, other, name)
    sweep, timers = guard_pairs(n)
    rows.append(
        [
            "deadline guard (uvloop, 64 open)",
            f"{sweep:.2f}",
            f"{timers:.2f} (asyncio.timeout_at)",
            f"{timers - sweep:+.2f}",
        ]
    )
    fast, routed = fast_path_pair(n // 5)
    rows.append(
        [
            "hook call, whole ASGI app",
            f"{fast:.2f}",
            f"{routed:.2f} (through Starlette's router)",
            f"{routed - fast:+.2f}",
        ]
    )
    print(table(["step", "shipped µs", "alternative µs", "difference µs"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
