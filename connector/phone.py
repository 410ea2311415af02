"""Phone numbers: Okta's ``phoneNumber`` to E.164 (DESIGN.md decision 4), and masking for logs.

Okta usually sends E.164 with ``+``, but its own sample and Preview send national digits
(CONTRACT.md §1), and admins type numbers in every form: ``021 123 4567``, ``+64211234567`` and
``64211234567`` must all reach the same handset.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from connector.errors import UnusableNumber


@dataclass(frozen=True, slots=True)
class Destination:
    e164: str
    region: str  # ISO 3166 alpha-2, e.g. "NZ"


@lru_cache(maxsize=16_384)
def normalise(raw: str, default_region: str) -> Destination:
    """``raw`` as E.164, read in ``default_region`` when it has no country code.

    Cached: the same users sign in again and again, and parsing is the costliest step of the
    hook's own work.
    """
    text = raw.strip()
    if not text:
        raise UnusableNumber("empty_number")
    number = _parse(text, default_region)
    if (number is None or not phonenumbers.is_valid_number(number)) and text[0] != "+":
        # "64211234567": international digits without the '+', as some admins type them.
        number = _parse(f"+{text}", None) or number
    if number is None:
        raise UnusableNumber("unparseable_number")
    if not phonenumbers.is_valid_number(number):
        raise UnusableNumber("invalid_number")
    region = phonenumbers.region_code_for_number(number) or "ZZ"
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Destination(e164=e164, region=region)


def _parse(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def mask(number: str) -> str:
    """Only the last 3 digits survive, so logs can be correlated without holding the number."""
    digits = [c for c in number if c.isdigit()]
    return "***" + "".join(digits[-3:]) if len(digits) > 3 else "***"
