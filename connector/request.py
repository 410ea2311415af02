"""Okta's telephony request (CONTRACT.md §1), parsed and checked into one frozen value.

``parse_request(body, validator)`` is pure: the body's bytes in, a ``HookRequest`` or the
``Refusal`` (400) that names what is wrong out. Nothing here logs or sends.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson

from connector.answers import ErrorCause
from connector.refusals import BAD_JSON, SCHEMA_INVALID, Refusal
from connector.validation import RequestValidator

# The schema enumerates requestType; logs carry its last part ("mfa-verification").
SHORT_REQUEST_TYPES = {
    f"com.okta.user.telephony.{short}": short
    for short in ("pre-enrollment", "mfa-verification", "account-unlock", "password-reset")
}
# Okta's OpenAPI writes these two unquoted (CONTRACT.md §1), so the schema takes string or
# integer; an integer is read as its decimal text.
NUMERIC_TEXT_FIELDS = ("phoneNumber", "otpCode")
NOT_JSON = Refusal(
    BAD_JSON, causes=(ErrorCause("Body is not valid JSON", "invalid_json", location="$"),)
)


class HookRequest(NamedTuple):
    """What the hook relies on in one call. ``phone_number`` and ``message`` are personal data
    and a secret: never logged, never echoed in an answer."""

    # A NamedTuple, not a frozen dataclass: one is made every call (figure: connector.hook).
    event_id: str
    okta_request_id: str
    request_type: str  # the short form: "mfa-verification"
    channel: str  # lower-case: "sms", "voice call", "call", "voice"
    phone_number: str  # as Okta sent it (an integer as its decimal text)
    message: str  # msgTemplate: the rendered SMS, OTP included
    unknown_fields: int = 0  # properties the schema does not name (accepted, counted)
    user_id: str | None = None  # data.userProfile.userId (optional in Okta's contract)


def parse_request(body: bytes, validator: RequestValidator) -> HookRequest | Refusal:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return NOT_JSON
    causes, unknown = validator.check(document)
    if causes:
        return Refusal(SCHEMA_INVALID, causes=tuple(causes))
    profile = document["data"]["messageProfile"]
    if type(profile["phoneNumber"]) is float or type(profile.get("otpCode")) is float:
        floats = [name for name in NUMERIC_TEXT_FIELDS if type(profile.get(name)) is float]
        return Refusal(SCHEMA_INVALID, causes=tuple(_not_integral(name) for name in floats))
    fields = (
        document["eventId"],
        document["data"]["context"]["request"]["id"],
        SHORT_REQUEST_TYPES[document["requestType"]],
        profile["deliveryChannel"].lower(),
        _text(profile["phoneNumber"]),
        profile["msgTemplate"],
        unknown,
        _user_id(document["data"]),
    )
    return tuple.__new__(HookRequest, fields)


def _user_id(data: dict[str, Any]) -> str | None:
    user = data.get("userProfile")
    user_id = user.get("userId") if type(user) is dict else None
    return user_id if type(user_id) is str and user_id else None


def _text(value: Any) -> str:
    # The schema let through a string or an integer (a JSON ``true`` is neither).
    return value if type(value) is str else str(value)


def _not_integral(name: str) -> ErrorCause:
    # JSON Schema counts 1.0 and 1e9 as integers, but orjson reads them (and any integer past
    # 64 bits) as floats, whose digits may already be lost: refused, never rounded into
    # another handset's number.
    location = f"$.data.messageProfile.{name}"
    return ErrorCause(
        f"{location} must be a string or an integer written without fraction or exponent",
        "schema_type",
        location=location,
    )
