"""The pure parts of the oauth mode: the token header's checks and the claim checks, without a
server or a key."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from connector import oauth
from connector.oauth import Expected, TokenAccepted, TokenRefused, check_claims, check_header
from tests.connector.issuer import (
    AUDIENCE,
    CLIENT_ID,
    SCOPE,
    SigningKey,
    claims,
    hs256_with_public_key,
    mint,
)

ISSUER = "https://example.okta.com/oauth2/default"
EXPECTED = Expected(ISSUER, AUDIENCE, SCOPE, frozenset({CLIENT_ID}))
NOW = 1_800_000_000.0


def at(**overrides: Any) -> dict[str, Any]:
    values = claims(ISSUER, iat=int(NOW) - 60, exp=int(NOW) + 3540)
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def refused(values: dict[str, Any]) -> str:
    verdict = check_claims(values, EXPECTED, NOW)
    assert isinstance(verdict, TokenRefused), verdict
    return verdict.reason


def test_a_valid_token_is_accepted_with_its_client() -> None:
    assert check_claims(at(), EXPECTED, NOW) == TokenAccepted(CLIENT_ID, NOW + 3540)


def test_audience_as_a_list_is_accepted_when_it_holds_ours() -> None:
    verdict = check_claims(at(aud=["api://other", AUDIENCE]), EXPECTED, NOW)
    assert isinstance(verdict, TokenAccepted) and verdict.client_id == CLIENT_ID


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": int(NOW) - 31}, oauth.TOKEN_EXPIRED),
        ({"nbf": int(NOW) + 31}, oauth.TOKEN_NOT_YET_VALID),
        ({"iat": int(NOW) + 31}, oauth.TOKEN_ISSUED_IN_FUTURE),
        ({"iss": ISSUER + "/"}, oauth.TOKEN_ISSUER),
        ({"iss": "https://example.okta.com/oauth2/other"}, oauth.TOKEN_ISSUER),
        ({"iss": None}, oauth.TOKEN_ISSUER),
        ({"aud": "api://other"}, oauth.TOKEN_AUDIENCE),
        ({"aud": ["api://other"]}, oauth.TOKEN_AUDIENCE),
        ({"aud": None}, oauth.TOKEN_AUDIENCE),
        ({"scp": ["openid", "profile"]}, oauth.TOKEN_SCOPE),
        ({"scp": None}, oauth.TOKEN_SCOPE),
        ({"scp": SCOPE + "x"}, oauth.TOKEN_SCOPE),
        ({"scp": {SCOPE: True}}, oauth.TOKEN_SCOPE),
        ({"cid": "0oa-somebody-else"}, oauth.TOKEN_CLIENT),
        ({"cid": None}, oauth.TOKEN_CLIENT),
        ({"cid": [CLIENT_ID]}, oauth.TOKEN_CLIENT),
        ({"exp": None}, oauth.TOKEN_MALFORMED),
        ({"iat": None}, oauth.TOKEN_MALFORMED),
        ({"exp": "2099-01-01"}, oauth.TOKEN_MALFORMED),
        ({"exp": True}, oauth.TOKEN_MALFORMED),
        ({"nbf": None, "iat": int(NOW) - 60}, None),
    ],
)
def test_each_claim_is_checked(overrides: dict[str, Any], reason: str | None) -> None:
    values = at(**overrides)
    if reason is None:
        assert isinstance(check_claims(values, EXPECTED, NOW), TokenAccepted)
    else:
        assert refused(values) == reason


def test_the_leeway_is_small_and_both_ways() -> None:
    assert isinstance(check_claims(at(exp=int(NOW) - 29), EXPECTED, NOW), TokenAccepted)
    assert isinstance(check_claims(at(nbf=int(NOW) + 29), EXPECTED, NOW), TokenAccepted)
    assert isinstance(check_claims(at(iat=int(NOW) + 29), EXPECTED, NOW), TokenAccepted)


def test_space_separated_scope_string_holding_the_scope_is_accepted() -> None:
    assert isinstance(check_claims(at(scp=f"openid {SCOPE}"), EXPECTED, NOW), TokenAccepted)


def _segment(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def test_alg_none_is_refused_by_its_header() -> None:
    token = f"{_segment({'alg': 'none', 'kid': 'k1'})}.{_segment(at())}."
    assert check_header(token) == TokenRefused(oauth.TOKEN_ALGORITHM)


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512", "RS512", "PS256", "ES384", "None"])
def test_only_rs256_and_es256_pass_the_header(alg: str) -> None:
    token = f"{_segment({'alg': alg, 'kid': 'k1'})}.{_segment(at())}.c2ln"
    assert check_header(token) == TokenRefused(oauth.TOKEN_ALGORITHM)


def test_hs256_signed_with_the_public_key_is_refused_before_any_key() -> None:
    token = hs256_with_public_key(SigningKey.rsa("k1"), at())
    assert check_header(token) == TokenRefused(oauth.TOKEN_ALGORITHM)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.???.***",
        _segment({"alg": "RS256"}) + "." + _segment(at()) + ".c2ln",  # no kid
        _segment({"alg": "RS256", "kid": 7}) + "." + _segment(at()) + ".c2ln",
        "x" * 9000,
        base64.urlsafe_b64encode(b"[1,2]").decode() + ".e30.c2ln",
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    assert check_header(token) == TokenRefused(oauth.TOKEN_MALFORMED)


def test_rs256_and_es256_tokens_pass_the_header_with_their_kid() -> None:
    for key in (SigningKey.rsa("r1"), SigningKey.ec("e1")):
        assert check_header(mint(key, at())) == (key.alg, key.kid)
