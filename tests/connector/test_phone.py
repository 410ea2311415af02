from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.errors import UnusableNumber
from connector.phone import Destination, full_normalise, mask, normalise


@pytest.mark.parametrize(
    ("raw", "region", "e164", "country"),
    [
        ("+64211234567", "NZ", "+64211234567", "NZ"),
        ("021 123 4567", "NZ", "+64211234567", "NZ"),
        ("021-123-4567", "NZ", "+64211234567", "NZ"),
        ("64211234567", "NZ", "+64211234567", "NZ"),
        ("+61 412 345 678", "NZ", "+61412345678", "AU"),
        ("0412 345 678", "AU", "+61412345678", "AU"),
        ("(09) 303 2222", "NZ", "+6493032222", "NZ"),
        ("+1 650 253 0000", "NZ", "+16502530000", "US"),
    ],
)
def test_numbers_in_every_form_become_e164(raw: str, region: str, e164: str, country: str) -> None:
    assert normalise(raw, region) == Destination(e164=e164, region=country)


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


def test_mask_keeps_only_the_last_three_digits() -> None:
    assert mask("+64211234567") == "***567"
    assert mask("021 123 4567") == "***567"
    assert mask("12") == "***"
