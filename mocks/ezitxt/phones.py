"""Phone numbers as the platform sees them: E.164 checks, masking for logs, carrier names."""

from __future__ import annotations

import re
from typing import Final

# CONTRACT.md §5: the destination is E.164 — "+", a country code not starting with 0, at most 15
# digits in all.
E164: Final = re.compile(r"\+[1-9][0-9]{6,14}")

# The Mobile Report's Transport column (the carrier). A mock's guess from the number's prefix.
_TRANSPORTS: Final = (
    ("+6421", "One NZ"),
    ("+6422", "2degrees"),
    ("+6420", "2degrees"),
    ("+6427", "Spark"),
    ("+6428", "Spark"),
    ("+614", "AU Mobile"),
)


def is_e164(number: str) -> bool:
    return E164.fullmatch(number) is not None


def mask(number: str) -> str:
    """Only the last three digits survive: logs never carry a full phone number."""
    return "***" + number[-3:] if len(number) > 3 else "***"


def transport_for(number: str) -> str:
    for prefix, name in _TRANSPORTS:
        if number.startswith(prefix):
            return name
    return "International"
