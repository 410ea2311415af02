"""The auth modes' cost per hook call, in-process, CPU µs a call (``time.process_time``, best of
7 runs, both sides of each pair in the same run):

- ``passthrough``: ``Authenticator.authenticate`` against the plain ``read_credential`` it wraps;
- ``oauth``: a token's first check (RS256 and ES256 signatures, claims) against a repeat, which
  ``TokenVerifier`` answers from the tokens it accepted before (Okta reuses a token until it
  expires).

    .venv/bin/python -m loadtests.bench.token_check [--number 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import timeit
import uuid
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from connector.auth_modes import Authenticator
from connector.credentials import read_credential
from connector.jwks import JwksCache, KeySet, key_set
from connector.oauth import Expected, TokenVerifier
from loadtests.bench.harness import table

ISSUER = "https://example.okta.com/oauth2/default"
CLIENT = "0oa1benchclient000001"
AUTHORIZATION = ("Basic b2t0YS1ob29rOnMzY3JldC1QYTU1d29yZA==",)


def best_us(function: Callable[[], object], number: int) -> float:
    runs = timeit.repeat(function, number=number, repeat=7, timer=time.process_time)
    return min(runs) / number * 1e6


def signed(alg: str) -> tuple[KeySet, Callable[[], str]]:
    """The issuer's key set with one key of ``alg``, and a maker of fresh tokens under it."""
    private: Any = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if alg == "RS256"
        else ec.generate_private_key(ec.SECP256R1())
    )
    algorithm: Any = RSAAlgorithm if alg == "RS256" else ECAlgorithm
    jwk = algorithm.to_jwk(private.public_key(), as_dict=True) | {"kid": "k1", "alg": alg}

    def token() -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": "api://default",
            "iat": now,
            "exp": now + 3600,
            "cid": CLIENT,
            "scp": ["ezitxt.hook"],
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, private, algorithm=alg, headers={"kid": "k1"})

    return key_set({"keys": [jwk]}), token


def token_pair(alg: str, number: int, loop: asyncio.AbstractEventLoop) -> tuple[float, float]:
    keys, make = signed(alg)
    jwks = JwksCache(ISSUER)
    jwks._keys = keys  # in place, as after the first fetch: no network in this benchmark
    expected = Expected(ISSUER, "api://default", "ezitxt.hook", frozenset({CLIENT}))
    deadline = time.monotonic() + 3600
    per_turn = 20
    fresh = iter([make() for _ in range(number * 7 * per_turn)])
    first_verifier = TokenVerifier(expected, jwks)
    repeat_verifier = TokenVerifier(expected, jwks)
    repeated = make()
    loop.run_until_complete(repeat_verifier.verify(repeated, deadline))

    async def firsts() -> None:
        for _ in range(per_turn):
            await first_verifier.verify(next(fresh), deadline)

    async def repeats() -> None:
        for _ in range(per_turn):
            await repeat_verifier.verify(repeated, deadline)

    turn = best_us(lambda: loop.run_until_complete(asyncio.sleep(0)), number)
    # Per call: (per_turn calls in one loop turn − the turn itself) / per_turn.
    first = (best_us(lambda: loop.run_until_complete(firsts()), number) - turn) / per_turn
    repeat = (best_us(lambda: loop.run_until_complete(repeats()), number) - turn) / per_turn
    return first, repeat


def passthrough_pair(number: int, loop: asyncio.AbstractEventLoop) -> tuple[float, float]:
    auth = Authenticator()

    async def many() -> None:
        for _ in range(100):
            await auth.authenticate(AUTHORIZATION, 0.0)

    def plain() -> object:
        for _ in range(100):
            read_credential(AUTHORIZATION)
        return None

    def wrapped() -> object:
        return loop.run_until_complete(many())

    def loop_only() -> object:
        return loop.run_until_complete(asyncio.sleep(0))

    # Per call: (100 calls in one loop turn − the turn itself) / 100.
    turn = best_us(loop_only, number)
    return best_us(plain, number) / 100, (best_us(wrapped, number) - turn) / 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=2000)
    args = parser.parse_args()
    loop = asyncio.new_event_loop()
    try:
        rows = []
        plain, wrapped = passthrough_pair(args.number, loop)
        rows.append(["passthrough", f"{plain:.2f}", f"{wrapped:.2f}", f"{wrapped - plain:+.2f}"])
        for alg in ("RS256", "ES256"):
            first, repeat = token_pair(alg, max(args.number // 20, 25), loop)
            rows.append([f"oauth {alg}", f"{first:.1f}", f"{repeat:.2f}", f"{repeat - first:+.1f}"])
    finally:
        loop.close()
    print(table(["auth", "plain / first µs", "mode / repeat µs", "difference µs"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
