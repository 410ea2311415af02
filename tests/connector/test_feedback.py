"""The hook and conversion feedback together, without a server: which sends are recorded
(those that may have gone, once, with a user), the block read before deciding, and every store
failure failing open."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from connector.conversion import ConversionRules, Counts, PrefixBlock, SentCode
from connector.conversion_store import MemoryConversionStore
from connector.errors import GatewayNoAnswer, GatewayUnavailable
from connector.feedback import ConversionFeedback
from connector.hook import HookCall, TelephonyHook
from connector.settings import load_settings
from connector.state import StateUnavailable
from connector.validation import RequestValidator
from tests.connector import payloads
from tests.connector.fakes import FakeGateway

RULES = ConversionRules(min_sends=3)


def build(gateway: FakeGateway, store: Any) -> tuple[TelephonyHook, ConversionFeedback]:
    settings = load_settings({}, gateway_url="http://127.0.0.1:9")
    feedback = ConversionFeedback(store, RULES, prefix_digits=5, default_region="NZ")
    hook = TelephonyHook(settings, gateway, RequestValidator(), feedback=feedback)
    return hook, feedback


async def call(hook: TelephonyHook, document: dict[str, Any]) -> Any:
    body = json.dumps(document).encode()
    handled = await hook.handle(HookCall((payloads.AUTHORIZATION,), body, time.monotonic()))
    assert hook.feedback is not None
    await hook.feedback.drain()  # the recording runs in the background, after the answer
    return handled


def sent_count(store: MemoryConversionStore, prefix: str = "+6421123") -> int:
    window = store._windows.get((payloads.APPLICATION, prefix))  # noqa: SLF001
    return sum(window.sent.values()) if window else 0


def test_what_is_recorded() -> None:
    async def scenario() -> None:
        gateway, store = FakeGateway(), MemoryConversionStore()
        hook, _ = build(gateway, store)
        document = payloads.request()
        assert (await call(hook, document)).answer.outcome == "sent"
        assert sent_count(store) == 1
        assert (await call(hook, document)).answer.outcome == "replayed"
        assert sent_count(store) == 1  # the first call recorded it
        assert (await call(hook, payloads.request(phoneNumber="+64 21 123"))).decision.reason == (
            "unusable_number"
        )
        preview = payloads.request()
        del preview["data"]["userProfile"]["userId"]
        await call(hook, preview)
        assert sent_count(store) == 1  # no user: can never be verified, not counted
        gateway.outcome = GatewayNoAnswer("gateway_timeout")
        assert (await call(hook, payloads.request())).answer.outcome == "pending"
        assert sent_count(store) == 2  # it may have gone
        gateway.outcome = GatewayUnavailable("gateway_http_503", http_status=503)
        assert (await call(hook, payloads.request())).answer.outcome == "gateway_unavailable"
        assert sent_count(store) == 2  # nothing was sent

    asyncio.run(scenario())


def test_a_block_in_place_is_refused_and_nothing_is_sent() -> None:
    async def scenario() -> None:
        gateway, store = FakeGateway(), MemoryConversionStore()
        hook, _ = build(gateway, store)
        await store.start_block(payloads.APPLICATION, "+6421123", time.time(), RULES, Counts(3, 0))
        handled = await call(hook, payloads.request())
        assert handled.answer.outcome == "prefix_blocked"
        assert handled.decision.prefix == "+6421123"
        assert gateway.calls == []
        other = await call(hook, payloads.request(phoneNumber="+64271234567"))
        assert other.answer.outcome == "sent"

    asyncio.run(scenario())


class BrokenStore(MemoryConversionStore):
    async def block(self, application: str, prefix: str, now: float) -> PrefixBlock | None:
        raise StateUnavailable("conversion_block_read", "ConnectionError")

    async def record_send(self, send: SentCode, rules: ConversionRules) -> Any:
        raise StateUnavailable("conversion_record", "ConnectionError")


def test_a_failing_store_fails_open() -> None:
    async def scenario() -> None:
        gateway = FakeGateway()
        hook, _ = build(gateway, BrokenStore())
        assert (await call(hook, payloads.request())).answer.outcome == "sent"
        assert len(gateway.calls) == 1

    asyncio.run(scenario())
