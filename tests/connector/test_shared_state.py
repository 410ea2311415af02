"""The replay store in a real Redis: shared by replicas, and Redis in trouble (stopped, paused,
slow, restarted): the hook still answers inside its budget, sends without de-duplication,
logs ``state_unavailable`` and counts it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connector import metrics
from connector.answers import Answer
from connector.hook import Handled, HookCall, TelephonyHook
from connector.redis_replays import PREFIX, RedisReplayStore
from connector.redis_velocity import PREFIX as VELOCITY_PREFIX
from connector.replays import Held, Owned, Stamp
from connector.state import SharedState, StateUnavailable, mask_url
from tests.connector import payloads
from tests.connector.fakes import FakeGateway
from tests.connector.stores import Stores
from tests.contract import command_value, okta_answer
from tests.redis_server import RedisServer

BUDGET_MS = 1000
ERRORS_METRIC = "ezitxt_hook_state_store_errors_total"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, which it may stop, pause or restart."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def call(hook: TelephonyHook, body: bytes) -> tuple[Handled, float]:
    started = time.monotonic()
    handled = await hook.handle(HookCall((payloads.AUTHORIZATION,), body, started))
    return handled, time.monotonic() - started


def status(answer: Answer) -> str:
    return str(command_value(okta_answer(answer.body))["status"])


def test_two_replicas_sharing_redis_send_one_sms_per_event(own_redis: RedisServer) -> None:
    gateway = FakeGateway(delay_s=0.05)
    stores = Stores(own_redis.url)
    body = payloads.body()

    async def main() -> list[Handled]:
        one, two = stores.hook(gateway), stores.hook(gateway)  # two processes' worth
        calls = [call(one if n % 2 else two, body) for n in range(20)]
        return [handled for handled, _ in await asyncio.gather(*calls)]

    handled = stores.run(main())
    assert len(gateway.calls) == 1
    assert len({h.answer.body for h in handled}) == 1
    assert sorted(h.answer.outcome for h in handled) == ["replayed"] * 19 + ["sent"]


def test_replicas_with_different_state_secrets_do_not_share_events(
    own_redis: RedisServer,
) -> None:
    """Why the secret must be the same on every replica: the keys are digests under it."""
    gateway = FakeGateway()
    body = payloads.body()

    stores = Stores(own_redis.url)

    async def main() -> None:
        hook = stores.hook(gateway)
        other = stores.hook(gateway, state_secret="t" * 32)
        await call(hook, body)
        await call(other, body)

    stores.run(main())
    assert len(gateway.calls) == 2


def test_keys_are_namespaced_compact_and_all_expire(own_redis: RedisServer) -> None:
    gateway = FakeGateway()
    stores = Stores(own_redis.url)

    async def main() -> list[tuple[bytes, int, int]]:
        hook = stores.hook(gateway, **payloads.PRODUCTION_LIMITS)
        for _ in range(5):  # within the production limit of one number
            await call(hook, payloads.body())
        await hook.replays.drain()  # type: ignore[attr-defined]
        client = hook.replays.state.client  # type: ignore[attr-defined]
        found = []
        async for key in client.scan_iter(count=100):
            size = await client.memory_usage(key)
            found.append((key, await client.pttl(key), size))
        return found

    keys = stores.run(main())
    replays = [k for k in keys if k[0].startswith(b"ezitxt-okta:replay:")]
    counters = [k for k in keys if k[0].startswith(VELOCITY_PREFIX)]
    assert len(replays) == 5 and len(replays) + len(counters) == len(keys)
    for key, ttl_ms, size in replays:
        assert len(key) == len(PREFIX) + 16
        assert 290_000 < ttl_ms <= 300_000  # the 5-minute window, on every key
        assert size < 200  # the result and stamp, never the answer's body
    # One hash a number, prefix, application and user, each expiring two days on.
    assert len(counters) == 4
    for key, ttl_ms, size in counters:
        assert len(key) == len(VELOCITY_PREFIX) + 1 + 12
        assert 2 * 86_400_000 - 60_000 < ttl_ms <= 2 * 86_400_000
        assert size < 200


def test_an_owner_that_died_mid_send_is_answered_pending_never_sent_again(
    own_redis: RedisServer,
) -> None:
    """A SIGKILLed replica never settles its claim: once older than the owner's time, a
    repeat is answered "may have been sent"."""
    stamp = Stamp(b"c" * 16, b"m" * 16)

    async def main() -> object:
        state = SharedState(own_redis.url)
        state.open()
        try:
            store = RedisReplayStore(state, owner_timeout_s=0.1)
            assert isinstance(await store.claim(b"k" * 16, stamp), Owned)  # and then it died
            await asyncio.sleep(0.25)
            return await store.claim(b"k" * 16, stamp)
        finally:
            await state.close()

    claim = asyncio.run(main())
    assert isinstance(claim, Held) and claim.stamp == Stamp(b"c" * 16, b"m" * 16)
    assert claim.result.reason == "first_call_lost_may_have_sent"  # type: ignore[union-attr]


@pytest.mark.parametrize("trouble", ["stopped", "paused", "slow"])
def test_redis_in_trouble_the_hook_sends_in_budget_and_logs_state_unavailable(
    own_redis: RedisServer, trouble: str, caplog: pytest.LogCaptureFixture
) -> None:
    gateway = FakeGateway()
    stores = Stores(own_redis.url)
    if trouble == "stopped":
        own_redis.stop()
    elif trouble == "paused":
        own_redis.pause()  # SIGSTOP: the kernel accepts, nothing answers

    async def main() -> list[tuple[Handled, float]]:
        hook = stores.hook(gateway, budget_ms=BUDGET_MS, redis_timeout_ms=250)
        slow = None
        if trouble == "slow":
            # Redis busy 2 s (DEBUG SLEEP blocks the whole server), as a loaded Redis would be.
            slow = asyncio.create_task(
                asyncio.to_thread(own_redis.command, "DEBUG", "SLEEP", "2", timeout_s=3)
            )
            await asyncio.sleep(0.1)
        try:
            results = [await call(hook, payloads.body()) for _ in range(3)]
            body = payloads.body()  # a repeat while Redis is down: sent again (fail open)
            results += list(await asyncio.gather(call(hook, body), call(hook, body)))
        finally:
            await hook.deadlines.close()
            if slow is not None:
                await slow
        return results

    with caplog.at_level(logging.WARNING, logger="ezitxt.connector.state"):
        try:
            results = stores.run(main())
        finally:
            own_redis.resume() if trouble == "paused" else None
    for handled, elapsed in results:
        assert elapsed < BUDGET_MS / 1000
        assert handled.answer.http_status == 200 and status(handled.answer) == "SUCCESSFUL"
        assert handled.trip is not None and handled.trip.state_unavailable
    assert len(gateway.calls) == 5  # nothing refused, nothing de-duplicated
    warnings = [r for r in caplog.records if r.getMessage() == "state_unavailable"]
    assert warnings, "state_unavailable was not logged"
    assert warnings[0].fields["operation"] == "replay_claim"  # type: ignore[attr-defined]


def test_after_a_redis_restart_de_duplication_comes_back(own_redis: RedisServer) -> None:
    gateway = FakeGateway()
    stores = Stores(own_redis.url)

    async def main() -> tuple[Handled, list[Handled]]:
        hook = stores.hook(gateway)
        # Scripts loaded, and the pool holding 10 connections, all stale once Redis restarts.
        await asyncio.gather(*(call(hook, payloads.body()) for _ in range(10)))
        await hook.replays.drain()  # type: ignore[attr-defined]
        own_redis.stop()
        down, _ = await call(hook, payloads.body())
        own_redis.start()  # same port, empty, its scripts forgotten (NOSCRIPT)
        await asyncio.sleep(hook.replays.state.pause_s + 0.1)  # type: ignore[attr-defined]
        body = payloads.body()
        after = await asyncio.gather(*(call(hook, body) for _ in range(10)))
        return down, [handled for handled, _ in after]

    down, after = stores.run(main())
    assert down.trip is not None and down.trip.state_unavailable
    assert not any(h.trip is not None and h.trip.state_unavailable for h in after)
    assert sorted(h.answer.outcome for h in after) == ["replayed"] * 9 + ["sent"]
    assert len(gateway.calls) == 12  # 10 before, 1 while down, 1 after


def test_the_redis_password_is_masked_in_every_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = "redis://ezitxt:hunter2-secret@127.0.0.1:1/0"
    assert "hunter2" not in mask_url(url)
    assert "hunter2" not in mask_url("unix:///run/redis.sock?db=0&password=hunter2-secret")
    stores = Stores(url)

    async def main() -> None:
        hook = stores.hook(FakeGateway())
        await call(hook, payloads.body())  # port 1: refused

    labels = {"store": "redis", "operation": "replay_claim"}
    before = metrics.REGISTRY.get_sample_value(ERRORS_METRIC, labels) or 0.0
    with caplog.at_level(logging.WARNING, logger="ezitxt.connector.state"):
        stores.run(main())
    # Counted for the metrics endpoint too.
    assert metrics.REGISTRY.get_sample_value(ERRORS_METRIC, labels) == before + 1
    (line,) = [r for r in caplog.records if r.getMessage() == "state_unavailable"]
    assert line.fields["redis_url"] == "redis://ezitxt:***@127.0.0.1:1/0"  # type: ignore[attr-defined]
    assert "hunter2" not in caplog.text


def test_a_redis_restarted_while_idle_costs_no_call_its_de_duplication(
    own_redis: RedisServer,
) -> None:
    """The connections held for the pipelines are checked before each batch, as the pool
    checks its own: one that Redis closed while idle is replaced, not failed on."""
    gateway = FakeGateway()
    stores = Stores(own_redis.url)

    async def main() -> list[Handled]:
        hook = stores.hook(gateway)
        await asyncio.gather(*(call(hook, payloads.body()) for _ in range(10)))
        await hook.replays.drain()  # type: ignore[attr-defined]
        own_redis.stop()  # no call meanwhile: nothing has failed yet
        own_redis.start()
        await asyncio.sleep(0.05)  # the event loop sees the old connections closed
        body = payloads.body()
        return [
            handled for handled, _ in await asyncio.gather(*(call(hook, body) for _ in range(5)))
        ]

    after = stores.run(main())
    assert not any(h.trip is not None and h.trip.state_unavailable for h in after)
    assert sorted(h.answer.outcome for h in after) == ["replayed"] * 4 + ["sent"]
    assert len(gateway.calls) == 11


def test_an_error_reply_fails_its_own_command_only(own_redis: RedisServer) -> None:
    """Commands of one event-loop turn share a pipeline; an error reply (here a wrong type)
    is its caller's ``StateUnavailable``, the other replies are read and handed over."""

    async def main() -> list[object]:
        state = SharedState(own_redis.url)
        state.open()
        try:
            await state.client.hset(b"ezitxt-okta:test:hash", b"field", b"value")
            return list(
                await asyncio.gather(
                    state.command("first", "SET", b"ezitxt-okta:test:a", b"1", "PX", 60_000),
                    state.command("wrong_type", "GET", b"ezitxt-okta:test:hash"),
                    state.command("third", "GET", b"ezitxt-okta:test:a"),
                    return_exceptions=True,
                )
            )
        finally:
            await state.close()

    first, wrong, third = asyncio.run(main())
    assert first == b"OK" and third == b"1"
    assert isinstance(wrong, StateUnavailable) and wrong.operation == "wrong_type"
    assert wrong.cause == "ResponseError"


def test_several_commands_for_one_wait_reply_in_order_or_fail_together(
    own_redis: RedisServer,
) -> None:
    """``SharedState.commands``: a call's commands in one pipeline (velocity counters and the
    claim, say), their replies in order; an error reply among them fails the call."""
    counter = b"ezitxt-okta:test:counter"

    async def main() -> tuple[list[object], int, object]:
        state = SharedState(own_redis.url, pause_s=0.0)
        state.open()
        try:
            await state.client.hset(b"ezitxt-okta:test:hash", b"field", b"value")
            replies = await state.commands(
                "velocity",
                ("INCR", counter),
                ("PEXPIRE", counter, 60_000, "NX"),
                ("INCR", counter),
                ("PEXPIRE", counter, 60_000, "NX"),  # the TTL set once, by the first
            )
            ttl_ms = await state.client.pttl(counter)
            try:
                await state.commands("mixed", ("INCR", counter), ("GET", b"ezitxt-okta:test:hash"))
            except StateUnavailable as exc:
                return replies, ttl_ms, exc
            return replies, ttl_ms, None
        finally:
            await state.close()

    replies, ttl_ms, failure = asyncio.run(main())
    assert replies == [1, 1, 2, 0]
    assert 55_000 < ttl_ms <= 60_000
    assert isinstance(failure, StateUnavailable) and failure.operation == "mixed"
