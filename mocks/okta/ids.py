"""Identifiers shaped like Okta's."""

from __future__ import annotations

import base64
import secrets
import string
import uuid

_ALNUM = string.ascii_letters + string.digits

HOOK_PREFIX = "cal"
USER_PREFIX = "00u"
FLOW_PREFIX = "flw"
# Okta's event hook ids start "who" (who8vt36qfNpCGz9H1e6 in its OpenAPI examples).
EVENT_HOOK_PREFIX = "who"


def okta_id(prefix: str) -> str:
    """A 20-character Okta object id: a 3-character type prefix and 17 alphanumerics
    (``00uyxxSknGtK8022w0g3`` is a user, ``calz6lVQA77AwFeEe0g3`` an inline hook)."""
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(20 - len(prefix)))


def event_id() -> str:
    """22 base64url characters, like ``uS5871kJThSsU8qlA1LTcg`` (CONTRACT.md §1)."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")


def request_id() -> str:
    """An Okta request id, like ``reqRgSk8IBBRhuo0YdlEDTmUw``."""
    return "req" + event_id()


def error_id() -> str:
    """An ``errorId`` as Okta puts in error bodies (``oae…``)."""
    return "oae" + event_id()


def log_uuid() -> str:
    """System Log events carry a plain UUID."""
    return str(uuid.uuid4())


def transaction_id() -> str:
    """A System Log ``transaction.id``: 27 base64url characters."""
    return base64.urlsafe_b64encode(secrets.token_bytes(20)).decode("ascii")[:27]


def otp(digits: int = 6) -> str:
    """A one-time passcode of ``digits`` decimal digits."""
    return "".join(secrets.choice(string.digits) for _ in range(digits))
