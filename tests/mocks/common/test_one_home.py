"""One home for each helper the mocks and load tests share (issue 15: "fold the repeated helpers
into one each"): the wire's ISO-8601 timestamps are written by ``mocks.common.timestamps`` alone,
and response schemas compiled by ``schemas.validator`` alone. The connector is left out on
purpose: it never imports the mocks (``tests/connector/test_packaging.py``)."""

from __future__ import annotations

import re
from pathlib import Path

from mocks.common.timestamps import iso, parse_iso

ROOT = Path(__file__).resolve().parents[3]
ISO_FORMAT = re.compile(r"""strftime\(\s*["']%Y-%m-%dT%H:%M:%S""")
OWN_VALIDATOR = re.compile(r"jsonschema_rs\.validator_for\(")


def sources(*packages: str) -> list[Path]:
    return [path for package in packages for path in sorted((ROOT / package).rglob("*.py"))]


def test_only_mocks_common_timestamps_formats_wire_timestamps() -> None:
    own = [
        str(path.relative_to(ROOT))
        for path in sources("mocks", "loadtests")
        if path != ROOT / "mocks/common/timestamps.py"
        and ROOT / "loadtests/bench" not in path.parents  # benchmarks time the connector's own
        and ISO_FORMAT.search(path.read_text())
    ]
    assert own == []


def test_only_schemas_compiles_validators_outside_the_connector() -> None:
    own = [
        str(path.relative_to(ROOT))
        for path in sources("mocks", "loadtests")
        if OWN_VALIDATOR.search(path.read_text())
    ]
    assert own == []


def test_iso_is_okta_s_format_with_milliseconds() -> None:
    assert iso(1643406220.0) == "2022-01-28T21:43:40.000Z"
    assert iso(1643406514.3219) == "2022-01-28T21:48:34.321Z"
    assert parse_iso(iso(1643406514.321)) == 1643406514.321
