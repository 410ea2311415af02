"""Passwords hashed with scrypt, HTTP Basic parsing, and the verified-credential cache."""

from __future__ import annotations

import base64

import pytest

from mocks.ezitxt import credentials


def test_hash_and_verify() -> None:
    stored = credentials.hash_password("s3cret-password")
    assert stored.startswith("scrypt$")
    assert "s3cret-password" not in stored
    assert credentials.verify_password("s3cret-password", stored)
    assert not credentials.verify_password("s3cret-passwore", stored)
    assert credentials.hash_password("s3cret-password") != stored  # salted


@pytest.mark.parametrize(
    "stored", ["", "scrypt$1$2", "md5$16384$8$1$AA==$AA==", "scrypt$x$8$1$AA$AA"]
)
def test_malformed_hashes_never_verify(stored: str) -> None:
    assert not credentials.verify_password("x", stored)


def test_basic_secret_round_trips() -> None:
    secret = credentials.basic_secret("Okta Inline Hook", "pa:ss")
    assert secret == "Basic " + base64.b64encode(b"Okta Inline Hook:pa:ss").decode()
    assert credentials.parse_basic(secret) == ("Okta Inline Hook", "pa:ss")
    assert credentials.parse_basic("basic " + secret.split()[1]) == ("Okta Inline Hook", "pa:ss")


@pytest.mark.parametrize(
    "header",
    [None, "", "Basic", "Bearer abc", "Basic ***", "Basic " + base64.b64encode(b"\xff:x").decode(),
     "Basic " + base64.b64encode(b":pw").decode(), "Basic " + base64.b64encode(b"name:").decode()],
)  # fmt: skip
def test_parse_basic_refuses(header: str | None) -> None:
    assert credentials.parse_basic(header) is None


def test_cache_forgets_one_application() -> None:
    cache = credentials.CredentialCache()
    a, b = credentials.digest("Basic a"), credentials.digest("Basic b")
    cache.remember(a, "app-a")
    cache.remember(b, "app-b")
    cache.forget("app-a")
    assert cache.lookup(a) is None
    assert cache.lookup(b) == "app-b"


def test_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(credentials, "MAX_CACHED", 3)
    cache = credentials.CredentialCache()
    for n in range(10):
        cache.remember(credentials.digest(str(n)), "app")
    assert len(cache._names) <= 3
