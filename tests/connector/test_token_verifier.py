"""``TokenVerifier`` with a stand-in issuer: an accepted token is remembered until its expiry
(its repeats skip the signature check), a refused one never is, and the memory is bounded."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

from connector import oauth
from connector.jwks import JwksCache
from connector.oauth import Expected, TokenAccepted, TokenRefused, TokenVerifier
from tests.connector.issuer import (
    AUDIENCE,
    CLIENT_ID,
    SCOPE,
    SERVER_PATH,
    SigningKey,
    StandInIssuer,
    claims,
    mint,
)
from tests.servers import serve


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.rsa("rsa-1")


@pytest.fixture(scope="module")
def issuer(key: SigningKey) -> Iterator[str]:
    with serve(StandInIssuer(keys=[key]).app()) as url:
        yield url + SERVER_PATH


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every signature check the verifier makes."""
    seen: list[str] = []
    real = jwt.decode

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(oauth.jwt, "decode", counting)
    return seen


def run(issuer: str, clock: Clock, tokens: list[str]) -> list[TokenAccepted | TokenRefused]:
    async def scenario() -> list[TokenAccepted | TokenRefused]:
        jwks = JwksCache(issuer)
        await jwks.open()
        verifier = TokenVerifier(
            Expected(issuer, AUDIENCE, SCOPE, frozenset({CLIENT_ID})), jwks, clock=clock
        )
        try:
            verdicts = []
            for token in tokens:
                verdicts.append(await verifier.verify(token, time.monotonic() + 2))
                clock.now += 1
            return verdicts
        finally:
            await jwks.close()

    return asyncio.run(scenario())


def test_an_accepted_token_is_checked_once(
    issuer: str, key: SigningKey, decodes: list[str]
) -> None:
    token = mint(key, claims(issuer))
    verdicts = run(issuer, Clock(), [token] * 5)
    assert all(isinstance(v, TokenAccepted) and v.client_id == CLIENT_ID for v in verdicts)
    assert decodes == [token]


def test_a_remembered_token_still_expires(issuer: str, key: SigningKey, decodes: list[str]) -> None:
    clock = Clock()
    token = mint(key, claims(issuer, iat=int(clock.now), exp=int(clock.now) + 60))

    async def scenario() -> list[TokenAccepted | TokenRefused]:
        jwks = JwksCache(issuer)
        await jwks.open()
        verifier = TokenVerifier(
            Expected(issuer, AUDIENCE, SCOPE, frozenset({CLIENT_ID})), jwks, clock=clock
        )
        try:
            first = await verifier.verify(token, time.monotonic() + 2)
            clock.now += 60 + oauth.LEEWAY_S + 1
            return [first, await verifier.verify(token, time.monotonic() + 2)]
        finally:
            await jwks.close()

    first, later = asyncio.run(scenario())
    assert isinstance(first, TokenAccepted)
    assert later == TokenRefused(oauth.TOKEN_EXPIRED)
    assert len(decodes) == 2  # checked afresh once past its expiry


def test_a_refused_token_is_never_remembered(
    issuer: str, key: SigningKey, decodes: list[str]
) -> None:
    token = mint(key, claims(issuer, aud="api://other"))
    verdicts = run(issuer, Clock(), [token] * 3)
    assert verdicts == [TokenRefused(oauth.TOKEN_AUDIENCE)] * 3
    assert len(decodes) == 3


def test_the_memory_is_bounded(
    issuer: str, key: SigningKey, decodes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oauth, "MAX_REMEMBERED", 2)
    tokens = [mint(key, claims(issuer)) for _ in range(3)]
    # a, b, c fill and evict a; then a is checked again, c is still remembered.
    verdicts = run(issuer, Clock(), [*tokens, tokens[0], tokens[2]])
    assert all(isinstance(v, TokenAccepted) for v in verdicts)
    assert decodes == [*tokens, tokens[0]]
