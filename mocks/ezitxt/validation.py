"""Incoming JSON checked against ``schemas/ezitxt``, answered with EZITXT's error codes.

The validators are compiled once (jsonschema-rs, microseconds per document). The first failure
decides the answer: a missing attribute is ``missing_attrib``, a body that is not an object is
``invalid_json``, anything else ``invalid_attrib`` naming the attribute.
"""

from __future__ import annotations

import json
from typing import Any

import schemas
from mocks.ezitxt.errors import InvalidAttrib, InvalidJson, MissingAttrib

MAX_BODY_BYTES = 64 * 1024

_REASONS = {
    "Type": "wrong type",
    "MaxLength": "too long",
    "MinLength": "too short",
    "Pattern": "badly formed",
    "Enum": "not a known value",
    "Constant": "not a known value",
    "Maximum": "too large",
    "Minimum": "too small",
    "ExclusiveMinimum": "too small",
    "MaxItems": "too many items",
    "OneOfNotValid": "matches no allowed form",
    "AnyOf": "matches no allowed form",
    "Not": "combines exclusive attributes",
}
_HINTS = {
    ("destination", "Pattern"): "not E164",
    ("content", "MaxLength"): "exceeds 10 units",
    ("scheduled", "Pattern"): "not RFC 3339",
}


def parse_json(raw: bytes) -> Any:
    """The JSON document in ``raw``; ``invalid_json`` if it is none."""
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise InvalidJson("Request body is not valid JSON") from exc
    # Only a \u escape can smuggle in a lone surrogate, which no store or wire can encode.
    if b"\\u" in raw:
        try:
            json.dumps(doc, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidJson("Request body is not valid Unicode") from exc
    return doc


def check(name: str, doc: Any) -> dict[str, Any]:
    """``doc`` itself if it satisfies schema ``ezitxt/<name>``, else the matching EZITXT error."""
    v = schemas.validator(f"ezitxt/{name}")
    if v.is_valid(doc):
        result: dict[str, Any] = doc
        return result
    if not isinstance(doc, dict):
        raise InvalidJson("Request body must be a JSON object")
    error = next(iter(v.iter_errors(doc)))
    kind = type(error.kind).__name__
    if kind == "Required":
        raise MissingAttrib(f"Missing attribute {schemas.dotted_path(error)}")
    path = [str(p) for p in error.instance_path]
    if kind == "AdditionalProperties":
        raise InvalidAttrib(f"Unknown attribute {' '.join(str(u) for u in error.kind.unexpected)}")
    where = " ".join(path) if path else "body"
    reason = _HINTS.get((where, kind)) or _REASONS.get(kind, "not allowed")
    raise InvalidAttrib(f"Invalid attribute {where} {reason}")
