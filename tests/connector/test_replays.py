"""One SMS per Okta event: repeats of an eventId get the first answer, never a second send.

The tests taking ``stores`` run twice: with the memory store and with the Redis store on a real
``redis-server`` (tests/connector/conftest.py), which must keep exactly the same semantics."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import pytest

from connector.answers import Answer
from connector.errors import GatewayUnavailable
from connector.gateway import GatewayReceipt, OutboundSms
from connector.hook import HookCall, TelephonyHook
from connector.replays import SWEEP_EVERY, Held, InFlight, MemoryReplayStore, Owned, Stamp
from tests.connector import payloads
from tests.connector.fakes import FakeGateway
from tests.connector.stores import Stores
from tests.contract import command_value, okta_answer


def new_hook(gateway: FakeGateway) -> TelephonyHook:
    """The hook over the memory store (the store-specific tests of its window and bound)."""
    return Stores(None).hook(gateway)


async def call(
    hook: TelephonyHook, body: bytes, authorization: str = payloads.AUTHORIZATION
) -> Answer:
    handled = await hook.handle(HookCall((authorization,), body, time.monotonic()))
    return handled.answer


def test_a_repeated_event_gets_the_first_answer_and_no_second_sms(stores: Stores) -> None:
    gateway = FakeGateway()
    body = payloads.body()

    async def main() -> tuple[Answer, Answer]:
        hook = stores.hook(gateway)
        return await call(hook, body), await call(hook, body)

    first, second = stores.run(main())
    assert len(gateway.calls) == 1
    assert second.outcome == "replayed" and first.outcome == "sent"
    assert second.body == first.body and second.http_status == 200
    assert command_value(okta_answer(second.body))["status"] == "SUCCESSFUL"


def test_concurrent_repeats_wait_for_the_first_and_send_once(stores: Stores) -> None:
    gateway = FakeGateway(delay_s=0.1)
    body = payloads.body()

    async def main() -> list[Answer]:
        hook = stores.hook(gateway)
        return list(await asyncio.gather(*(call(hook, body) for _ in range(5))))

    results = stores.run(main())
    assert len(gateway.calls) == 1
    assert len({r.body for r in results}) == 1
    assert sorted(r.outcome for r in results) == ["replayed"] * 4 + ["sent"]


def test_a_repeat_after_a_failure_that_sent_nothing_tries_again(stores: Stores) -> None:
    gateway = FakeGateway(GatewayUnavailable("gateway_http_503", http_status=503))
    body = payloads.body()

    async def main() -> tuple[Answer, Answer]:
        hook = stores.hook(gateway)
        first = await call(hook, body)
        gateway.outcome = None  # the gateway is back
        return first, await call(hook, body)

    first, second = stores.run(main())
    assert first.http_status == 503
    assert second.outcome == "sent"
    assert len(gateway.calls) == 2


def test_the_same_event_id_from_another_application_is_its_own_event(stores: Stores) -> None:
    gateway = FakeGateway()
    document = payloads.request()
    other = "Basic " + base64.b64encode(b"other-app:pw").decode()

    async def main() -> None:
        hook = stores.hook(gateway)
        await call(hook, json.dumps(document).encode())
        await call(hook, json.dumps(document).encode(), other)

    stores.run(main())
    assert len(gateway.calls) == 2


STAMP = Stamp(credential=b"c" * 16, message=b"m" * 16)
RECEIPT = GatewayReceipt(http_status=202, message_id="msg-1")


def key(n: int) -> bytes:
    return n.to_bytes(16, "big")


def test_remembered_events_expire_and_are_bounded() -> None:
    store = MemoryReplayStore(window_s=0.05, max_events=3)
    for n in range(SWEEP_EVERY):
        claim = store.claim_now(key(n), STAMP)
        assert isinstance(claim, Owned)
        store.settle_now(key(n), claim, RECEIPT)
    assert len(store) == 3  # swept at the SWEEP_EVERY-th settle: down to the bound
    assert store.claim_now(key(SWEEP_EVERY - 1), STAMP) == Held(STAMP, RECEIPT)
    assert isinstance(store.claim_now(key(0), STAMP), Owned)  # over the bound: oldest first
    time.sleep(0.06)
    assert isinstance(store.claim_now(key(SWEEP_EVERY - 1), STAMP), Owned)  # past the window


def test_failures_that_sent_nothing_are_not_remembered() -> None:
    store = MemoryReplayStore()
    claim = store.claim_now(key(1), STAMP)
    assert isinstance(claim, Owned)
    store.settle_now(key(1), claim, None)
    assert isinstance(store.claim_now(key(1), STAMP), Owned)
    assert len(store) == 1  # only the new claim


def test_a_claim_while_the_first_call_is_out_waits_for_its_result(stores: Stores) -> None:
    async def main() -> tuple[object, object]:
        store = stores.store()
        first = await store.claim(key(1), STAMP)
        assert isinstance(first, Owned)
        second = await store.claim(key(1), STAMP)
        assert isinstance(second, InFlight) and second.stamp == STAMP
        waiting = asyncio.ensure_future(second.wait())
        await asyncio.sleep(0)
        await store.settle(key(1), first, RECEIPT)
        return await waiting, await store.claim(key(1), STAMP)

    waited, third = stores.run(main())
    assert waited == RECEIPT and third == Held(STAMP, RECEIPT)


class BrokenGateway(FakeGateway):
    """Fails with a bug of its own once the request is out, or never answers at all."""

    def __init__(self, failure: BaseException | None = None) -> None:
        super().__init__()
        self.failure = failure

    async def send(self, sms: OutboundSms, *, authorization: str, timeout_s: float) -> Any:
        self.calls.append((sms, authorization, timeout_s))
        if self.failure is not None:
            raise self.failure
        await asyncio.sleep(10)  # ignores timeout_s: only the hook's own deadline ends it
        raise AssertionError("the hook's deadline did not end the call")


def test_an_error_after_the_send_started_is_pending_and_never_sent_again(stores: Stores) -> None:
    gateway = BrokenGateway(RuntimeError("a bug in the client"))
    body = payloads.body()

    async def main() -> tuple[Answer, Answer]:
        hook = stores.hook(gateway)
        return await call(hook, body), await call(hook, body)

    first, second = stores.run(main())
    assert command_value(okta_answer(first.body))["status"] == "PENDING"
    assert second.outcome == "replayed" and second.body == first.body
    assert len(gateway.calls) == 1


def test_a_call_cancelled_while_sending_leaves_maybe_sent_behind(stores: Stores) -> None:
    gateway = BrokenGateway()
    body = payloads.body()

    async def main() -> Answer:
        hook = stores.hook(gateway)
        first = asyncio.ensure_future(call(hook, body))
        await asyncio.sleep(0.05)
        first.cancel()  # a server shutting down, say
        with pytest.raises(asyncio.CancelledError):
            await first
        gateway.failure = AssertionError("sent twice")
        return await call(hook, body)

    again = stores.run(main())
    assert again.outcome == "replayed"
    assert command_value(okta_answer(again.body))["status"] == "PENDING"
    assert len(gateway.calls) == 1


def test_repeats_waiting_on_a_deaf_gateway_are_pending_inside_the_budget(stores: Stores) -> None:
    gateway = BrokenGateway()
    body = payloads.body()

    async def main() -> tuple[list[Answer], float]:
        hook = stores.hook(gateway, budget_ms=300)
        started = time.monotonic()
        try:
            answers = await asyncio.gather(*(call(hook, body) for _ in range(4)))
        finally:
            await hook.deadlines.close()
        return list(answers), time.monotonic() - started

    answers, elapsed = stores.run(main())
    assert {command_value(okta_answer(a.body))["status"] for a in answers} == {"PENDING"}
    assert sorted(a.outcome for a in answers) == ["pending"] + ["replayed"] * 3
    assert len(gateway.calls) == 1
    assert elapsed < 1.0  # the budget is 300 ms; the gateway would take 10 s


@pytest.mark.slow
def test_a_repeat_after_60000_other_events_is_still_a_replay() -> None:
    """Before: the store kept 50,000 answers, so a repeat within 5 minutes at ~200 events/s
    was missed and sent again (issue 9, item 5)."""
    gateway = FakeGateway()
    first = payloads.request()
    template = payloads.request()
    others = []
    for n in range(60_000):
        template["eventId"] = f"other{n:017d}"
        others.append(json.dumps(template).encode())

    async def main() -> Answer:
        hook = new_hook(gateway)
        await call(hook, json.dumps(first).encode())
        for body in others:
            await call(hook, body)
        return await call(hook, json.dumps(first).encode())

    again = asyncio.run(main())
    assert again.outcome == "replayed"
    assert len(gateway.calls) == 60_001


def test_the_hook_claims_and_settles_in_the_memory_store_without_a_coroutine() -> None:
    # An empty store has a length of 0, so it is falsy: the shortcut must not depend on that.
    from connector.hook import TelephonyHook
    from connector.settings import load_settings
    from connector.validation import RequestValidator
    from tests.connector.fakes import FakeGateway

    settings = load_settings({}, gateway_url="http://127.0.0.1:9")
    hook = TelephonyHook(settings, FakeGateway(), RequestValidator())
    store = hook.replays
    assert isinstance(store, MemoryReplayStore) and len(store) == 0
    assert hook._claim_now == store.claim_now and hook._settle_now == store.settle_now

    class Elsewhere:  # any other store: awaited
        async def claim(self, key: bytes, stamp: Stamp) -> Owned:
            return Owned(None)

        async def settle(self, key: bytes, claim: Owned, result: object) -> None:
            return None

    hook.replays = Elsewhere()  # type: ignore[assignment]
    assert hook._claim_now is None and hook._settle_now is None
