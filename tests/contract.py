"""Check that what the connector answers is exactly what Okta accepts."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

import schemas


@cache
def _response_validator() -> Draft202012Validator:
    return Draft202012Validator(schemas.load("okta/telephony-response"))


def okta_answer(body: bytes | str) -> dict[str, Any]:
    """Parse an answer body and fail the test unless it validates against
    ``telephony-response.schema.json``."""
    document: dict[str, Any] = json.loads(body)
    _response_validator().validate(document)
    return document


def command_value(document: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = document["commands"][0]["value"][0]
    return value
