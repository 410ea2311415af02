"""Mock Okta in the shape both mocks share (``mocks.common.http``): JSON errors for bugs,
capped bodies, the reset contract and ``Allow`` on every 405."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mocks.okta.backend import OktaBackend
from mocks.okta.web import MAX_BODY_BYTES
from tests.mocks.okta.conftest import FakeHook, Org, assert_valid, running_org

HOOKS = "/api/v1/inlineHooks"


def okta_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert_valid("okta/error", body)
    assert body["errorCode"] == code
    return body


def test_a_bug_answers_okta_json_500_not_plain_text() -> None:
    backend = OktaBackend()

    def broken(hook_type: str | None = None) -> list[Any]:
        raise RuntimeError("a bug in the mock")

    backend.hooks.list = broken  # type: ignore[method-assign]
    with running_org(None, backend=backend) as org:
        body = okta_error(org.api("GET", HOOKS), 500, "E0000009")
        assert body["errorSummary"] == "Internal Server Error"


def test_a_body_over_the_cap_is_413_before_it_is_all_read(org: Org) -> None:
    okta_error(org.api("POST", HOOKS, data=b" " * (MAX_BODY_BYTES + 1)), 413, "E0000003")

    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    okta_error(org.api("POST", HOOKS, data=chunks()), 413, "E0000003")


def test_reset_answers_204_and_empties_the_org(org: Org, fake_hook: FakeHook) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    answer = org.api("POST", "/_mock/reset")
    assert (answer.status_code, answer.content) == (204, b"")
    assert org.api("GET", HOOKS).json() == []
    wrong = org.api("GET", "/_mock/reset")
    okta_error(wrong, 405, "E0000022")
    assert wrong.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", HOOKS, "GET, HEAD, POST"),
        ("DELETE", HOOKS, "GET, HEAD, POST"),
        ("PATCH", f"{HOOKS}/calAnyId", "DELETE, GET, HEAD, POST, PUT"),
        ("GET", f"{HOOKS}/calAnyId/execute", "POST"),
        ("POST", "/api/v1/logs", "GET, HEAD"),
    ],
)
def test_405_carries_allow_with_every_method_of_the_path(
    org: Org, method: str, path: str, allowed: str
) -> None:
    response = org.api(method, path)
    okta_error(response, 405, "E0000022")
    assert response.headers["allow"] == allowed
