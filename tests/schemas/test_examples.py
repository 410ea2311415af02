"""Every schema is a valid Draft 2020-12 schema, and every example file gets the verdict its name
promises from both the reference implementation (jsonschema) and the one the servers use
(jsonschema-rs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
import referencing
from jsonschema import Draft202012Validator

import schemas

ALL_SCHEMAS = schemas.names()
ALL_EXAMPLES = [(name, path) for name in ALL_SCHEMAS for path in schemas.examples(name)]


def reference_validator(name: str) -> Draft202012Validator:
    resources = [
        (uri, referencing.Resource.from_contents(doc)) for uri, doc in schemas.by_id().items()
    ]
    registry: referencing.Registry[Any] = referencing.Registry().with_resources(resources)
    return Draft202012Validator(schemas.load(name), registry=registry)


def fast_validator(name: str) -> Any:
    resources = list(schemas.by_id().items())
    registry = jsonschema_rs.Registry(resources)
    return jsonschema_rs.validator_for(schemas.load(name), registry=registry)


@pytest.mark.parametrize("name", ALL_SCHEMAS)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = schemas.load(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(f"/{name}.schema.json")
    assert schema["title"] and schema["description"]


@pytest.mark.parametrize("name", ALL_SCHEMAS)
def test_schema_has_pass_and_fail_examples(name: str) -> None:
    kinds = {p.name.rsplit(".", 2)[-2] for p in schemas.examples(name)}
    assert kinds == {"pass", "fail"}


@pytest.mark.parametrize(("name", "path"), ALL_EXAMPLES, ids=[p.name for _, p in ALL_EXAMPLES])
def test_example_verdict(name: str, path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    should_pass = path.name.endswith(".pass.json")
    reference_errors = list(reference_validator(name).iter_errors(document))
    assert (not reference_errors) is should_pass, [e.message for e in reference_errors]
    assert fast_validator(name).is_valid(document) is should_pass


def test_okta_telephony_examples_are_plenty() -> None:
    for name in ("okta/telephony-request", "okta/telephony-response"):
        fails = [p for p in schemas.examples(name) if p.name.endswith(".fail.json")]
        assert len(fails) >= 10, name


VENDOR = Path(__file__).resolve().parents[3] / "shared" / "vendor" / "okta"


@pytest.mark.skipif(not VENDOR.is_dir(), reason="shared/vendor not beside the checkout")
@pytest.mark.parametrize(
    ("name", "sample"),
    [
        ("okta/telephony-request", "telephony-request-reference-sample.json"),
        ("okta/telephony-response", "telephony-response-reference-success.json"),
        ("okta/telephony-response", "telephony-response-reference-error.json"),
    ],
)
def test_okta_reference_samples_pass(name: str, sample: str) -> None:
    document = json.loads((VENDOR / sample).read_text(encoding="utf-8"))
    jsonschema.validate(document, schemas.load(name), cls=Draft202012Validator)
    assert fast_validator(name).is_valid(document)
