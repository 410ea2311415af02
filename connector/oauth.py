"""Okta's OAuth 2.0 bearer tokens (channel ``OAUTH``, CONTRACT.md §3 and §7), verified.

Okta gets an access token from the customer's authorization server and calls the hook with
``Authorization: Bearer <JWT>``. The token is accepted only when every check holds, in this
order, each refusal a fixed reason token (logged as the call's outcome, answered 401):

1. it is a compact JWS of bounded size (``token_malformed``);
2. its ``alg`` is RS256 or ES256: ``none`` and HS* are refused before any key is looked up
   (``token_algorithm``), so a token "signed" with the public key as an HMAC secret never meets
   a key; its ``kid`` names a key of the issuer (``token_key_unknown``; ``jwks_unavailable`` when
   no key set could be had in time), of that algorithm;
3. its signature (``token_signature``), by PyJWT;
4. its claims, by ``check_claims`` (pure): ``iss`` exactly the issuer, ``aud``, ``exp``, ``nbf``
   and ``iat`` with ``LEEWAY_S``, ``scp`` holding the scope, ``cid`` among the clients.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

import jwt

from connector.jwks import ALGORITHMS, JwksCache, JwksUnavailable
from connector.refusals import (
    JWKS_UNAVAILABLE,
    TOKEN_ALGORITHM,
    TOKEN_AUDIENCE,
    TOKEN_CLIENT,
    TOKEN_EXPIRED,
    TOKEN_ISSUED_IN_FUTURE,
    TOKEN_ISSUER,
    TOKEN_KEY_UNKNOWN,
    TOKEN_MALFORMED,
    TOKEN_NOT_YET_VALID,
    TOKEN_SCOPE,
    TOKEN_SIGNATURE,
)

# Clock skew between Okta's authorization server and this host that is still accepted.
LEEWAY_S = 30
# Waiting for the issuer's keys ends after this, or at the hook's deadline if sooner: a slow
# JWKS must leave the gateway call most of the budget (CONTRACT.md §3: Okta's own token request
# already spent part of Okta's 3 s).
KEY_WAIT_S = 1.0
# Accepted tokens remembered (Okta sends one token per client until it expires: a handful).
MAX_REMEMBERED = 1024
# An Okta access token is about a kilobyte; far larger is not one (and is not parsed).
MAX_TOKEN_CHARS = 8192

_SIGNATURE_ONLY = {
    "verify_signature": True,
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
}


@dataclass(frozen=True, slots=True)
class Expected:
    """What a token must say to be let through."""

    issuer: str
    audience: str
    scope: str
    clients: frozenset[str]
    leeway_s: float = LEEWAY_S


@dataclass(frozen=True, slots=True)
class TokenRefused:
    reason: str


@dataclass(frozen=True, slots=True)
class TokenAccepted:
    client_id: str
    expires: float = 0.0  # the token's exp (Unix seconds)


def check_header(token: str) -> tuple[str, str] | TokenRefused:
    """The token's (alg, kid), read unverified; refused if it is no JWS or not RS256/ES256."""
    if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        return TokenRefused(TOKEN_MALFORMED)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        return TokenRefused(TOKEN_MALFORMED)
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        return TokenRefused(TOKEN_ALGORITHM)
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        return TokenRefused(TOKEN_MALFORMED)
    return str(alg), kid


def check_claims(
    claims: Mapping[str, Any], expected: Expected, now: float
) -> TokenAccepted | TokenRefused:
    """Pure: the verified token's claims against ``expected`` at ``now`` (Unix seconds)."""
    exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf", 0)
    if not (_is_number(exp) and _is_number(iat) and _is_number(nbf)):
        return TokenRefused(TOKEN_MALFORMED)  # Okta's access tokens always carry exp and iat
    if now > exp + expected.leeway_s:
        return TokenRefused(TOKEN_EXPIRED)
    if nbf > now + expected.leeway_s:
        return TokenRefused(TOKEN_NOT_YET_VALID)
    if iat > now + expected.leeway_s:
        return TokenRefused(TOKEN_ISSUED_IN_FUTURE)
    if claims.get("iss") != expected.issuer:
        return TokenRefused(TOKEN_ISSUER)
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if expected.audience not in audiences:
        return TokenRefused(TOKEN_AUDIENCE)
    scopes = claims.get("scp")
    if isinstance(scopes, str):  # RFC 8693's space-separated form, should an issuer use it
        scopes = scopes.split(" ")
    if not isinstance(scopes, list) or expected.scope not in scopes:
        return TokenRefused(TOKEN_SCOPE)
    client = claims.get("cid")
    if not isinstance(client, str) or client not in expected.clients:
        return TokenRefused(TOKEN_CLIENT)
    return TokenAccepted(client, exp)


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


class TokenVerifier:
    """The checks above, with the issuer's keys from ``jwks``.

    Okta reuses a token until it expires (an hour by default), and a token's first check costs
    several whole hook calls: 94.6 CPU µs (RS256; ES256 108.8) against 0.70 for a repeat
    (``python -m loadtests.bench.token_check``, 2026-12-02, load average 5.3). So a token
    accepted once is remembered, by its digest, until its ``exp`` (plus the leeway), and its
    repeats skip the signature. Only accepted tokens are remembered, ``MAX_REMEMBERED`` at most
    (the oldest go first). A key the issuer withdraws therefore stops new tokens at once and
    tokens already seen at their expiry, as for any bearer JWT.
    """

    def __init__(
        self, expected: Expected, jwks: JwksCache, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.expected = expected
        self.jwks = jwks
        self.clock = clock
        self._accepted: dict[bytes, tuple[TokenAccepted, float]] = {}

    async def verify(self, token: str, deadline: float) -> TokenAccepted | TokenRefused:
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        remembered = self._accepted.get(digest)
        if remembered is not None:
            if self.clock() <= remembered[1]:
                return remembered[0]
            del self._accepted[digest]  # expired: checked afresh below, and refused
        verdict = await self._verify(token, deadline)
        if isinstance(verdict, TokenAccepted):
            if len(self._accepted) >= MAX_REMEMBERED:
                del self._accepted[next(iter(self._accepted))]
            self._accepted[digest] = (verdict, verdict.expires + self.expected.leeway_s)
        return verdict

    async def _verify(self, token: str, deadline: float) -> TokenAccepted | TokenRefused:
        header = check_header(token)
        if isinstance(header, TokenRefused):
            return header
        alg, kid = header
        try:
            key = await self.jwks.key(kid, min(deadline, time.monotonic() + KEY_WAIT_S))
        except JwksUnavailable:
            return TokenRefused(JWKS_UNAVAILABLE)
        if key is None:
            return TokenRefused(TOKEN_KEY_UNKNOWN)
        if key.algorithm_name != alg:
            return TokenRefused(TOKEN_ALGORITHM)  # an RSA key named under ES256, or the reverse
        try:
            claims = jwt.decode(token, key.key, algorithms=[alg], options=_SIGNATURE_ONLY)  # type: ignore[arg-type]
        except jwt.InvalidSignatureError:
            return TokenRefused(TOKEN_SIGNATURE)
        except jwt.InvalidTokenError:
            return TokenRefused(TOKEN_MALFORMED)
        return check_claims(claims, self.expected, self.clock())
