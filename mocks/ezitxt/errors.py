"""The mock's errors, named after EZITXT's error codes (CONTRACT.md §5).

Every error answers ``{"message", "statusCode", "error"}`` and nothing else; ``message`` and
``error`` hold only letters, digits, spaces, ``-`` and ``_``. The platform documents four codes,
so every HTTP status maps onto one of them::

    EzitxtError
    ├── InvalidJson            invalid_json    400  body is not a JSON object
    │   └── PayloadTooLarge    invalid_json    413  body over the size cap
    ├── MissingAttrib          missing_attrib  400  a required attribute is absent
    ├── InvalidAttrib          invalid_attrib  400  an attribute has a bad type or value
    │   ├── UnprocessableAttrib               422  ``scheduled`` in the past or too far ahead
    │   ├── NotFound                          404  unknown message, application or route
    │   ├── MethodNotAllowed                  405
    │   └── Conflict                          409  application name already taken
    └── SendFailed             send_failed     500  the platform could not take the message
        └── Unauthorized                      401  wrong or missing credentials

The contract names no code for 401; ``send_failed`` is this mock's choice (the request was
refused), and clients should branch on ``statusCode``.
"""

from __future__ import annotations

import re
from typing import Any

_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9 _-]+")
_SPACES = re.compile(r" {2,}")


def clean_message(text: str) -> str:
    """Reduce ``text`` to the characters an EZITXT error message may hold."""
    cleaned = _SPACES.sub(" ", _NOT_ALLOWED.sub(" ", text)).strip()
    return cleaned or "Error"


class EzitxtError(Exception):
    """Base of every error the mock answers with; ``body()`` is the wire form."""

    status_code = 400
    error = "invalid_attrib"

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        self.message = clean_message(message)
        if status_code is not None:
            self.status_code = status_code
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"message": self.message, "statusCode": self.status_code, "error": self.error}


class InvalidJson(EzitxtError):
    error = "invalid_json"


class PayloadTooLarge(InvalidJson):
    status_code = 413


class MissingAttrib(EzitxtError):
    error = "missing_attrib"


class InvalidAttrib(EzitxtError):
    error = "invalid_attrib"


class UnprocessableAttrib(InvalidAttrib):
    status_code = 422


class NotFound(InvalidAttrib):
    status_code = 404


class MethodNotAllowed(InvalidAttrib):
    status_code = 405


class Conflict(InvalidAttrib):
    status_code = 409


class SendFailed(EzitxtError):
    status_code = 500
    error = "send_failed"


class Unauthorized(SendFailed):
    status_code = 401
