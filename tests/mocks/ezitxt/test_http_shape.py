"""Mock EZITXT in the shape both mocks share (``mocks.common.http``): the reset contract and
``Allow`` on every 405."""

from __future__ import annotations

import pytest

from tests.mocks.ezitxt.conftest import Gateway, assert_error


def test_reset_answers_204_without_a_body(gw: Gateway) -> None:
    answer = gw.http.post(f"{gw.base}/_mock/reset")
    assert (answer.status_code, answer.content) == (204, b"")
    wrong = gw.http.get(f"{gw.base}/_mock/reset")
    assert_error(wrong, 405, "invalid_attrib")
    assert wrong.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/rest/sms/v2/messages", "GET, HEAD, POST"),
        ("DELETE", "/api/applications", "GET, HEAD, POST"),
        ("DELETE", "/api/applications/okta-hook", "GET, HEAD, PUT"),
        ("POST", "/_mock/faults", "DELETE, GET, HEAD, PUT"),
        ("POST", "/api/reports/mobile", "GET, HEAD"),
    ],
)
def test_405_carries_allow_with_every_method_of_the_path(
    gw: Gateway, method: str, path: str, allowed: str
) -> None:
    response = gw.http.request(method, f"{gw.base}{path}", headers=gw.auth)
    assert_error(response, 405, "invalid_attrib")
    assert response.headers["allow"] == allowed
