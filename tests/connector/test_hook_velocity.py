"""The velocity limits through ``TelephonyHook``, over both state stores: counted after the
replay claim (a replay is never counted again), a refusal sends nothing and releases the claim,
a send the gateway did not take is given back, and Redis in trouble fails open."""

from __future__ import annotations

import json
import time
from typing import Any

from connector.call_fields import call_fields
from connector.errors import GatewayRejectedCredential, GatewayUnavailable
from connector.hook import Handled, HookCall, TelephonyHook
from connector.outcomes import USER_TOO_MANY
from tests.connector import payloads
from tests.connector.fakes import FakeGateway
from tests.connector.stores import Stores
from tests.contract import okta_answer
from tests.redis_server import RedisServer


def call(body: bytes, authorization: str = payloads.AUTHORIZATION) -> HookCall:
    return HookCall(authorizations=(authorization,), body=body, arrived=time.monotonic())


def sign_in(user: str = "00u1alice", **profile: Any) -> bytes:
    document = payloads.request(**profile)
    document["data"]["userProfile"]["userId"] = user
    return json.dumps(document).encode()


async def outcomes_of(hook: TelephonyHook, bodies: list[bytes]) -> list[Handled]:
    return [await hook.handle(call(body)) for body in bodies]


def test_the_sixth_code_to_a_number_in_15_minutes_is_refused(stores: Stores) -> None:
    gateway = FakeGateway()

    async def main() -> list[Handled]:
        # The production defaults: 5 a number per 15 minutes.
        hook = stores.hook(gateway, **payloads.PRODUCTION_LIMITS)
        return await outcomes_of(hook, [sign_in() for _ in range(6)])

    handled = stores.run(main())
    assert [h.answer.outcome for h in handled] == ["sent"] * 5 + ["rate_limited_number"]
    assert len(gateway.calls) == 5
    refused = handled[-1]
    assert refused.answer.http_status == 200
    document = okta_answer(refused.answer.body)
    error = document["error"]
    assert error["errorSummary"] == USER_TOO_MANY
    assert error["errorCauses"][0]["reason"] == "rate_limited_number"
    log = call_fields(refused, duration_ms=0.0)
    assert log["outcome"] == "rate_limited_number"
    assert log["prefix"] == "+6421123" and log["country"] == "NZ"
    assert "211234567" not in repr(log) and "211234567" not in refused.answer.body.decode()


def test_a_replay_is_answered_from_the_store_and_never_counted(stores: Stores) -> None:
    gateway = FakeGateway()
    repeated = sign_in()

    async def main() -> list[Handled]:
        hook = stores.hook(gateway, limit_number_15m=2)
        return await outcomes_of(hook, [repeated] * 10 + [sign_in(), sign_in()])

    handled = stores.run(main())
    outcomes = [h.answer.outcome for h in handled]
    # Okta's retries of one event: one send, nine replays; the next event is the second send.
    assert outcomes == ["sent"] + ["replayed"] * 9 + ["sent", "rate_limited_number"]
    assert len(gateway.calls) == 2


def test_a_refused_event_is_judged_afresh_when_repeated(stores: Stores) -> None:
    gateway = FakeGateway()
    refused_event = sign_in()

    async def main() -> list[Handled]:
        hook = stores.hook(gateway, limit_number_15m=1)
        # The refusal released its claim as "sent nothing": the repeat is refused again (by
        # the limit), never answered as a replay of a send that did not happen.
        return await outcomes_of(hook, [sign_in(), refused_event, refused_event])

    handled = stores.run(main())
    assert [h.answer.outcome for h in handled] == ["sent"] + ["rate_limited_number"] * 2
    assert len(gateway.calls) == 1


def test_sends_the_gateway_did_not_take_are_given_back(stores: Stores) -> None:
    gateway = FakeGateway(GatewayUnavailable("gateway_unreachable"))

    async def main() -> list[str]:
        hook = stores.hook(gateway, limit_number_15m=2)
        down = await outcomes_of(hook, [sign_in() for _ in range(3)])
        gateway.outcome = GatewayRejectedCredential("gateway_http_401", http_status=401)
        wrong = await outcomes_of(hook, [sign_in() for _ in range(3)])
        gateway.outcome = None
        await _settled()
        back = await outcomes_of(hook, [sign_in() for _ in range(3)])
        return [h.answer.outcome for h in down + wrong + back]

    outcomes = stores.run(main())
    # A caller with a wrong password (or a gateway down) cannot use up a victim's number.
    assert outcomes == ["gateway_unavailable"] * 3 + ["credential_rejected_by_gateway"] * 3 + [
        "sent",
        "sent",
        "rate_limited_number",
    ]


async def _settled() -> None:
    import asyncio

    await asyncio.sleep(0.05)  # Redis' refunds are queued, not waited for


def test_each_limit_refuses_with_its_own_reason(stores: Stores) -> None:
    gateway = FakeGateway()

    async def main() -> list[str]:
        hook = stores.hook(
            gateway, limit_prefix_hour=2, limit_user_15m=3, limit_application_minute=7
        )
        prefix = [sign_in(f"00u{n}", phoneNumber=f"+6421123{n:04d}") for n in range(3)]
        user = [sign_in("00ubob", phoneNumber=f"+642212{n}0000") for n in range(4)]
        application = [sign_in(f"00uc{n}", phoneNumber=f"+642733{n}0000") for n in range(3)]
        handled = await outcomes_of(hook, prefix + user + application)
        return [h.answer.outcome for h in handled]

    assert stores.run(main()) == [
        "sent",
        "sent",
        "rate_limited_prefix",
        "sent",
        "sent",
        "sent",
        "rate_limited_user",
        "sent",
        "sent",  # the application's seventh send
        "rate_limited_application",
    ]


def test_redis_down_fails_open_and_says_so(redis: RedisServer) -> None:
    stores = Stores(redis.url)
    gateway = FakeGateway()
    redis.stop()
    try:

        async def main() -> list[Handled]:
            hook = stores.hook(gateway, limit_number_15m=1, redis_timeout_ms=50)
            return await outcomes_of(hook, [sign_in() for _ in range(3)])

        handled = stores.run(main())
    finally:
        redis.start()
    assert [h.answer.outcome for h in handled] == ["sent"] * 3  # no limit without its store
    assert all(h.trip is not None and h.trip.state_unavailable for h in handled)
    assert len(gateway.calls) == 3
