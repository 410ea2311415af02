"""Phone numbers: Okta's ``phoneNumber`` to E.164 (DESIGN.md decision 4), and masking for logs.

Okta usually sends E.164 with ``+``, but its own sample and Preview send national digits
(CONTRACT.md §1), and admins type numbers in every form: ``021 123 4567``, ``+64211234567`` and
``64211234567`` must all reach the same handset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

import phonenumbers

from connector.errors import UnusableNumber


class Destination(NamedTuple):
    # A NamedTuple, not a frozen dataclass: one is made every call (figure: connector.hook).
    e164: str
    region: str  # ISO 3166 alpha-2, e.g. "NZ"
    # phonenumbers.PhoneNumberType, read by the same parse (the fast path only ever matches
    # mobile numbers): what the number-type rule of the fraud policy judges.
    number_type: int


# Regions whose mobile numbers take the fast path: EZITXT's own (CONTRACT.md §5).
FAST_REGIONS = ("NZ", "AU")
_SEPARATORS = re.compile(r"[\s().-]")
_ASCII_E164 = re.compile(r"\+[0-9]{2,15}", re.ASCII)


@lru_cache(maxsize=16_384)
def normalise(raw: str, default_region: str) -> Destination:
    """``raw`` as E.164 (ASCII digits only), read in ``default_region`` when it has no country
    code.

    Cached: the same users sign in again and again (a hit costs ~0.07 µs, a full parse of a
    US number ~43 µs: ``python -m timeit``). NZ and AU mobile numbers in ASCII digits, nearly
    all the traffic, are checked against phonenumbers' own metadata patterns without a full
    parse; every other number (other digit forms included) takes the full parse. Tests hold
    both paths to the same result.

    The fast path earns its keep (``python -m loadtests.bench.phone_fast_path``, 2 cores shared
    with other jobs, load 1.9-4.3): per uncached number, fast path against plain parse,
    NZ E.164 2.3 against 50.0 µs, AU E.164 4.8 against 66.6 µs, NZ national 4.0 against
    42.3 µs.
    """
    return _fast_mobile(raw, default_region) or full_normalise(raw, default_region)


@dataclass(frozen=True, slots=True)
class _MobilePlan:
    region: str
    country_code: str
    national_prefix: str
    general: re.Pattern[str]
    mobile: re.Pattern[str]
    fixed: re.Pattern[str] | None


@cache
def _plans() -> dict[str, _MobilePlan]:
    plans = {}
    for region in FAST_REGIONS:
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        assert meta is not None and meta.general_desc and meta.mobile
        plans[region] = _MobilePlan(
            region=region,
            country_code=str(meta.country_code),
            national_prefix=meta.national_prefix or "",
            general=re.compile(meta.general_desc.national_number_pattern or "(?!)", re.ASCII),
            mobile=re.compile(meta.mobile.national_number_pattern or "(?!)", re.ASCII),
            fixed=re.compile(meta.fixed_line.national_number_pattern, re.ASCII)
            if meta.fixed_line and meta.fixed_line.national_number_pattern
            else None,
        )
    return plans


def _fast_mobile(raw: str, default_region: str) -> Destination | None:
    if not raw.isascii():
        # Other digit forms (Arabic-Indic, fullwidth, ...) are str.isdigit() and match "\d":
        # phonenumbers converts them to ASCII, the fast path would pass them on as they are.
        return None
    # Okta sends E.164 nearly always: no separators to strip then.
    digits = raw if raw[1:].isdigit() else _SEPARATORS.sub("", raw)
    plans = _plans()
    if digits.startswith("+"):
        for plan in plans.values():
            if digits.startswith(plan.country_code, 1):
                return _matched(plan, digits[1 + len(plan.country_code) :])
        return None
    home = plans.get(default_region)
    if home and home.national_prefix and digits.startswith(home.national_prefix):
        return _matched(home, digits[len(home.national_prefix) :])
    return None


def _fast_type(plan: _MobilePlan, national: str) -> int:
    # phonenumbers calls a number matching both the fixed-line and the mobile pattern
    # FIXED_LINE_OR_MOBILE. NZ's and AU's patterns do not overlap today; one more regex on an
    # uncached number (normalise caches) keeps the fast path equal to the full parse (the
    # property test holds it) whatever a metadata update brings.
    if plan.fixed is not None and plan.fixed.fullmatch(national):
        return phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE
    return phonenumbers.PhoneNumberType.MOBILE


def _matched(plan: _MobilePlan, national: str) -> Destination | None:
    if national.isdigit() and plan.mobile.fullmatch(national) and plan.general.fullmatch(national):
        return Destination(
            e164=f"+{plan.country_code}{national}",
            region=plan.region,
            number_type=_fast_type(plan, national),
        )
    return None


def full_normalise(raw: str, default_region: str) -> Destination:
    """The full parse and validation by phonenumbers, for every kind of number."""
    text = raw.strip()
    if not text:
        raise UnusableNumber("empty_number")
    number = _parse(text, default_region)
    valid = number is not None and phonenumbers.is_valid_number(number)
    if not valid and text[0] != "+":
        # "64211234567": international digits without the '+', as some admins type them.
        international = _parse(f"+{text}", None)
        if international is not None and phonenumbers.is_valid_number(international):
            number, valid = international, True
    if number is None:
        raise UnusableNumber("unparseable_number")
    if not valid:
        raise UnusableNumber("invalid_number")
    region = phonenumbers.region_code_for_number(number) or "ZZ"
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not _ASCII_E164.fullmatch(e164):
        # Only ASCII E.164 may reach the gateway (CONTRACT.md §5: destination is E.164).
        raise UnusableNumber("unparseable_number")
    return Destination(e164=e164, region=region, number_type=phonenumbers.number_type(number))


def _parse(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def number_prefix(destination: Destination, national_digits: int) -> str:
    """The destination's country code and the first ``national_digits`` digits of its national
    number, E.164 style (``+6421`` for ``+64211234567`` and 2 digits): what the fraud controls
    count and block (toll fraud pumps whole ranges). A prefix is not a number: safe to log."""
    country_code = phonenumbers.country_code_for_region(destination.region)
    length = len(str(country_code)) if country_code else 0
    return destination.e164[: 1 + length + national_digits]


def mask(number: str) -> str:
    """Only the last 3 digits survive, so logs can be correlated without holding the number."""
    tail = number[-3:]
    if tail.isdigit() and len(number) > 3:  # the usual case, without a scan of the number
        return "***" + tail
    digits = [c for c in number if c.isdigit()]
    return "***" + "".join(digits[-3:]) if len(digits) > 3 else "***"
