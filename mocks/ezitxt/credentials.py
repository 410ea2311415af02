"""Application passwords: generated, stored as scrypt hashes, verified cheaply under load.

scrypt costs tens of milliseconds on purpose, which would cap the gateway at a few dozen requests
a second; so a verified ``Authorization`` value is remembered by its SHA-256 digest (never the
value itself) until that application's password is generated anew.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

_N, _R, _P, _DKLEN = 2**14, 8, 1, 32
MAX_CACHED = 10_000


def new_password() -> str:
    return secrets.token_urlsafe(24)


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN)
    encoded = [base64.b64encode(x).decode() for x in (salt, digest)]
    return f"scrypt${_N}${_R}${_P}${encoded[0]}${encoded[1]}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a ``hash_password`` string."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, binascii.Error):
        return False
    return scheme == "scrypt" and hmac.compare_digest(actual, expected)


def basic_secret(name: str, password: str) -> str:
    """The Authentication Secret of the Okta Setup Values (CONTRACT.md §5)."""
    return "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """``(name, password)`` of an HTTP Basic ``Authorization`` value, or ``None``."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    name, colon, password = decoded.partition(":")
    return (name, password) if colon and name and password else None


def digest(header: str) -> bytes:
    return hashlib.sha256(header.encode("utf-8", "surrogatepass")).digest()


@dataclass
class CredentialCache:
    """Digests of ``Authorization`` values already verified, per application name."""

    _names: dict[bytes, str] = field(default_factory=dict)

    def lookup(self, key: bytes) -> str | None:
        return self._names.get(key)

    def remember(self, key: bytes, name: str) -> None:
        if len(self._names) >= MAX_CACHED:
            # Bounded memory beats a perfect hit rate: start over rather than track ages.
            self._names.clear()
        self._names[key] = name

    def forget(self, name: str) -> None:
        """Called when ``name`` gets a new password: its old credential stops working at once."""
        self._names = {k: v for k, v in self._names.items() if v != name}

    def clear(self) -> None:
        self._names.clear()
