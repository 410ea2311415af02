"""Gateway REST v2 over a real socket: sending, reading, and every documented error."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from .conftest import Gateway, assert_error, assert_valid, new_application

URL = "/rest/sms/v2/messages"
DEST = "+64211234567"


def test_send_answers_202_with_id_status_and_destination(gw: Gateway) -> None:
    response = gw.send(destination=DEST, content="Your code is 11111", reference="evt-1")
    assert response.status_code == 202
    body = response.json()
    assert_valid("send-response", body)
    assert body["status"] == "accepted"
    assert body["detail"] == DEST


def test_get_message_shows_it_with_reference_and_status(gw: Gateway) -> None:
    message_id = gw.accepted(destination=DEST, content="Your code is 11111", reference="evt-1")
    response = gw.http.get(f"{gw.base}{URL}", params={"id": message_id}, headers=gw.auth)
    assert response.status_code == 200
    body = response.json()
    assert_valid("message", body)
    assert body == {
        "id": message_id,
        "source": "3400",
        "destination": DEST,
        "direction": "MT",
        "reference": "evt-1",
        "content": "Your code is 11111",
        "status": body["status"],
    }


def test_every_optional_attribute_is_accepted_and_stored(gw: Gateway) -> None:
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    message_id = gw.accepted(
        destination=DEST, source="4000", reference="r", mask="EZITXT", scheduled=later
    )
    entry = gw.entry(message_id)
    assert (entry["source"], entry["mask"], entry["scheduled"]) == ("4000", "EZITXT", later)
    message = gw.http.get(f"{gw.base}{URL}", params={"id": message_id}, headers=gw.auth).json()
    assert message["reference"] == "r"
    assert message["status"] == "accepted"  # held until its time


def test_no_idempotency_a_repeat_is_a_second_message(gw: Gateway) -> None:
    first = gw.accepted(destination=DEST, reference="same")
    second = gw.accepted(destination=DEST, reference="same")
    assert first != second


def _past() -> str:
    return (datetime.now(UTC) - timedelta(minutes=1)).isoformat()


def _far() -> str:
    return (datetime.now(UTC) + timedelta(days=61)).isoformat()


BAD_BODIES: list[tuple[str, Any, int, str]] = [
    ("not-json", b"{nope", 400, "invalid_json"),
    ("array", ["+64211234567"], 400, "invalid_json"),
    ("string", "hello", 400, "invalid_json"),
    ("missing-destination", {"content": "x"}, 400, "missing_attrib"),
    ("missing-content", {"destination": DEST}, 400, "missing_attrib"),
    ("destination-national", {"destination": "0211234567", "content": "x"}, 400, "invalid_attrib"),
    ("destination-no-plus", {"destination": "64211234567", "content": "x"}, 400, "invalid_attrib"),
    ("destination-number", {"destination": 64211234567, "content": "x"}, 400, "invalid_attrib"),
    ("content-empty", {"destination": DEST, "content": ""}, 400, "invalid_attrib"),
    ("content-null", {"destination": DEST, "content": None}, 400, "invalid_attrib"),
    ("content-11-gsm-units", {"destination": DEST, "content": "a" * 1531}, 400, "invalid_attrib"),
    ("content-11-ucs2-units", {"destination": DEST, "content": "ā" * 671}, 400, "invalid_attrib"),
    ("content-ext-11-units", {"destination": DEST, "content": "€" * 766}, 400, "invalid_attrib"),
    ("reference-256", {"destination": DEST, "content": "x", "reference": "r" * 256}, 400,
     "invalid_attrib"),
    ("mask-21", {"destination": DEST, "content": "x", "mask": "m" * 21}, 400, "invalid_attrib"),
    ("class-unknown", {"destination": DEST, "content": "x", "class": "mo"}, 400, "invalid_attrib"),
    ("unknown-attribute", {"destination": DEST, "content": "x", "to": DEST}, 400,
     "invalid_attrib"),
    ("scheduled-garbage", {"destination": DEST, "content": "x", "scheduled": "soon"}, 400,
     "invalid_attrib"),
    ("scheduled-no-offset", {"destination": DEST, "content": "x",
                             "scheduled": "2030-01-01T00:00:00"}, 400, "invalid_attrib"),
    ("scheduled-bad-date", {"destination": DEST, "content": "x",
                            "scheduled": "2030-02-30T00:00:00Z"}, 400, "invalid_attrib"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "status", "code"), [b[1:] for b in BAD_BODIES], ids=[b[0] for b in BAD_BODIES]
)
def test_bad_input_gets_the_documented_error(
    gw: Gateway, body: Any, status: int, code: str
) -> None:
    kwargs: dict[str, Any] = {"data": body} if isinstance(body, bytes) else {"json": body}
    response = gw.http.post(f"{gw.base}{URL}", headers=gw.auth, **kwargs)
    assert_error(response, status, code)


@pytest.mark.parametrize("when", [_past, _far], ids=["past", "over-60-days"])
def test_scheduled_out_of_range_is_422(gw: Gateway, when: Any) -> None:
    assert_error(gw.send(destination=DEST, scheduled=when()), 422, "invalid_attrib")


def test_ten_units_exactly_is_accepted(gw: Gateway) -> None:
    assert gw.send(destination=DEST, content="a" * 1530).status_code == 202
    assert gw.send(destination=DEST, content="ā" * 670).status_code == 202


def test_errors_name_the_attribute(gw: Gateway) -> None:
    body = gw.send(destination="021", content="x").json()
    assert body["message"] == "Invalid attribute destination not E164"
    body = gw.http.post(f"{gw.base}{URL}", json={"content": "x"}, headers=gw.auth).json()
    assert body["message"] == "Missing attribute destination"


def test_body_over_the_cap_is_413(gw: Gateway) -> None:
    response = gw.http.post(f"{gw.base}{URL}", data=b"x" * 70_000, headers=gw.auth)
    assert_error(response, 413, "invalid_json")


def _basic(name: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer abc",
        "Basic",
        "Basic !!!not-base64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        _basic("okta-hook", "wrong-password"),
        _basic("nobody", "whatever"),
    ],
    ids=["none", "empty", "bearer", "no-token", "not-base64", "no-colon", "wrong", "unknown"],
)
def test_wrong_credentials_are_401(gw: Gateway, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    body = {"destination": DEST, "content": "x"}
    assert_error(gw.http.post(f"{gw.base}{URL}", json=body, headers=headers), 401, "send_failed")
    response = gw.http.get(f"{gw.base}{URL}", params={"id": "x"}, headers=headers)
    assert_error(response, 401, "send_failed")


def test_credentials_are_checked_before_the_body(gw: Gateway) -> None:
    response = gw.http.post(f"{gw.base}{URL}", data=b"{nope")
    assert_error(response, 401, "send_failed")


def test_application_without_password_cannot_send(gw: Gateway) -> None:
    assert gw.http.post(f"{gw.base}/api/applications", json={"name": "fresh"}).status_code == 201
    headers = {"Authorization": _basic("fresh", "")}
    response = gw.http.post(f"{gw.base}{URL}", json={"destination": DEST, "content": "x"},
                            headers=headers)  # fmt: skip
    assert_error(response, 401, "send_failed")


def test_get_needs_an_id(gw: Gateway) -> None:
    assert_error(gw.http.get(f"{gw.base}{URL}", headers=gw.auth), 400, "missing_attrib")
    response = gw.http.get(f"{gw.base}{URL}", params={"id": "not-a-uuid"}, headers=gw.auth)
    assert_error(response, 400, "invalid_attrib")
    response = gw.http.get(f"{gw.base}{URL}", params={"id": "x", "extra": "1"}, headers=gw.auth)
    assert_error(response, 400, "invalid_attrib")


def test_unknown_id_is_404(gw: Gateway) -> None:
    params = {"id": "00000000-0000-4000-8000-000000000000"}
    assert_error(gw.http.get(f"{gw.base}{URL}", params=params, headers=gw.auth), 404,
                 "invalid_attrib")  # fmt: skip


def test_another_applications_message_is_404(gw: Gateway) -> None:
    message_id = gw.accepted(destination=DEST)
    secret, _ = new_application(gw.base, gw.http, "other-app")
    response = gw.http.get(
        f"{gw.base}{URL}", params={"id": message_id}, headers={"Authorization": secret}
    )
    assert_error(response, 404, "invalid_attrib")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_method_is_405_naming_the_allowed_ones(gw: Gateway, method: str) -> None:
    response = gw.http.request(method, f"{gw.base}{URL}", headers=gw.auth)
    assert_error(response, 405, "invalid_attrib")
    assert {"GET", "POST"} <= set(response.headers["allow"].replace(" ", "").split(","))


@pytest.mark.parametrize(
    "path", ["/rest/sms/v1/messages", "/rest/sms/v2/messages/abc", "/nothing", "/_mock/nothing"]
)
def test_unknown_route_is_404(gw: Gateway, path: str) -> None:
    assert_error(gw.http.get(f"{gw.base}{path}", headers=gw.auth), 404, "invalid_attrib")


def test_many_requests_on_one_connection(gw: Gateway) -> None:
    with requests.Session() as session:
        ids = {
            session.post(
                f"{gw.base}{URL}", json={"destination": DEST, "content": "x"}, headers=gw.auth
            ).json()["id"]
            for _ in range(50)
        }
    assert len(ids) == 50
