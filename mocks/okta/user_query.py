"""The expressions of ``GET /api/v1/users?filter=…`` and ``?search=…``, parsed into predicates
over a user's fields. Pure: no I/O, no state.

What Okta's management OpenAPI (2026.06.3, ``listUsers``) documents, and the mock follows:

- ``filter``: only ``status``, ``lastUpdated``, ``id``, ``profile.login``, ``profile.email``,
  ``profile.firstName`` and ``profile.lastName``; only ``eq``, except ``lastUpdated``, which also
  takes ``gt``, ``ge``, ``lt`` and ``le``; ``and``/``or`` (no ``not``); values case-sensitive.
- ``search``: any profile attribute, ``id``, ``status``, ``created``, ``activated``,
  ``statusChanged``, ``lastUpdated`` and ``type.id``; ``eq``, ``sw``, ``gt``, ``ge``, ``lt``,
  ``le``, ``pr``, and ``co`` only on ``profile.firstName``, ``lastName``, ``email`` and ``login``;
  no ``ne``; string values case-insensitive.

Property names are case-sensitive in both, operators are not; parentheses group. Anything else is
Okta's 400 ``E0000031`` "Invalid search criteria".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mocks.common.timestamps import parse_iso
from mocks.okta.errors import InvalidSearch

Fields = Mapping[str, Any]
Predicate = Callable[[Fields], bool]

DATES = frozenset({"created", "activated", "statusChanged", "lastUpdated"})
TOP_LEVEL = frozenset({"id", "status", "type.id", *DATES})
FILTER_ATTRIBUTES = frozenset(
    {"status", "lastUpdated", "id", "profile.login", "profile.email", "profile.firstName",
     "profile.lastName"}
)  # fmt: skip
CONTAINS_ATTRIBUTES = frozenset(
    {"profile.firstName", "profile.lastName", "profile.email", "profile.login"}
)
ORDERING = frozenset({"gt", "ge", "lt", "le"})
SEARCH_OPERATORS = frozenset({"eq", "sw", "co", "pr", *ORDERING})
_TOKEN = re.compile(r'\s*(\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+)')
_ATTRIBUTE = re.compile(r"^(profile\.[A-Za-z_][A-Za-z0-9_]*|[A-Za-z]+(\.id)?)$")


@dataclass(frozen=True)
class Dialect:
    """Which attributes and operators one parameter takes, and whether values fold case."""

    name: str
    fold_case: bool

    def check(self, attribute: str, operator: str) -> None:
        if self.name == "filter":
            allowed = attribute in FILTER_ATTRIBUTES and (
                operator == "eq" or (attribute == "lastUpdated" and operator in ORDERING)
            )
        else:
            known = attribute in TOP_LEVEL or attribute.startswith("profile.")
            allowed = known and operator in SEARCH_OPERATORS
            allowed = allowed and (operator != "co" or attribute in CONTAINS_ATTRIBUTES)
        if not allowed:
            raise InvalidSearch()


FILTER = Dialect("filter", fold_case=False)
SEARCH = Dialect("search", fold_case=True)


def parse(text: str, dialect: Dialect) -> Predicate:
    """The predicate of a ``filter`` or ``search`` expression."""
    tokens = _tokens(text)
    predicate, rest = _or(tokens, dialect)
    if rest:
        raise InvalidSearch()
    return predicate


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position:].strip():
                raise InvalidSearch()
            break
        tokens.append(match.group(1))
        position = match.end()
    if not tokens:
        raise InvalidSearch()
    return tokens


Level = Callable[[list[str], Dialect], tuple[Predicate, list[str]]]


def _joined(word: str, operand: Level, join: Callable[[Predicate, Predicate], Predicate]) -> Level:
    """One precedence level: ``operand (word operand)*``; ``and`` binds tighter than ``or``."""

    def level(tokens: list[str], dialect: Dialect) -> tuple[Predicate, list[str]]:
        left, tokens = operand(tokens, dialect)
        while tokens and tokens[0].lower() == word:
            right, tokens = operand(tokens[1:], dialect)
            left = join(left, right)
        return left, tokens

    return level


def _either(a: Predicate, b: Predicate) -> Predicate:
    return lambda fields: a(fields) or b(fields)


def _both(a: Predicate, b: Predicate) -> Predicate:
    return lambda fields: a(fields) and b(fields)


def _factor(tokens: list[str], dialect: Dialect) -> tuple[Predicate, list[str]]:
    if not tokens:
        raise InvalidSearch()
    if tokens[0] == "(":
        inner, rest = _or(tokens[1:], dialect)
        if not rest or rest[0] != ")":
            raise InvalidSearch()
        return inner, rest[1:]
    if len(tokens) < 2 or _ATTRIBUTE.match(tokens[0]) is None:
        raise InvalidSearch()
    attribute, operator = tokens[0], tokens[1].lower()
    dialect.check(attribute, operator)
    if operator == "pr":
        return (lambda fields: fields.get(attribute) is not None), tokens[2:]
    if len(tokens) < 3:
        raise InvalidSearch()
    return _comparison(attribute, operator, _literal(tokens[2]), dialect), tokens[3:]


def _literal(token: str) -> Any:
    if token.startswith('"') and token.endswith('"') and len(token) >= 2:
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    lowered = token.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    try:
        return float(token)
    except ValueError:
        raise InvalidSearch() from None


def _comparison(attribute: str, operator: str, wanted: Any, dialect: Dialect) -> Predicate:
    if attribute in DATES:
        # Dates compare as instants, at the milliseconds Okta writes them with.
        if not isinstance(wanted, str) or operator not in ("eq", *ORDERING):
            raise InvalidSearch()
        try:
            moment = round(parse_iso(wanted), 3)
        except ValueError:
            raise InvalidSearch() from None
        return _ordered(lambda fields: fields.get(attribute), operator, moment)
    if isinstance(wanted, str) and dialect.fold_case:
        wanted = wanted.casefold()

    def value_of(fields: Fields) -> Any:
        value = fields.get(attribute)
        if isinstance(value, str) and dialect.fold_case:
            return value.casefold()
        return value

    if operator == "eq":
        return lambda fields: value_of(fields) == wanted
    if operator in ("sw", "co"):
        if not isinstance(wanted, str):
            raise InvalidSearch()

        def text_test(fields: Fields) -> bool:
            value = value_of(fields)
            if not isinstance(value, str):
                return False
            return value.startswith(wanted) if operator == "sw" else wanted in value

        return text_test
    return _ordered(value_of, operator, wanted)


def _ordered(value_of: Callable[[Fields], Any], operator: str, wanted: Any) -> Predicate:
    def test(fields: Fields) -> bool:
        value = value_of(fields)
        if value is None or wanted is None or type(value) is not type(wanted):
            return value == wanted if operator == "eq" else False
        if operator == "eq":
            return bool(value == wanted)
        if operator == "gt":
            return bool(value > wanted)
        if operator == "ge":
            return bool(value >= wanted)
        if operator == "lt":
            return bool(value < wanted)
        return bool(value <= wanted)

    return test


_and = _joined("and", _factor, _both)
_or = _joined("or", _and, _either)
