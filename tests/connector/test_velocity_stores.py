"""The velocity stores, memory and Redis held to the same semantics: count and check in one
step, refuse past a limit without counting, slide, refund, and (Redis) survive a restart of the
connector. Time is a fake clock: no test waits for a window to pass."""

from __future__ import annotations

import asyncio

import pytest
import redis as redis_py

from connector.redis_velocity import PREFIX as REDIS_PREFIX
from connector.refusals import Refusal
from connector.shared_state import SharedStateWiring
from connector.state import StateUnavailable
from connector.velocity import APPLICATION, NUMBER, PREFIX, QUARTER, USER, Limits, Subject, Window
from connector.velocity_store import Admitted, MemoryVelocityStore
from tests.connector import payloads
from tests.connector.stores import Stores
from tests.redis_server import RedisServer

# A day after the epoch's start of a bucket, so that bucket edges are where the tests say.
T0 = 1_800_000_000.0 - (1_800_000_000.0 % 86_400)
NUMBER_5 = Limits((Window(NUMBER, QUARTER, 5),))


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def subject(
    number: str = "+64211234567", app: str = "okta-hook", user: str | None = "00u1"
) -> Subject:
    return Subject(number, number[:8], "NZ", app, user)


async def admit_many(store: object, who: Subject, times: int) -> list[Admitted | Refusal]:
    return [await store.admit(who) for _ in range(times)]  # type: ignore[attr-defined]


def reasons(results: list[Admitted | Refusal]) -> list[str]:
    return [r.reason if isinstance(r, Refusal) else "admitted" for r in results]


def test_the_limit_is_reached_then_refused_with_the_prefix(stores: Stores) -> None:
    async def main() -> None:
        store = stores.velocity(NUMBER_5, Clock())
        results = await admit_many(store, subject(), 7)
        assert reasons(results) == ["admitted"] * 5 + ["rate_limited_number"] * 2
        refusal = results[-1]
        assert refusal == Refusal("rate_limited_number", country="NZ", prefix="+6421123")

    stores.run(main())


def test_refused_sends_are_not_counted_and_the_window_slides(stores: Stores) -> None:
    async def main() -> None:
        clock = Clock()
        store = stores.velocity(NUMBER_5, clock)
        await admit_many(store, subject(), 5 + 20)  # 20 refused: counted nowhere
        clock.now = T0 + QUARTER * 1.5  # half-way into the next bucket: 5 x 0.5 = 2.5 count
        assert reasons(await admit_many(store, subject(), 3)) == [
            "admitted",
            "admitted",  # 3.5 + 1 <= 5
            "rate_limited_number",  # 4.5 + 1 > 5
        ]
        clock.now = T0 + QUARTER * 3  # two buckets on: nothing left of the first
        assert reasons(await admit_many(store, subject(), 6))[-2:] == [
            "admitted",
            "rate_limited_number",
        ]

    stores.run(main())


def test_number_and_user_count_across_applications_prefix_within_one(stores: Stores) -> None:
    limits = Limits(
        (Window(NUMBER, QUARTER, 2), Window(PREFIX, QUARTER, 3), Window(USER, QUARTER, 4))
    )

    async def main() -> None:
        store = stores.velocity(limits, Clock())
        one = await admit_many(store, subject(app="org-a"), 1)
        two = await admit_many(store, subject(app="org-b"), 2)
        assert reasons(one + two) == ["admitted", "admitted", "rate_limited_number"]
        # Other numbers of the same prefix: org-a has one send there, org-b one.
        a = [await store.admit(subject(f"+6421123000{n}", "org-a", "00u2")) for n in (1, 2, 3)]
        assert reasons(a) == ["admitted", "admitted", "rate_limited_prefix"]
        # 00u1 has 2 sends (org-a, org-b): two more anywhere, then its limit.
        b = [await store.admit(subject(f"+6421123000{n}", "org-b", "00u1")) for n in (4, 5)]
        assert reasons(b) == ["admitted", "admitted"]
        c = await store.admit(subject("+64211230006", "org-c", "00u1"))
        assert reasons([c]) == ["rate_limited_user"]
        # Without a user id the user's limit is not applied.
        d = [await store.admit(subject(f"+6421123000{n}", "org-c", None)) for n in (7, 8)]
        assert reasons(d) == ["admitted", "admitted"]

    stores.run(main())


def test_a_refusal_counts_in_no_window(stores: Stores) -> None:
    limits = Limits((Window(NUMBER, QUARTER, 1), Window(APPLICATION, QUARTER, 3)))

    async def main() -> None:
        store = stores.velocity(limits, Clock())
        first = await admit_many(store, subject(), 4)  # 1 admitted, 3 refused by the number
        assert reasons(first) == ["admitted"] + ["rate_limited_number"] * 3
        # The application counted one send only: two more numbers pass, the third does not.
        others = [await store.admit(subject(f"+6421123000{n}")) for n in range(3)]
        assert reasons(others) == ["admitted", "admitted", "rate_limited_application"]

    stores.run(main())


def test_a_refund_gives_the_send_back(stores: Stores) -> None:
    async def main() -> None:
        store = stores.velocity(NUMBER_5, Clock())
        results = await admit_many(store, subject(), 5)
        for result in results[:3]:
            assert isinstance(result, Admitted)
            store.refund(result)  # the gateway was down: nothing was sent
        await stores_settled(stores)
        assert reasons(await admit_many(store, subject(), 4)) == ["admitted"] * 3 + [
            "rate_limited_number"
        ]

    stores.run(main())


async def stores_settled(stores: Stores) -> None:
    # A Redis refund is queued, not waited for; the next pipeline carries it before any admit.
    await asyncio.sleep(0.05)


def test_no_limits_count_nothing(stores: Stores) -> None:
    async def main() -> None:
        store = stores.velocity(Limits(()), Clock())
        assert reasons(await admit_many(store, subject(), 50)) == ["admitted"] * 50

    stores.run(main())


def test_memory_is_bounded_per_bucket(caplog: pytest.LogCaptureFixture) -> None:
    store = MemoryVelocityStore(NUMBER_5, clock=Clock(), max_keys=100)
    for n in range(150):
        assert isinstance(store.admit_now(subject(f"+642112{n:05d}")), Admitted)
    assert store.keys_held() == 100
    assert [r.message for r in caplog.records].count("velocity_store_full") == 1
    # Numbers counted before the store was full are still limited.
    assert reasons([store.admit_now(subject("+64211200000")) for _ in range(5)])[-1] == (
        "rate_limited_number"
    )


def test_memory_drops_a_bucket_whole_when_it_is_two_windows_old() -> None:
    clock = Clock()
    store = MemoryVelocityStore(NUMBER_5, clock=clock)
    for n in range(10):
        store.admit_now(subject(f"+642112{n:05d}"))
    clock.now = T0 + QUARTER
    store.admit_now(subject())
    assert store.keys_held() == 11  # the previous bucket still counts
    clock.now = T0 + QUARTER * 3
    store.admit_now(subject())
    assert store.keys_held() == 1


def test_redis_keys_are_namespaced_hashed_and_expire(redis: RedisServer) -> None:
    stores = Stores(redis.url)
    assert redis.command("FLUSHALL") == "+OK"
    limits = Limits((Window(NUMBER, QUARTER, 5), Window(USER, 86_400, 30)))

    async def main() -> None:
        store = stores.velocity(limits, Clock())
        await store.admit(subject())

    stores.run(main())
    client = redis_py.Redis.from_url(redis.url)  # the sync client: what the store left
    try:
        keys = [bytes(k) for k in client.keys("*")]
        ttls = sorted(int(client.pttl(k)) for k in keys)
        values = b"".join(b"".join(client.hgetall(k).values()) for k in keys)
    finally:
        client.close()
    assert len(keys) == 2 and all(k.startswith(REDIS_PREFIX) for k in keys)
    assert not any(b"6421" in k or b"00u1" in k or b"okta-hook" in k for k in keys)
    assert b"6421" not in values
    assert 0 < ttls[0] <= 2 * QUARTER * 1000 < ttls[1] <= 2 * 86_400 * 1000


def test_redis_counters_survive_a_connector_restart(redis: RedisServer) -> None:
    """A new connector (new pool, new store, the same state secret) on the same Redis finds
    the counts of the one before: a restart or a deploy never resets the limits."""
    assert redis.command("FLUSHALL") == "+OK"
    clock = Clock()
    before = Stores(redis.url)

    async def first_life() -> list[str]:
        return reasons(await admit_many(before.velocity(NUMBER_5, clock), subject(), 4))

    assert before.run(first_life()) == ["admitted"] * 4
    after = Stores(redis.url)

    async def second_life() -> list[str]:
        return reasons(await admit_many(after.velocity(NUMBER_5, clock), subject(), 2))

    assert after.run(second_life()) == ["admitted", "rate_limited_number"]


def test_redis_in_trouble_raises_state_unavailable(redis: RedisServer) -> None:
    stores = Stores("redis://127.0.0.1:1/0")  # nothing listens there

    async def main() -> None:
        settings = stores.settings(redis_timeout_ms=50, **payloads.PRODUCTION_LIMITS)
        wiring = SharedStateWiring.from_settings(settings)
        assert wiring is not None
        wiring.state.open()
        try:
            with pytest.raises(StateUnavailable):
                await wiring.velocity.admit(subject())
            assert wiring.state.unavailable["velocity_admit"] == 1
        finally:
            await wiring.close()

    asyncio.run(main())
