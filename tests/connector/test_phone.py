from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from connector.errors import UnusableNumber
from connector.phone import Destination, full_normalise, mask, normalise

MOBILE = PhoneNumberType.MOBILE


@pytest.mark.parametrize(
    ("raw", "region", "e164", "country", "kind"),
    [
        ("+64211234567", "NZ", "+64211234567", "NZ", MOBILE),
        ("021 123 4567", "NZ", "+64211234567", "NZ", MOBILE),
        ("021-123-4567", "NZ", "+64211234567", "NZ", MOBILE),
        ("64211234567", "NZ", "+64211234567", "NZ", MOBILE),
        ("+61 412 345 678", "NZ", "+61412345678", "AU", MOBILE),
        ("0412 345 678", "AU", "+61412345678", "AU", MOBILE),
        ("(09) 303 2222", "NZ", "+6493032222", "NZ", PhoneNumberType.FIXED_LINE),
        ("+1 650 253 0000", "NZ", "+16502530000", "US", PhoneNumberType.FIXED_LINE_OR_MOBILE),
        ("0900 01234", "NZ", "+6490001234", "NZ", PhoneNumberType.PREMIUM_RATE),
        ("+1 800 555 1234", "NZ", "+18005551234", "US", PhoneNumberType.TOLL_FREE),
        ("+44 70 1234 5678", "NZ", "+447012345678", "GB", PhoneNumberType.PERSONAL_NUMBER),
        # The mocks' test numbers (mock EZITXT's failing ones) are mobile numbers too.
        ("+64210000001", "NZ", "+64210000001", "NZ", MOBILE),
        ("+61400000001", "NZ", "+61400000001", "AU", MOBILE),
    ],
)
def test_numbers_in_every_form_become_e164(
    raw: str, region: str, e164: str, country: str, kind: int
) -> None:
    assert normalise(raw, region) == Destination(e164=e164, region=country, number_type=kind)


@pytest.mark.parametrize("raw", ["", "   ", "abc", "9876543210", "+64 21 123", "+999123", "0"])
def test_unusable_numbers(raw: str) -> None:
    with pytest.raises(UnusableNumber):
        normalise(raw, "NZ")


def outcome(raw: str, region: str) -> Destination | str:
    try:
        return full_normalise(raw, region)
    except UnusableNumber as exc:
        return exc.reason


def fast_outcome(raw: str, region: str) -> Destination | str:
    try:
        return normalise.__wrapped__(raw, region)
    except UnusableNumber as exc:
        return exc.reason


NUMBERS = st.builds(
    lambda prefix, digits, sep: (
        prefix + sep.join(digits[i : i + 3] for i in range(0, len(digits), 3))
    ),
    st.sampled_from(
        ["+64", "+6421", "+6422", "021", "+61", "+614", "04", "0", "+6402", "64", "+1", ""]
    ),
    st.text("0123456789", min_size=4, max_size=12),
    st.sampled_from(["", " ", "-"]),
)


@settings(max_examples=400, deadline=None)
@given(NUMBERS, st.sampled_from(["NZ", "AU", "US"]))
def test_fast_path_agrees_with_the_full_parse(raw: str, region: str) -> None:
    assert fast_outcome(raw, region) == outcome(raw, region)


# Decimal digits of other scripts: str.isdigit() and regex "\\d" accept them all.
DIGIT_ZEROS = {
    "ascii": "0",
    "arabic-indic": "\u0660",
    "extended-arabic-indic": "\u06f0",
    "devanagari": "\u0966",
    "bengali": "\u09e6",
    "thai": "\u0e50",
    "fullwidth": "\uff10",
    "mathematical-bold": "\U0001d7ce",
}


def in_scripts(ascii_number: str, scripts: list[str], start: int) -> str:
    """From index ``start`` on, each ASCII digit of ``ascii_number`` written in the next
    script of ``scripts`` (an ASCII prefix then other digits: the case that got through)."""
    out = list(ascii_number[:start])
    for i, char in enumerate(ascii_number[start:]):
        zero = DIGIT_ZEROS[scripts[i % len(scripts)]]
        out.append(chr(ord(zero) + int(char)) if char.isdigit() else char)
    return "".join(out)


FOREIGN_NUMBERS = st.tuples(
    NUMBERS,
    st.lists(st.sampled_from(sorted(DIGIT_ZEROS)), min_size=1, max_size=3),
    st.integers(0, 6),
)


@settings(max_examples=400, deadline=None)
@given(FOREIGN_NUMBERS, st.sampled_from(["NZ", "AU", "US"]))
def test_other_digit_forms_read_as_their_ascii_digits(
    number: tuple[str, list[str], int], region: str
) -> None:
    """Item 9 of issue 9: ``021١٢٣٤٥٦٧`` went to the gateway as ``+6421١٢٣٤٥٦٧``."""
    ascii_number, scripts, start = number
    raw = in_scripts(ascii_number, scripts, start)
    found = fast_outcome(raw, region)
    assert found == outcome(raw, region) == outcome(ascii_number, region)
    if isinstance(found, Destination):
        assert re.fullmatch(r"\+[0-9]+", found.e164, re.ASCII), found


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=20), st.sampled_from(["NZ", "AU"]))
def test_whatever_the_text_only_ascii_e164_comes_out(raw: str, region: str) -> None:
    found = fast_outcome(raw, region)
    if isinstance(found, Destination):
        assert re.fullmatch(r"\+[0-9]+", found.e164, re.ASCII), found


def test_the_reported_number() -> None:
    assert normalise("021\u0661\u0662\u0663\u0664\u0665\u0666\u0667", "NZ") == Destination(
        e164="+64211234567", region="NZ", number_type=MOBILE
    )


def test_mask_keeps_only_the_last_three_digits() -> None:
    assert mask("+64211234567") == "***567"
    assert mask("021 123 4567") == "***567"
    assert mask("12") == "***"
