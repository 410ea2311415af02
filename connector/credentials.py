"""Okta's credential for the hook: ``Basic base64(applicationName:password)`` (CONTRACT.md §5).

The connector does not judge the password: it forwards the credential to the gateway, the one
authority on it (DESIGN.md decision 1). It only refuses what is not a well-formed Basic
credential, so that such a request never reaches the gateway.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache

from connector.errors import CredentialError
from connector.refusals import AMBIGUOUS_CREDENTIAL, MISSING_CREDENTIAL, Refusal

MAX_CREDENTIAL_CHARS = 1024


@dataclass(frozen=True, slots=True)
class BasicCredential:
    header_value: str  # forwarded verbatim as the gateway's Authorization header
    application: str

    def __repr__(self) -> str:  # never print the secret by accident
        return f"BasicCredential(application={self.application!r}, password=***)"


@lru_cache(maxsize=256)
def parse_basic(value: str | None) -> BasicCredential:
    """The credential in ``value``; cached, as each Okta org sends the same one every time:
    0.05 against 1.33 µs a call (``python -m loadtests.bench.micro_ab``, 2026-12-02)."""
    if not value or not value.strip():
        raise CredentialError("missing_credential")
    if len(value) > MAX_CREDENTIAL_CHARS:
        raise CredentialError("malformed_credential")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "basic" or not token:
        raise CredentialError("malformed_credential")
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except ValueError:
        # binascii.Error (not base64), a byte outside ASCII in the token (``Basic \xe9``,
        # once a 500), and UnicodeDecodeError (decoded, but not UTF-8): all ValueErrors.
        raise CredentialError("malformed_credential") from None
    application, colon, password = decoded.partition(":")
    if not colon or not application or not password or not decoded.isprintable():
        raise CredentialError("malformed_credential")
    return BasicCredential(header_value=f"Basic {token.strip()}", application=application)


def read_credential(values: tuple[str, ...]) -> BasicCredential | Refusal:
    """The credential in the auth field's values (every occurrence of the header, in order).

    Two occurrences are refused, whatever they hold: which one would the gateway judge, and
    which one would a replay be matched against? The credential is ambiguous.
    """
    if not values:
        return Refusal(MISSING_CREDENTIAL)
    if len(values) > 1:
        return Refusal(AMBIGUOUS_CREDENTIAL)
    try:
        return parse_basic(values[0])
    except CredentialError as exc:
        return Refusal(exc.reason)
