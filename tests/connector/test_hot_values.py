"""The values of a call's path that are built with ``tuple.__new__`` (connector.hook's module
doc: the NamedTuple's own ``__new__`` costs a Python call) have every field, in order: such a
call checks neither the count nor the types."""

from __future__ import annotations

import asyncio
import time
from typing import Any, NamedTuple

import pytest

from connector.answers import Answer
from connector.decisions import Send
from connector.gateway import GatewayReceipt, OutboundSms
from connector.hook import Handled, HookCall, TelephonyHook, Trip
from connector.phone import Destination, normalise
from connector.replays import Owned, Stamp
from connector.request import HookRequest
from connector.settings import load_settings
from connector.validation import RequestValidator
from connector.velocity import Subject
from tests.connector import payloads
from tests.connector.fakes import FakeGateway

# Each class, and the type of each of its fields, as a call fills them.
EXPECTED: dict[type, tuple[Any, ...]] = {
    Handled: (Answer, HookRequest, Send, Trip),
    Answer: (int, bytes, str, tuple),
    HookRequest: (str, str, str, str, str, str, int, str),
    Send: (OutboundSms, str, str),
    OutboundSms: (str, str, str),
    Trip: (GatewayReceipt, bool, bool, bool, bool),
    GatewayReceipt: (int, str),
    Subject: (str, str, str, str, str),
    Stamp: (bytes, bytes),
    Owned: (object,),
    Destination: (str, str, int),
    HookCall: (tuple, bytes, float),
}


def _check(value: NamedTuple) -> None:
    kinds = EXPECTED[type(value)]
    assert len(value) == len(type(value)._fields) == len(kinds), type(value)
    for field, kind, item in zip(type(value)._fields, kinds, value, strict=True):
        assert isinstance(item, kind), (type(value).__name__, field, item)
        if isinstance(item, tuple) and type(item) in EXPECTED:
            _check(item)


def test_every_value_of_a_sent_call_has_all_its_fields() -> None:
    settings = load_settings({}, gateway_url="http://127.0.0.1:9")
    hook = TelephonyHook(settings, FakeGateway(), RequestValidator())
    made: list[NamedTuple] = []
    store, velocity = hook.replays, hook.velocity
    assert hook._claim_now is not None and hook._admit_now is not None

    def claim_now(key: bytes, stamp: Stamp) -> Any:
        made.append(stamp)
        claim = store.claim_now(key, stamp)  # type: ignore[attr-defined]
        made.append(claim)
        return claim

    def admit_now(subject: Subject) -> Any:
        made.append(subject)
        return velocity.admit_now(subject)  # type: ignore[attr-defined]

    hook._claim_now, hook._admit_now = claim_now, admit_now
    call = HookCall((payloads.AUTHORIZATION,), payloads.body(), time.monotonic())
    handled = asyncio.run(hook.handle(call))
    assert handled.answer.outcome == "sent"
    for value in (call, handled, *made):
        _check(value)


@pytest.mark.parametrize("raw", ["+64211234567", "0211234567", "+61412345678", "021 123 4567"])
def test_a_fast_path_destination_has_all_its_fields(raw: str) -> None:
    normalise.cache_clear()
    _check(normalise(raw, "NZ"))
