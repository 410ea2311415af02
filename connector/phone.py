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

    The fast path earns its keep (``python -m loadtests.bench.phone_fast_path``, 2026-12-06,
    idle machine): per uncached number, fast path against plain parse, NZ E.164 1.5 against
    27.2 µs, AU E.164 1.4 against 45.9 µs, NZ national 2.4 against 32.7 µs. Its plan looks up the
    country code in a dict, matches the general and the mobile pattern in one regex (the first
    as a lookahead), and builds the value with ``tuple.__new__``; ``number_prefix`` keeps each
    region's code length (phonenumbers' look-up is four calls, 697 against 362 ns): together
    414,851 -> 404,129 instructions a hook answer on fresh numbers (-2.6%; ``python -m
    loadtests.bench.served_cost --valgrind --requests 2000``, this change alone, 2026-12-06).
    """
    return _fast_mobile(raw, default_region) or full_normalise(raw, default_region)


@dataclass(frozen=True, slots=True)
class _MobilePlan:
    region: str
    country_code: str
    national_prefix: str
    # The general and the mobile pattern in one match: the first as a lookahead.
    mobile: re.Pattern[str]
    fixed: re.Pattern[str] | None
    e164_head: str  # "+64"


@cache
def _plans() -> tuple[dict[str, _MobilePlan], dict[str, _MobilePlan]]:
    """The fast regions' plans by region, and by country code."""
    plans = {}
    for region in FAST_REGIONS:
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        assert meta is not None and meta.general_desc and meta.mobile
        general = meta.general_desc.national_number_pattern or "(?!)"
        mobile = meta.mobile.national_number_pattern or "(?!)"
        plans[region] = _MobilePlan(
            region=region,
            country_code=str(meta.country_code),
            national_prefix=meta.national_prefix or "",
            mobile=re.compile(f"(?=(?:{general})\\Z)(?:{mobile})", re.ASCII),
            fixed=re.compile(meta.fixed_line.national_number_pattern, re.ASCII)
            if meta.fixed_line and meta.fixed_line.national_number_pattern
            else None,
            e164_head=f"+{meta.country_code}",
        )
    by_code = {plan.country_code: plan for plan in plans.values()}
    if any(len(code) != 2 for code in by_code):
        raise RuntimeError("the fast path reads two-digit country codes only")
    return plans, by_code


def _fast_mobile(raw: str, default_region: str) -> Destination | None:
    if not raw.isascii():
        # Other digit forms (Arabic-Indic, fullwidth, ...) are str.isdigit() and match "\d":
        # phonenumbers converts them to ASCII, the fast path would pass them on as they are.
        return None
    # Okta sends E.164 nearly always: no separators to strip then.
    digits = raw if raw[1:].isdigit() else _SEPARATORS.sub("", raw)
    by_region, by_code = _plans()
    if digits.startswith("+"):
        # Every fast region's country code has two digits (_plans checks it).
        plan = by_code.get(digits[1:3])
        return _matched(plan, digits[3:]) if plan is not None else None
    home = by_region.get(default_region)
    if home and home.national_prefix and digits.startswith(home.national_prefix):
        return _matched(home, digits[len(home.national_prefix) :])
    return None


def _matched(plan: _MobilePlan, national: str) -> Destination | None:
    if not national.isdigit() or plan.mobile.fullmatch(national) is None:
        return None
    # phonenumbers calls a number matching both the fixed-line and the mobile pattern
    # FIXED_LINE_OR_MOBILE. NZ's and AU's patterns do not overlap today; one more regex on an
    # uncached number (normalise caches) keeps the fast path equal to the full parse (the
    # property test holds it) whatever a metadata update brings.
    fixed = plan.fixed
    both = fixed is not None and fixed.fullmatch(national) is not None
    number_type = _BOTH if both else _MOBILE
    return tuple.__new__(Destination, (plan.e164_head + national, plan.region, number_type))


_MOBILE = phonenumbers.PhoneNumberType.MOBILE
_BOTH = phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE


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
    return destination.e164[: 1 + _country_code_length(destination.region) + national_digits]


@cache
def _country_code_length(region: str) -> int:
    # phonenumbers' look-up goes through four calls; a region's code never changes.
    country_code = phonenumbers.country_code_for_region(region)
    return len(str(country_code)) if country_code else 0


def mask(number: str) -> str:
    """Only the last 3 digits survive, so logs can be correlated without holding the number."""
    tail = number[-3:]
    if tail.isdigit() and len(number) > 3:  # the usual case, without a scan of the number
        return "***" + tail
    digits = [c for c in number if c.isdigit()]
    return "***" + "".join(digits[-3:]) if len(digits) > 3 else "***"
