"""Okta-shaped telephony requests for tests, built from the schema's pass examples."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import schemas

OTP = "482915"
MESSAGE = f"Your verification code is {OTP}"
PHONE = "+64211234567"
APPLICATION = "okta-hook"
PASSWORD = "s3cret-Pa55word"
AUTHORIZATION = "Basic " + base64.b64encode(f"{APPLICATION}:{PASSWORD}".encode()).decode()


def request(**profile: Any) -> dict[str, Any]:
    """The NZ MFA example with ``messageProfile`` fields overridden."""
    folder = schemas.ROOT / "okta" / "examples"
    name = "telephony-request.mfa-verification-nz-e164.pass.json"
    document: dict[str, Any] = json.loads((folder / name).read_text(encoding="utf-8"))
    document = copy.deepcopy(document)
    document["data"]["messageProfile"].update(profile)
    return document


def body(**profile: Any) -> bytes:
    return json.dumps(request(**profile)).encode()
