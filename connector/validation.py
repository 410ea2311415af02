"""Schema validation of Okta's request with a compiled Draft 2020-12 validator (jsonschema-rs),
built from the same schema file the tests check with the reference ``jsonschema``.

Failures become Okta ``errorCauses`` naming each failing field by its JSON path. The reason text
is made from the schema, never from the value: a wrong-typed ``otpCode`` or ``phoneNumber`` must
not be echoed into an answer or a log.
"""

from __future__ import annotations

import re
from typing import Any

import jsonschema_rs

import schemas
from connector.answers import ErrorCause

REQUEST_SCHEMA = "okta/telephony-request"
MAX_CAUSES = 20
# Okta's request nests 5 deep; an unknown property is accepted, but not one nested like this.
MAX_DEPTH = 32
TOO_DEEP = ErrorCause("$ is nested deeper than any Okta request", "schema_depth", location="$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class RequestValidator:
    """Compiled once per app; ``check(document)`` gives the failures and the unknown-field count."""

    def __init__(self, schema_name: str = REQUEST_SCHEMA) -> None:
        self.schema = schemas.load(schema_name)
        self._validator = jsonschema_rs.validator_for(self.schema)
        self.known_properties = _known_properties(self.schema)
        # The same schema with every object closed: valid means no unknown property at all, so
        # the count in Python runs only for the rare document that has some: 0.68 against 3.94
        # µs a request for the full validator and the count (``python -m
        # loadtests.bench.micro_ab``).
        self._closed = jsonschema_rs.validator_for(_closed(self.schema))

    def check(self, document: Any) -> tuple[list[ErrorCause], int]:
        """``(causes, unknown)``: the schema failures (none: valid) and, for a valid document,
        how many properties it carries that the schema does not name. Nearly every document
        passes the closed schema: one pass through jsonschema-rs."""
        try:
            if self._closed.is_valid(document):
                return [], 0
            if _deeper_than(document, MAX_DEPTH):
                return [TOO_DEEP], 0
            if self._validator.is_valid(document):
                return [], _count_unknown(document, self.known_properties)
            return self.causes(document), 0
        except ValueError:
            # jsonschema-rs stops at its recursion limit ("Recursion limit reached") on a
            # value nested a few hundred deep: no field of Okta's request is, so it fails.
            return [TOO_DEEP], 0

    def causes(self, document: Any) -> list[ErrorCause]:
        causes: list[ErrorCause] = []
        for err in self._validator.iter_errors(document):
            keyword = str(err.schema_path[-1]) if err.schema_path else ""
            location = json_path(schemas.error_steps(err))
            causes.append(
                ErrorCause(
                    error_summary=f"{location} {_reason(keyword, self._keyword_value(err))}",
                    reason=f"schema_{keyword}" if keyword else "schema",
                    location=location,
                )
            )
            if len(causes) >= MAX_CAUSES:
                break
        return sorted(causes, key=lambda c: c.location)

    def _keyword_value(self, err: Any) -> Any:
        node: Any = self.schema
        for step in err.schema_path:
            if isinstance(node, dict):
                node = node.get(step)
            elif isinstance(node, list) and isinstance(step, int) and step < len(node):
                node = node[step]
            else:
                return None
        return node


def json_path(path: list[str | int]) -> str:
    """``["data", "messageProfile", "phoneNumber"]`` → ``$.data.messageProfile.phoneNumber``."""
    text = "$"
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        elif _IDENTIFIER.match(step):
            text += f".{step}"
        else:
            text += "['" + step.replace("\\", "\\\\").replace("'", "\\'") + "']"
    return text


def _reason(keyword: str, expected: Any) -> str:
    if keyword == "required":
        return "is required"
    if keyword == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return "must be of type " + " or ".join(str(k) for k in kinds)
    if keyword == "const":
        return f"must be {expected!r}"
    if keyword == "enum" and isinstance(expected, list):
        return "must be one of " + ", ".join(repr(v) for v in expected)
    if keyword == "pattern":
        return "has a value outside the allowed form"
    if keyword == "minimum":
        return f"must be at least {expected}"
    if keyword == "minLength":
        return f"must have at least {expected} characters"
    if keyword == "maxLength":
        return f"must have at most {expected} characters"
    return f"fails the schema rule {keyword!r}"


def _closed(schema: Any) -> Any:
    """A copy of ``schema`` in which every object with declared properties accepts no other."""
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: _closed(value) for key, value in schema.items()}
    if "properties" in schema:
        closed["properties"] = {k: _closed(v) for k, v in schema["properties"].items()}
        closed["additionalProperties"] = False
    return closed


def _known_properties(schema: dict[str, Any]) -> dict[str, Any]:
    """The tree of property names the schema declares, for counting unknown ones."""
    return {
        name: _known_properties(sub) if isinstance(sub, dict) else {}
        for name, sub in schema.get("properties", {}).items()
    }


def _count_unknown(document: Any, known: dict[str, Any]) -> int:
    # Runs on every call: key-view set arithmetic, descending only into declared objects.
    if not isinstance(document, dict):
        return 0
    count = len(document.keys() - known.keys())
    for key, children in known.items():
        if children and key in document:
            count += _count_unknown(document[key], children)
    return count


def _deeper_than(document: Any, limit: int) -> bool:
    # Iterative: a document nested 1,000 deep (orjson's limit is 1,024) must not recurse here.
    level: list[Any] = [document] if isinstance(document, dict | list) else []
    for _ in range(limit):
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True
