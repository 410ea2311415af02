"""Both conversion stores (process memory, Redis) held to the same semantics: sends recorded,
events verifying the right send once, late events, silent channels, blocks that grow and lift,
and (Redis) the counts surviving a restart of the connector."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from redis import Redis

from connector import redis_conversion
from connector.conversion import (
    DUPLICATE,
    MFA,
    RECOVERY,
    UNMATCHED,
    VERIFIED,
    ConversionRules,
    SentCode,
    Verification,
    should_block,
)
from connector.conversion_store import ConversionStore, MemoryConversionStore
from connector.redis_conversion import RedisConversionStore
from connector.state import SharedState
from tests.redis_server import RedisServer

T0 = 1_780_000_000.0
RULES = ConversionRules(min_sends=5)
SECRET = "k" * 32
Scenario = Callable[[ConversionStore], Awaitable[None]]


@pytest.fixture(params=["memory", "redis"])
def run(request: pytest.FixtureRequest) -> Iterator[Callable[[Scenario], None]]:
    """Runs a scenario against a fresh store of the parameter's kind."""
    if request.param == "memory":
        yield lambda scenario: asyncio.run(scenario(MemoryConversionStore()))
        return
    server: RedisServer = request.getfixturevalue("redis")
    if server.process is None or server.process.poll() is not None:
        server.start()
    assert server.command("FLUSHALL") == "+OK"

    def on_redis(scenario: Scenario) -> None:
        async def main() -> None:
            state = SharedState(server.url, timeout_s=1.0)
            state.open()
            try:
                await scenario(RedisConversionStore(state, SECRET))
            finally:
                await state.close()

        asyncio.run(main())

    yield on_redis


def send(user: str = "00uA", *, at: float = T0, prefix: str = "+64211", **kw: Any) -> SentCode:
    values: dict[str, Any] = {"application": "app-a", "family": MFA, **kw}
    return SentCode(user_id=user, prefix=prefix, at=at, **values)


def event(uuid: str, user: str = "00uA", *, at: float = T0 + 30, family: str = MFA) -> Verification:
    return Verification(uuid, "user.authentication.auth_via_mfa", user, family, at)


def test_a_send_is_verified_once_and_the_same_event_again_counts_nothing(
    run: Callable[[Scenario], None],
) -> None:
    async def scenario(store: ConversionStore) -> None:
        first = await store.record_send(send(), RULES)
        assert sum(first.sent.values()) == 1 and not first.channel_alive
        matched = await store.verify(event("e1"), application=None, now=T0 + 31, rules=RULES)
        assert (matched.outcome, matched.application, matched.prefix) == (
            VERIFIED, "app-a", "+64211",
        )  # fmt: skip
        again = await store.verify(event("e1"), application=None, now=T0 + 32, rules=RULES)
        assert again.outcome == DUPLICATE
        window = await store.record_send(send("00uB", at=T0 + 40), RULES)
        assert sum(window.sent.values()) == 2 and sum(window.verified.values()) == 1
        assert window.channel_alive  # a verified send shows the application's channel works

    run(scenario)


def test_an_event_verifies_the_latest_unverified_send_of_its_family(
    run: Callable[[Scenario], None],
) -> None:
    async def scenario(store: ConversionStore) -> None:
        await store.record_send(send(at=T0, prefix="+64211"), RULES)
        await store.record_send(send(at=T0 + 10, prefix="+64212"), RULES)
        await store.record_send(send(at=T0 + 20, prefix="+64213", family=RECOVERY), RULES)
        now = T0 + 60
        first = await store.verify(event("e1", at=T0 + 50), application=None, now=now, rules=RULES)
        second = await store.verify(event("e2", at=T0 + 55), application=None, now=now, rules=RULES)
        third = await store.verify(event("e3", at=T0 + 58), application=None, now=now, rules=RULES)
        assert (first.prefix, second.prefix, third.outcome) == ("+64212", "+64211", UNMATCHED)
        unlock = event("e4", at=T0 + 59, family=RECOVERY)
        assert (await store.verify(unlock, application=None, now=now, rules=RULES)).prefix == (
            "+64213"
        )

    run(scenario)


def test_a_late_event_counts_within_the_window_and_not_past_it(
    run: Callable[[Scenario], None],
) -> None:
    async def scenario(store: ConversionStore) -> None:
        await store.record_send(send(), RULES)
        # Delivered 50 minutes after it was published (Okta's retry, a queue): still counts,
        # in the bucket of its send.
        late = await store.verify(event("e1"), application=None, now=T0 + 3000, rules=RULES)
        assert late.outcome == VERIFIED
        await store.record_send(send("00uB"), RULES)
        past = await store.verify(event("e2", "00uB"), application=None, now=T0 + 3700, rules=RULES)
        assert past.outcome == UNMATCHED  # its send has left the window

    run(scenario)


def test_an_event_long_after_the_send_or_before_it_verifies_nothing(
    run: Callable[[Scenario], None],
) -> None:
    async def scenario(store: ConversionStore) -> None:
        await store.record_send(send(at=T0), RULES)
        late = event("e1", at=T0 + 1900)  # published 31 minutes after the code was sent
        assert (await store.verify(late, application=None, now=T0 + 1901, rules=RULES)).outcome == (
            UNMATCHED
        )
        early = event("e2", at=T0 - 120)
        assert (await store.verify(early, application=None, now=T0 + 1, rules=RULES)).outcome == (
            UNMATCHED
        )

    run(scenario)


def test_an_applications_own_secret_verifies_only_its_own_sends(
    run: Callable[[Scenario], None],
) -> None:
    async def scenario(store: ConversionStore) -> None:
        await store.record_send(send(application="app-b"), RULES)
        other = await store.verify(event("e1"), application="app-a", now=T0 + 31, rules=RULES)
        assert other.outcome == UNMATCHED
        window = await store.record_send(send("00uC", application="app-a"), RULES)
        assert window.channel_alive  # app-a's channel was heard, even with nothing matched
        b_window = await store.record_send(send("00uD", application="app-b"), RULES)
        assert not b_window.channel_alive  # app-b's was not
        own = await store.verify(event("e2"), application="app-b", now=T0 + 31, rules=RULES)
        assert own.outcome == VERIFIED

    run(scenario)


async def _pump(store: ConversionStore, count: int, *, at: float, prefix: str = "+88231") -> Any:
    window = None
    for n in range(count):
        window = await store.record_send(send(f"00uBot{n}", at=at, prefix=prefix), RULES)
    return window


def test_a_silent_channel_is_unknown_and_never_blocks(run: Callable[[Scenario], None]) -> None:
    async def scenario(store: ConversionStore) -> None:
        window = await _pump(store, 50, at=T0)
        assert sum(window.sent.values()) == 50 and not window.channel_alive
        assert should_block(window, "+88231", T0, RULES) is None

    run(scenario)


def test_a_block_starts_once_grows_on_repeat_and_lifts(
    run: Callable[[Scenario], None],
) -> None:
    async def scenario(store: ConversionStore) -> None:
        await store.heard("app-a", T0, RULES)
        window = await _pump(store, 5, at=T0)
        counts = should_block(window, "+88231", T0, RULES)
        assert counts is not None and (counts.sent, counts.verified) == (5, 0)
        started = await store.start_block("app-a", "+88231", T0, RULES, counts)
        assert started is not None and (started.level, started.duration_s) == (1, 900)
        assert await store.start_block("app-a", "+88231", T0, RULES, counts) is None  # one wins
        block = await store.block("app-a", "+88231", T0 + 1)
        assert block is not None and block.until == pytest.approx(T0 + 900)
        assert await store.block("app-b", "+88231", T0 + 1) is None  # per application
        assert await store.block("app-a", "+88231", T0 + 901) is None  # over
        # The count started afresh at the block: the old sends do not condemn it again.
        await store.heard("app-a", T0 + 901, RULES)
        window = await store.record_send(send("00uX", at=T0 + 901, prefix="+88231"), RULES)
        assert should_block(window, "+88231", T0 + 901, RULES) is None
        window = await _pump(store, 5, at=T0 + 960)
        counts = should_block(window, "+88231", T0 + 960, RULES)
        assert counts is not None
        again = await store.start_block("app-a", "+88231", T0 + 960, RULES, counts)
        assert again is not None and (again.level, again.duration_s) == (2, 1800)

    run(scenario)


def test_redis_counts_and_blocks_survive_a_connector_restart(redis: RedisServer) -> None:
    """Two stores one after the other on one Redis: a connector stopped and started again."""
    if redis.process is None or redis.process.poll() is not None:
        redis.start()
    assert redis.command("FLUSHALL") == "+OK"

    async def connector(scenario: Scenario) -> None:
        state = SharedState(redis.url, timeout_s=1.0)
        state.open()
        try:
            await scenario(RedisConversionStore(state, SECRET))
        finally:
            await state.close()

    async def before(store: ConversionStore) -> None:
        await store.record_send(send("00uA", at=T0, prefix="+88231"), RULES)
        await _pump(store, 4, at=T0)

    async def after(store: ConversionStore) -> None:
        matched = await store.verify(event("e1"), application=None, now=T0 + 31, rules=RULES)
        assert matched.outcome == VERIFIED  # the send recorded before the restart
        window = await _pump(store, 20, at=T0 + 40)
        assert sum(window.sent.values()) == 25 and sum(window.verified.values()) == 1
        counts = should_block(window, "+88231", T0 + 40, RULES)
        assert counts is not None
        assert await store.start_block("app-a", "+88231", T0 + 40, RULES, counts) is not None

    async def restarted_again(store: ConversionStore) -> None:
        block = await store.block("app-a", "+88231", T0 + 41)
        assert block is not None and block.level == 1
        again = await store.verify(event("e1"), application=None, now=T0 + 42, rules=RULES)
        assert again.outcome == DUPLICATE  # the uuid is remembered across restarts too

    for scenario in (before, after, restarted_again):
        asyncio.run(connector(scenario))


def test_the_admin_lists_and_lifts_redis_blocks(redis: RedisServer) -> None:
    if redis.process is None or redis.process.poll() is not None:
        redis.start()
    assert redis.command("FLUSHALL") == "+OK"
    now = T0

    async def blocked(store: ConversionStore) -> None:
        for application in ("app-a", "app-b"):
            await store.heard(application, now, RULES)
            for n in range(5):
                await store.record_send(
                    send(f"00u{n}", at=now, prefix="+88231", application=application), RULES
                )
            window = await store.record_send(send("00uZ", at=now, application=application), RULES)
            counts = should_block(window, "+64211", now, RULES)
            assert counts is None  # one send to +64211 is too few
            started = await store.start_block(application, "+88231", now, RULES, _counts())
            assert started is not None

    async def main(scenario: Scenario) -> None:
        state = SharedState(redis.url, timeout_s=1.0)
        state.open()
        try:
            await scenario(RedisConversionStore(state, SECRET))
        finally:
            await state.close()

    asyncio.run(main(blocked))
    client = Redis.from_url(redis.url)
    try:
        listed = redis_conversion.list_blocks(client, now=now + 1)
        assert [(a, b.prefix, b.level) for a, b, _ in listed] == [
            ("app-a", "+88231", 1), ("app-b", "+88231", 1),
        ]  # fmt: skip
        assert redis_conversion.lift_block(client, "+88231", "app-a") == 1
        assert [a for a, _, _ in redis_conversion.list_blocks(client, now=now + 1)] == ["app-b"]
        assert redis_conversion.lift_block(client, "+88231") == 1
        assert redis_conversion.list_blocks(client, now=now + 1) == []
        assert not list(client.scan_iter(match=b"ezitxt-okta:conv:strike:*"))
    finally:
        client.close()


def _counts() -> Any:
    from connector.conversion import Counts

    return Counts(5, 0)


def test_memory_lift_forgets_strikes() -> None:
    async def scenario() -> None:
        store = MemoryConversionStore()
        first = await store.start_block("app-a", "+88231", T0, RULES, _counts())
        assert first is not None
        assert store.lift("+88231") == 1
        assert store.blocks(T0 + 1) == []
        again = await store.start_block("app-a", "+88231", T0 + 2, RULES, _counts())
        assert again is not None and again.level == 1  # strikes forgotten

    asyncio.run(scenario())
