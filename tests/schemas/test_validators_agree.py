"""The connector validates with jsonschema-rs; jsonschema is the reference. Both must give the
same verdict on documents generated from the telephony schemas and on mutations of them."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

import schemas

REQUEST = schemas.load("okta/telephony-request")
RESPONSE = schemas.load("okta/telephony-response")


class Both:
    """The reference validator and the fast one, for one schema."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.reference = Draft202012Validator(schema)
        self.fast = jsonschema_rs.validator_for(schema)

    def verdict(self, document: Any) -> bool:
        reference = self.reference.is_valid(document)
        assert self.fast.is_valid(document) is reference, document
        return bool(reference)


REQUESTS, RESPONSES = Both(REQUEST), Both(RESPONSE)

SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
# hypothesis-jsonschema filters its own drafts against the request schema's patterns and its
# string-or-integer fields (phoneNumber, otpCode); on some seeds that trips filter_too_much
# (seen on main: 9 generated, 50 filtered), which says nothing about the two validators' verdicts.
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def mutate(document: Any, draw: st.DrawFn) -> Any:
    """Replace or delete one value somewhere inside the document."""
    if isinstance(document, dict) and document and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(document)))
        action = draw(st.sampled_from(["delete", "replace", "descend"]))
        copy = dict(document)
        if action == "delete":
            del copy[key]
        elif action == "replace":
            copy[key] = draw(JSON_VALUES)
        else:
            copy[key] = mutate(copy[key], draw)
        return copy
    if isinstance(document, list) and document and draw(st.booleans()):
        index = draw(st.integers(0, len(document) - 1))
        copy_list = list(document)
        copy_list[index] = mutate(copy_list[index], draw)
        return copy_list
    return draw(JSON_VALUES)


@st.composite
def mutated(draw: st.DrawFn, schema: dict[str, Any]) -> Any:
    return mutate(draw(from_schema(schema)), draw)


@SETTINGS
@given(from_schema(REQUEST))
def test_generated_requests_valid_for_both(document: Any) -> None:
    assert REQUESTS.verdict(document)


@SETTINGS
@given(mutated(REQUEST))
def test_mutated_requests_same_verdict(document: Any) -> None:
    REQUESTS.verdict(document)


@SETTINGS
@given(from_schema(RESPONSE))
def test_generated_responses_valid_for_both(document: Any) -> None:
    assert RESPONSES.verdict(document)


@SETTINGS
@given(mutated(RESPONSE))
def test_mutated_responses_same_verdict(document: Any) -> None:
    RESPONSES.verdict(document)
