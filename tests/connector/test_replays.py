"""One SMS per Okta event: repeats of an eventId get the first answer, never a second send."""

from __future__ import annotations

import asyncio
import base64
import json
import time

from connector.answers import Answer
from connector.errors import GatewayUnavailable
from connector.hook import HookCall, TelephonyHook
from connector.replays import SWEEP_EVERY, RecentEvents
from connector.settings import load_settings
from connector.validation import RequestValidator
from tests.connector import payloads
from tests.connector.fakes import FakeGateway
from tests.contract import command_value, okta_answer


def new_hook(gateway: FakeGateway) -> TelephonyHook:
    settings = load_settings({}, gateway_url="http://127.0.0.1:9")
    return TelephonyHook(settings, gateway, RequestValidator())


async def call(
    hook: TelephonyHook, body: bytes, authorization: str = payloads.AUTHORIZATION
) -> Answer:
    return await hook.handle(body, HookCall(authorization, time.monotonic(), {}))


def test_a_repeated_event_gets_the_first_answer_and_no_second_sms() -> None:
    gateway = FakeGateway()
    body = payloads.body()

    async def main() -> tuple[Answer, Answer]:
        hook = new_hook(gateway)
        return await call(hook, body), await call(hook, body)

    first, second = asyncio.run(main())
    assert len(gateway.calls) == 1
    assert second.outcome == "replayed" and first.outcome == "sent"
    assert second.body == first.body and second.http_status == 200
    assert command_value(okta_answer(second.body))["status"] == "SUCCESSFUL"


def test_concurrent_repeats_wait_for_the_first_and_send_once() -> None:
    gateway = FakeGateway(delay_s=0.1)
    body = payloads.body()

    async def main() -> list[Answer]:
        hook = new_hook(gateway)
        return list(await asyncio.gather(*(call(hook, body) for _ in range(5))))

    results = asyncio.run(main())
    assert len(gateway.calls) == 1
    assert len({r.body for r in results}) == 1
    assert sorted(r.outcome for r in results) == ["replayed"] * 4 + ["sent"]


def test_a_repeat_after_a_failure_that_sent_nothing_tries_again() -> None:
    gateway = FakeGateway(GatewayUnavailable("gateway_http_503", http_status=503))
    body = payloads.body()

    async def main() -> tuple[Answer, Answer]:
        hook = new_hook(gateway)
        first = await call(hook, body)
        gateway.outcome = None  # the gateway is back
        return first, await call(hook, body)

    first, second = asyncio.run(main())
    assert first.http_status == 503
    assert second.outcome == "sent"
    assert len(gateway.calls) == 2


def test_the_same_event_id_from_another_application_is_its_own_event() -> None:
    gateway = FakeGateway()
    document = payloads.request()
    other = "Basic " + base64.b64encode(b"other-app:pw").decode()

    async def main() -> None:
        hook = new_hook(gateway)
        await call(hook, json.dumps(document).encode())
        await call(hook, json.dumps(document).encode(), other)

    asyncio.run(main())
    assert len(gateway.calls) == 2


def test_remembered_answers_expire_and_are_bounded() -> None:
    async def main() -> tuple[int, bool]:
        recent = RecentEvents(ttl_s=0.05, max_entries=3)
        for n in range(SWEEP_EVERY + 5):
            key = f"app\nevent{n}"
            assert recent.previous(key) is None
            recent.settle(key, Answer(200, b"{}", "sent"))
        bounded = len(recent)
        newest = f"app\nevent{SWEEP_EVERY + 4}"
        assert isinstance(recent.previous(newest), Answer)
        await asyncio.sleep(0.06)
        return bounded, recent.previous(newest) is None  # expired: owned afresh

    bounded, owned_again = asyncio.run(main())
    assert bounded <= 3 + SWEEP_EVERY
    assert owned_again


def test_failures_that_sent_nothing_are_not_remembered() -> None:
    async def main() -> object:
        recent = RecentEvents()
        assert recent.previous("app\ne") is None
        recent.settle("app\ne", Answer(503, b"{}", "gateway_unavailable"))
        return recent.previous("app\ne")

    assert asyncio.run(main()) is None
