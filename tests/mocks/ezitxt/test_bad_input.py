"""Whatever arrives, every endpoint answers a documented status with a JSON body — never a 500,
never a hang (hypothesis throws arbitrary JSON and bytes at a real server)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import APP, Gateway, assert_valid

ENDPOINTS = [
    ("POST", "/rest/sms/v2/messages"),
    ("POST", "/api/applications"),
    ("PUT", f"/api/applications/{APP}"),
    ("PUT", "/_mock/faults"),
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(["destination", "content", "reference", "name", "callbackUrl", "status",
                         "delay", "scheduled", "class", "mask", "source", "rules", "x"]),
        children,
        max_size=5,
    ),
    max_leaves=12,
)  # fmt: skip
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _check(response: requests.Response) -> None:
    assert response.status_code < 500 or response.status_code == 503, response.text
    body: Any = response.json()
    if response.status_code >= 400:
        assert_valid("error", body)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@FUZZ
@given(doc=JSON)
def test_arbitrary_json(gw: Gateway, method: str, path: str, doc: Any) -> None:
    data = json.dumps(doc, allow_nan=True)
    response = gw.http.request(method, f"{gw.base}{path}", data=data, headers=gw.auth, timeout=5)
    _check(response)
    gw.http.delete(f"{gw.base}/_mock/faults")


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@FUZZ
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes(gw: Gateway, method: str, path: str, raw: bytes) -> None:
    response = gw.http.request(method, f"{gw.base}{path}", data=raw, headers=gw.auth, timeout=5)
    _check(response)


@pytest.mark.parametrize(
    "raw",
    [b"[" * 60_000, b'{"content": "\\ud800", "destination": "+64211234567"}', b"\xff\xfe", b""],
    ids=["deep-nesting", "lone-surrogate", "not-utf8", "empty"],
)
def test_nasty_bodies_are_invalid_json(gw: Gateway, raw: bytes) -> None:
    response = gw.http.post(f"{gw.base}/rest/sms/v2/messages", data=raw, headers=gw.auth)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["id", "application", "destination", "origin", "status", "charset",
                         "from", "to", "page", "pageSize", "include_content"]),
        st.text(max_size=20),
        max_size=4,
    )
)  # fmt: skip
def test_arbitrary_report_parameters(gw: Gateway, params: dict[str, str]) -> None:
    response = gw.http.get(f"{gw.base}/api/reports/mobile", params=params, timeout=5)
    _check(response)


@FUZZ
@given(segment=st.text(min_size=1, max_size=20).filter(lambda s: "/" not in s and s not in ".."))
def test_arbitrary_path_segments(gw: Gateway, segment: str) -> None:
    for path in (
        f"/_mock/handsets/{segment}/messages",
        f"/api/reports/mobile/{segment}",
        f"/api/applications/{segment}",
    ):
        _check(gw.http.get(f"{gw.base}{path}", timeout=5))
