"""Units and character sets (CONTRACT.md §5): GSM-7 160/153 with extension characters counting
twice and never split, UCS-2 70/67 with surrogate pairs never split."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocks.ezitxt.units import GSM7, UCS2, encode


@pytest.mark.parametrize(
    ("text", "charset", "length", "units"),
    [
        ("", GSM7, 0, 1),
        ("Your code is 11111", GSM7, 18, 1),
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),
        ("a" * 306, GSM7, 306, 2),
        ("a" * 307, GSM7, 307, 3),
        ("a" * 1530, GSM7, 1530, 10),
        ("a" * 1531, GSM7, 1531, 11),
        ("€" * 80, GSM7, 160, 1),
        ("€" * 81, GSM7, 162, 2),
        ("^{}\\[~]|€\f", GSM7, 20, 1),
        ("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\n\r", GSM7, 44, 1),
        # 152 plain septets then an escape pair: the pair moves whole to the second unit.
        ("a" * 152 + "{" + "a" * 10, GSM7, 164, 2),
        ("a" * 152 + "{" + "a" * 152, GSM7, 306, 3),
        ("ā", UCS2, 1, 1),
        ("ā" * 70, UCS2, 70, 1),
        ("ā" * 71, UCS2, 71, 2),
        ("ā" * 134, UCS2, 134, 2),
        ("ā" * 135, UCS2, 135, 3),
        ("ā" * 670, UCS2, 670, 10),
        ("Kia ora, ko 11111 tō waehere", UCS2, 28, 1),
        ("🌿" * 35, UCS2, 70, 1),
        ("🌿" * 36, UCS2, 72, 2),
        # 66 code units then a surrogate pair: the pair moves whole to the second unit.
        ("ā" * 66 + "🌿" + "ā" * 10, UCS2, 78, 2),
        ("€ and ç", UCS2, 7, 1),  # ç is not GSM-7 (only Ç is)
    ],
)
def test_encode(text: str, charset: str, length: int, units: int) -> None:
    assert encode(text) == (encode(text).__class__(charset, length, units))


@given(st.text(max_size=2000))
def test_units_grow_with_length_and_never_underestimate(text: str) -> None:
    e = encode(text)
    single, part = (160, 153) if e.charset == GSM7 else (70, 67)
    assert e.units >= 1
    if e.length <= single:
        assert e.units == 1
    else:
        assert e.units * part >= e.length
        assert e.units <= -(-e.length // (part - 1))
