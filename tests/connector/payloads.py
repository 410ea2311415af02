"""Okta-shaped telephony requests for tests, built from the schema's pass examples."""

from __future__ import annotations

import base64
import copy
import json
import secrets
from typing import Any

import schemas
from connector.settings import Settings

OTP = "482915"
MESSAGE = f"Your verification code is {OTP}"
PHONE = "+64211234567"
APPLICATION = "okta-hook"
PASSWORD = "s3cret-Pa55word"
AUTHORIZATION = "Basic " + base64.b64encode(f"{APPLICATION}:{PASSWORD}".encode()).decode()


# The velocity limits (connector/velocity.py) as settings overrides: all off, for tests of other
# things that send many codes to one number; and the production defaults, stated explicitly.
VELOCITY_OFF = {name: 0 for name in Settings.model_fields if name.startswith("limit_")}
VELOCITY_OFF_ENV = {f"EZITXT_HOOK_{name.upper()}": "0" for name in VELOCITY_OFF}
PRODUCTION_LIMITS = {
    name: field.default for name, field in Settings.model_fields.items() if name in VELOCITY_OFF
}


def event_id() -> str:
    """A fresh eventId: Okta's are unique per call, and the connector sends each only once."""
    return secrets.token_urlsafe(16)[:22]


def request(**profile: Any) -> dict[str, Any]:
    """The NZ MFA example with a fresh eventId and ``messageProfile`` fields overridden."""
    folder = schemas.ROOT / "okta" / "examples"
    name = "telephony-request.mfa-verification-nz-e164.pass.json"
    document: dict[str, Any] = json.loads((folder / name).read_text(encoding="utf-8"))
    document = copy.deepcopy(document)
    document["eventId"] = event_id()
    document["data"]["messageProfile"].update(profile)
    return document


def body(**profile: Any) -> bytes:
    return json.dumps(request(**profile)).encode()
