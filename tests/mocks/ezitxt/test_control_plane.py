"""The ``/_mock/`` control plane over a real socket: handsets, every gateway fault, reset."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from .conftest import Gateway, assert_error, assert_valid

FAULTS = "/_mock/faults"
DEST = "+64211234567"


def put_faults(gw: Gateway, doc: dict[str, Any]) -> dict[str, Any]:
    response = gw.http.put(f"{gw.base}{FAULTS}", json=doc)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def stored(gw: Gateway) -> int:
    count: int = gw.http.get(f"{gw.base}/_mock/stats").json()["messages"]
    return count


def inbox(gw: Gateway, msisdn: str, **params: Any) -> dict[str, Any]:
    response = gw.http.get(f"{gw.base}/_mock/handsets/{msisdn}/messages", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert_valid("handset-messages", body)
    return body


# Handsets


def test_handset_shows_received_messages_newest_first(gw: Gateway) -> None:
    first = gw.accepted(destination=DEST, content="Your code is 111111", reference="a")
    gw.wait(first)
    second = gw.accepted(destination=DEST, content="Your code is 222222", reference="b")
    gw.wait(second)
    gw.accepted(destination="+64221234567", content="someone else")
    messages = inbox(gw, DEST)["messages"]
    assert [(m["id"], m["content"], m["reference"]) for m in messages] == [
        (second, "Your code is 222222", "b"),
        (first, "Your code is 111111", "a"),
    ]
    assert [m["id"] for m in inbox(gw, DEST, limit=1)["messages"]] == [second]


def test_handset_accepts_the_number_without_plus(gw: Gateway) -> None:
    gw.wait(gw.accepted(destination=DEST))
    body = inbox(gw, DEST.lstrip("+"))
    assert body["msisdn"] == DEST
    assert len(body["messages"]) == 1


def test_handset_never_shows_undelivered_messages(gw: Gateway) -> None:
    for suffix in ("01", "05", "07"):
        gw.wait(gw.accepted(destination=f"+642100000{suffix}"), {"rejected", "blocked", "sent"})
        assert inbox(gw, f"+642100000{suffix}")["messages"] == []


@pytest.mark.parametrize(("msisdn", "params"), [("021123", {}), (DEST, {"limit": "0"}),
                                                 (DEST, {"other": "1"})])  # fmt: skip
def test_handset_bad_input_is_400(gw: Gateway, msisdn: str, params: dict[str, str]) -> None:
    response = gw.http.get(f"{gw.base}/_mock/handsets/{msisdn}/messages", params=params)
    assert_error(response, 400, "invalid_attrib")


# Faults


def test_no_faults_by_default_and_delete_clears(gw: Gateway) -> None:
    assert gw.http.get(f"{gw.base}{FAULTS}").json()["rules"] == []
    put_faults(gw, {"status": 503})
    response = gw.http.delete(f"{gw.base}{FAULTS}")
    assert response.json()["rules"] == []
    assert gw.send(destination=DEST).status_code == 202


def test_fixed_delay(gw: Gateway) -> None:
    put_faults(gw, {"delay": {"fixedMs": 300}})
    started = time.monotonic()
    response = gw.send(destination=DEST)
    assert response.status_code == 202
    assert 0.29 <= time.monotonic() - started < 2.0


def test_long_tail_delay(gw: Gateway) -> None:
    put_faults(gw, {"rules": [{"delay": {"medianMs": 5, "p99Ms": 200, "maxMs": 250}}], "seed": 1})
    took = []
    for _ in range(30):
        started = time.monotonic()
        assert gw.send(destination=DEST).status_code == 202
        took.append(time.monotonic() - started)
    took.sort()
    assert took[len(took) // 2] < 0.05  # most are quick
    assert took[-1] < 0.5  # capped by maxMs


@pytest.mark.parametrize("status", [500, 503, 429, 401])
def test_given_status_sends_nothing(gw: Gateway, status: int) -> None:
    put_faults(gw, {"status": status})
    assert_error(gw.send(destination=DEST), status, "send_failed")
    assert stored(gw) == 0


def test_dropped_connection_sends_nothing(gw: Gateway) -> None:
    put_faults(gw, {"drop": True})
    with pytest.raises(requests.ConnectionError):
        gw.send(destination=DEST)
    assert stored(gw) == 0


def test_malformed_body(gw: Gateway) -> None:
    put_faults(gw, {"malformed": True})
    response = gw.send(destination=DEST)
    assert response.status_code == 202
    with pytest.raises(ValueError):
        response.json()
    assert stored(gw) == 0


@pytest.mark.parametrize("effect", [{"drop": True}, {"status": 502}, {"malformed": True}])
def test_accept_then_fault_sends_the_message_anyway(gw: Gateway, effect: dict[str, Any]) -> None:
    put_faults(gw, {**effect, "accept": True})
    try:
        gw.send(destination=DEST)
    except requests.ConnectionError:
        pass
    gw.http.delete(f"{gw.base}{FAULTS}")
    assert stored(gw) == 1
    deadline = time.monotonic() + 5
    while not inbox(gw, DEST)["messages"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(inbox(gw, DEST)["messages"]) == 1


def test_a_share_of_requests(gw: Gateway) -> None:
    put_faults(gw, {"rules": [{"status": 503, "share": 0.5}], "seed": 42})
    statuses = [gw.send(destination=DEST).status_code for _ in range(100)]
    assert set(statuses) == {202, 503}
    assert 25 <= statuses.count(503) <= 75
    assert gw.http.get(f"{gw.base}{FAULTS}").json()["struck"] == statuses.count(503)


def test_one_destination_only(gw: Gateway) -> None:
    put_faults(gw, {"status": 503, "destination": "+64229999999"})
    assert gw.send(destination=DEST).status_code == 202
    assert gw.send(destination="+64229999999").status_code == 503
    response = gw.http.get(
        f"{gw.base}/rest/sms/v2/messages",
        params={"id": "00000000-0000-4000-8000-000000000000"},
        headers=gw.auth,
    )
    assert response.status_code == 404  # reads carry no destination: untouched


def test_first_matching_rule_wins(gw: Gateway) -> None:
    put_faults(
        gw,
        {"rules": [{"status": 502, "destination": "+64229999999"}, {"status": 504}], "seed": 3},
    )
    assert gw.send(destination="+64229999999").status_code == 502
    assert gw.send(destination=DEST).status_code == 504


def test_faults_strike_reads_too(gw: Gateway) -> None:
    message_id = gw.accepted(destination=DEST)
    put_faults(gw, {"status": 503})
    response = gw.http.get(
        f"{gw.base}/rest/sms/v2/messages", params={"id": message_id}, headers=gw.auth
    )
    assert_error(response, 503, "send_failed")


def test_faults_leave_the_portal_and_control_plane_alone(gw: Gateway) -> None:
    put_faults(gw, {"drop": True})
    assert gw.http.get(f"{gw.base}/api/reports/mobile").status_code == 200
    assert gw.http.get(f"{gw.base}{FAULTS}").status_code == 200


def test_oversized_body_under_faults_is_413(gw: Gateway) -> None:
    put_faults(gw, {"status": 503, "destination": "+64229999999"})
    response = gw.http.post(f"{gw.base}/rest/sms/v2/messages", data=b"x" * 70_000, headers=gw.auth)
    assert_error(response, 413, "invalid_json")


@pytest.mark.parametrize(
    "doc",
    [
        {"share": 0.5},
        {"status": 503, "drop": True},
        {"status": 200},
        {"drop": False},
        {"delay": {"fixedMs": -1}},
        {"status": 503, "destination": "021"},
        {"rules": [{"status": 503}], "extra": 1},
        [],
    ],
)
def test_bad_fault_documents_are_refused(gw: Gateway, doc: Any) -> None:
    response = gw.http.put(f"{gw.base}{FAULTS}", json=doc)
    assert response.status_code == 400
    assert_valid("error", response.json())
    assert gw.http.get(f"{gw.base}{FAULTS}").json()["rules"] == []


# Reset


def test_reset_forgets_everything(gw: Gateway) -> None:
    gw.accepted(destination=DEST)
    put_faults(gw, {"delay": {"fixedMs": 1}})
    reset = gw.http.post(f"{gw.base}/_mock/reset")
    assert (reset.status_code, reset.content) == (204, b"")
    stats = gw.http.get(f"{gw.base}/_mock/stats").json()
    assert (stats["messages"], stats["walking"]) == (0, 0)
    assert gw.http.get(f"{gw.base}{FAULTS}").json()["rules"] == []
    assert gw.http.get(f"{gw.base}/api/applications").json() == {"applications": []}
    assert_error(gw.send(destination=DEST), 401, "send_failed")


def test_control_plane_wrong_method_is_405(gw: Gateway) -> None:
    assert_error(gw.http.get(f"{gw.base}/_mock/reset"), 405, "invalid_attrib")
    assert_error(gw.http.post(f"{gw.base}{FAULTS}"), 405, "invalid_attrib")
