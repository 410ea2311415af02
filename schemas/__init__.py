"""JSON Schemas (Draft 2020-12) of every contract the project speaks, shipped as package data.

``load("okta/telephony-request")`` returns the parsed schema; ``registry()`` holds every schema
by its ``$id`` so that ``$ref``s resolve locally, never over the network. ``validator(name)``
is the compiled jsonschema-rs validator of a schema, built once per process; ``error_steps`` and
``dotted_path`` name where a document fails, from the schema's side only (a path, never a value:
the documents carry OTPs and phone numbers).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

ROOT = Path(__file__).resolve().parent
SUFFIX = ".schema.json"


def path_of(name: str) -> Path:
    """``"okta/telephony-request"`` → the file of that schema."""
    path = ROOT / f"{name}{SUFFIX}"
    if not path.is_file():
        raise FileNotFoundError(f"no schema named {name!r} (looked for {path})")
    return path


@cache
def _load_cached(name: str) -> str:
    return path_of(name).read_text(encoding="utf-8")


def load(name: str) -> dict[str, Any]:
    """A fresh copy of the parsed schema (callers may not mutate a shared one)."""
    schema: dict[str, Any] = json.loads(_load_cached(name))
    return schema


def names() -> list[str]:
    """Every schema shipped, as ``area/name``."""
    return sorted(
        str(p.relative_to(ROOT)).removesuffix(SUFFIX).replace("\\", "/")
        for p in ROOT.rglob(f"*{SUFFIX}")
    )


def by_id() -> dict[str, dict[str, Any]]:
    """Every schema keyed by its ``$id``, for a local ``$ref`` registry."""
    return {schema["$id"]: schema for schema in (load(n) for n in names())}


def examples(name: str) -> list[Path]:
    """Example documents of a schema: ``examples/<schema>.<reason>.{pass,fail}.json``."""
    area, _, short = name.rpartition("/")
    folder = ROOT / area / "examples"
    return sorted(folder.glob(f"{short}.*.pass.json")) + sorted(folder.glob(f"{short}.*.fail.json"))


@cache
def validator(name: str) -> Any:
    """The compiled validator of schema ``name``, one per process. Formats are annotations only,
    as Draft 2020-12 says by default: the tests check formats with the reference validator."""
    return jsonschema_rs.validator_for(load(name), validate_formats=False)


def error_steps(error: Any) -> list[str | int]:
    """Where a jsonschema-rs error is: its instance path, plus the missing property when a
    ``required`` keyword failed (the path alone names only the object that lacks it)."""
    steps: list[str | int] = list(error.instance_path)
    missing = getattr(error.kind, "property", None)
    if type(error.kind).__name__ == "Required" and missing is not None:
        steps.append(str(missing))
    return steps


def dotted_path(error: Any) -> str:
    """``data.messageProfile.phoneNumber``; ``body`` for the document itself."""
    return ".".join(str(step) for step in error_steps(error)) or "body"
