"""How many SMS units a text costs, and in which character set (CONTRACT.md §5).

GSM-7 (3GPP TS 23.038 default alphabet): 160 septets in one unit, 153 per unit when
concatenated; the extension characters ``^{}\\[~]|€`` and form feed take two septets (escape +
character) and a pair is never split across units. Any character outside the alphabet makes the
whole message UCS-2: 70 UTF-16 code units in one unit, 67 per unit concatenated, a surrogate
pair never split.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

GSM7: Final = "GSM7"
UCS2: Final = "UCS2"
MAX_UNITS: Final = 10

_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENSION = frozenset("^{}\\[~]|€\f")

_GSM7_SINGLE, _GSM7_PART = 160, 153
_UCS2_SINGLE, _UCS2_PART = 70, 67


@dataclass(frozen=True, slots=True)
class Encoding:
    """``charset`` is ``GSM7`` or ``UCS2``; ``length`` counts septets or UTF-16 code units."""

    charset: str
    length: int
    units: int


def _pack(widths: list[int], single: int, part: int) -> int:
    """Units needed for characters of the given widths, never splitting one character."""
    if sum(widths) <= single:
        return 1
    units, used = 1, 0
    for width in widths:
        if used + width > part:
            units, used = units + 1, 0
        used += width
    return units


def encode(text: str) -> Encoding:
    """The character set, length and unit count of ``text`` (empty text costs one unit)."""
    if all(ch in _BASIC or ch in _EXTENSION for ch in text):
        widths = [2 if ch in _EXTENSION else 1 for ch in text]
        return Encoding(GSM7, sum(widths), _pack(widths, _GSM7_SINGLE, _GSM7_PART))
    widths = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return Encoding(UCS2, sum(widths), _pack(widths, _UCS2_SINGLE, _UCS2_PART))
