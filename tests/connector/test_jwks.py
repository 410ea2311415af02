"""The JWKS cache against a real stand-in issuer on a free loopback port: discovery, cache,
refresh on an unknown kid (rate-limited, single-flight), an issuer down, slow or lying."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from connector.jwks import JwksCache, JwksUnavailable
from tests.connector.issuer import SERVER_PATH, SigningKey, StandInIssuer
from tests.servers import free_port, serve


class Clock:
    """The cache's refresh clock, moved by the test: the rate limit without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def keys() -> tuple[SigningKey, SigningKey]:
    return SigningKey.rsa("rsa-1"), SigningKey.ec("ec-1")


@pytest.fixture
def issuer(keys: tuple[SigningKey, SigningKey]) -> Iterator[tuple[StandInIssuer, str]]:
    stand_in = StandInIssuer(keys=list(keys))
    with serve(stand_in.app()) as url:
        yield stand_in, url + SERVER_PATH


def soon(seconds: float = 1.0) -> float:
    return time.monotonic() + seconds


async def opened(issuer_url: str, clock: Clock | None = None) -> JwksCache:
    cache = JwksCache(issuer_url, clock=clock or Clock())
    await cache.open()
    return cache


def test_keys_are_discovered_fetched_once_and_cached(
    issuer: tuple[StandInIssuer, str], keys: tuple[SigningKey, SigningKey]
) -> None:
    stand_in, url = issuer

    async def scenario() -> None:
        cache = await opened(url)
        try:
            for _ in range(5):
                for key in keys:
                    found = await cache.key(key.kid, soon())
                    assert found is not None and found.algorithm_name == key.alg
        finally:
            await cache.close()

    asyncio.run(scenario())
    assert (stand_in.metadata_fetches, stand_in.key_fetches) == (1, 1)


def test_unknown_kid_refreshes_and_picks_up_a_rotation(
    issuer: tuple[StandInIssuer, str], keys: tuple[SigningKey, SigningKey]
) -> None:
    stand_in, url = issuer
    clock = Clock()
    rotated = SigningKey.rsa("rsa-2")

    async def scenario() -> None:
        cache = await opened(url, clock)
        try:
            assert await cache.key(keys[0].kid, soon()) is not None
            stand_in.keys = [rotated, keys[1]]  # Okta rotated: rsa-1 gone, rsa-2 published
            clock.now += 6  # past the refresh interval
            found = await cache.key(rotated.kid, soon())
            assert found is not None
            # The old key is gone from the issuer, and from the cache with its refresh.
            clock.now += 6
            assert await cache.key(keys[0].kid, soon()) is None
        finally:
            await cache.close()

    asyncio.run(scenario())
    assert stand_in.key_fetches == 3 and stand_in.metadata_fetches == 1


def test_refresh_is_rate_limited(issuer: tuple[StandInIssuer, str]) -> None:
    stand_in, url = issuer
    clock = Clock()

    async def scenario() -> None:
        cache = await opened(url, clock)
        try:
            await cache.key("made-up-0", soon())  # the first fetch (started at open)
            for number in range(1, 50):  # a flood of made-up kids inside the interval
                assert await cache.key(f"made-up-{number}", soon()) is None
                clock.now += 0.05
            assert stand_in.key_fetches == 1
            clock.now += 5
            assert await cache.key("made-up-again", soon()) is None
        finally:
            await cache.close()

    asyncio.run(scenario())
    assert stand_in.key_fetches == 2


def test_refresh_is_single_flight(issuer: tuple[StandInIssuer, str]) -> None:
    stand_in, url = issuer
    stand_in.delay_s = 0.3
    rotated = SigningKey.ec("ec-rotated")

    async def scenario() -> None:
        cache = JwksCache(url, min_refresh_s=0.0)
        await cache.open()  # first fetch under way
        try:
            stand_in.keys.append(rotated)
            found = await asyncio.gather(*(cache.key(rotated.kid, soon(5)) for _ in range(40)))
            # Forty callers, each free to refresh (no rate limit here): they shared fetches.
            assert stand_in.most_in_flight == 1
            assert all(key is None or key.algorithm_name == "ES256" for key in found)
        finally:
            await cache.close()

    asyncio.run(scenario())
    assert stand_in.key_fetches <= 2  # the first (before the rotation), and one refresh


def test_issuer_down_is_jwks_unavailable() -> None:
    url = f"http://127.0.0.1:{free_port()}{SERVER_PATH}"

    async def scenario() -> None:
        cache = await opened(url)
        try:
            with pytest.raises(JwksUnavailable):
                await cache.key("rsa-1", soon())
        finally:
            await cache.close()

    asyncio.run(scenario())


def test_issuer_slow_past_the_deadline_leaves_the_caller_at_its_deadline(
    issuer: tuple[StandInIssuer, str], keys: tuple[SigningKey, SigningKey]
) -> None:
    stand_in, url = issuer
    stand_in.delay_s = 1.5

    async def scenario() -> None:
        cache = await opened(url)
        try:
            with pytest.raises(JwksUnavailable):
                await cache.key(keys[0].kid, soon(0.2))
            # The caller was let go while the issuer still held the fetch: not waited for.
            assert stand_in.in_flight == 1
            # The fetch goes on by itself, and its keys serve the next caller.
            assert await cache.key(keys[0].kid, soon(3)) is not None
        finally:
            await cache.close()

    asyncio.run(scenario())
    assert stand_in.key_fetches == 1


def test_a_cached_key_serves_while_the_issuer_is_down(
    issuer: tuple[StandInIssuer, str], keys: tuple[SigningKey, SigningKey]
) -> None:
    stand_in, url = issuer
    clock = Clock()

    async def scenario() -> None:
        cache = await opened(url, clock)
        try:
            assert await cache.key(keys[0].kid, soon()) is not None
            stand_in.status = 503
            clock.now += 60
            assert await cache.key(keys[0].kid, soon()) is not None
            # An unknown kid asks the (failing) issuer, which leaves the cached set in place.
            assert await cache.key("made-up", soon()) is None
            assert await cache.key(keys[1].kid, soon()) is not None
        finally:
            await cache.close()

    asyncio.run(scenario())
    assert stand_in.key_fetches == 2


def test_metadata_naming_another_issuer_is_not_trusted(
    issuer: tuple[StandInIssuer, str], keys: tuple[SigningKey, SigningKey]
) -> None:
    stand_in, url = issuer
    stand_in.metadata_issuer = "https://attacker.example.com/oauth2/default"

    async def scenario() -> None:
        cache = await opened(url)
        try:
            with pytest.raises(JwksUnavailable):
                await cache.key(keys[0].kid, soon())
        finally:
            await cache.close()

    asyncio.run(scenario())
    assert stand_in.key_fetches == 0


def test_a_jwks_of_nonsense_leaves_no_keys_and_bad_entries_skip_only_themselves(
    keys: tuple[SigningKey, SigningKey],
) -> None:
    from connector.jwks import key_set

    good = keys[0].jwk()
    hostile = [
        {"kid": "no-kty"},
        {"kid": "hmac", "kty": "oct", "k": "c2VjcmV0", "alg": "HS256"},
        {"kid": "rsa-bad", "kty": "RSA", "n": "!!", "e": "AQAB"},
        {"kid": "enc", **{k: v for k, v in good.items() if k != "kid"}, "use": "enc"},
        {**good, "kid": 5},
        "not an object",
        {**keys[1].jwk(), "kid": "ec-as-rs", "alg": "RS256"},
    ]
    assert set(key_set({"keys": [*hostile, good]}).keys) == {good["kid"]}
    for document in ({}, {"keys": {}}, [], "keys", None):
        with pytest.raises(ValueError):
            key_set(document)


def test_an_issuer_answering_nonsense_is_jwks_unavailable() -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    async def metadata(request: Request) -> Response:
        return PlainTextResponse("<html>maintenance</html>")

    app = Starlette(
        routes=[Route(SERVER_PATH + "/.well-known/oauth-authorization-server", metadata)]
    )
    with serve(app) as base:

        async def scenario() -> None:
            cache = await opened(base + SERVER_PATH)
            try:
                with pytest.raises(JwksUnavailable):
                    await cache.key("rsa-1", soon())
            finally:
                await cache.close()

        asyncio.run(scenario())
