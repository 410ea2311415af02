"""The Mobile Report over a real socket: columns, filters, newest first, pages, content only on
request, and a message's status history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from .conftest import APP, Gateway, assert_error, assert_valid, new_application

REPORT = "/api/reports/mobile"


def report(gw: Gateway, **params: Any) -> dict[str, Any]:
    response = gw.http.get(f"{gw.base}{REPORT}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert_valid("mobile-report", body)
    return body


def test_rows_carry_every_column_newest_first(gw: Gateway) -> None:
    first = gw.accepted(destination="+64211234567", content="Your code is 1")
    second = gw.accepted(destination="+64271234567", content="Kia ora ā 2")
    body = report(gw)
    assert body["total"] == 2
    assert [row["messageId"] for row in body["items"]] == [second, first]
    newest = body["items"][0]
    assert newest["application"] == APP
    assert newest["class"] == "MT"
    assert newest["source"] == "3400"
    assert newest["destination"] == "+64271234567"
    assert (newest["units"], newest["characterSet"], newest["transport"]) == (1, "UCS2", "Spark")
    assert "content" not in newest


def test_content_only_when_asked(gw: Gateway) -> None:
    message_id = gw.accepted(destination="+64211234567", content="Your code is 777")
    assert report(gw, include_content="true")["items"][0]["content"] == "Your code is 777"
    assert "content" not in gw.entry(message_id)
    response = gw.http.get(f"{gw.base}{REPORT}/{message_id}", params={"include_content": "true"})
    assert response.json()["content"] == "Your code is 777"


def test_units_and_character_set(gw: Gateway) -> None:
    cases = {
        "a" * 160: (1, "GSM7"),
        "a" * 161: (2, "GSM7"),
        "{" * 80: (1, "GSM7"),
        "{" * 81: (2, "GSM7"),
        "ā" * 70: (1, "UCS2"),
        "ā" * 71: (2, "UCS2"),
    }
    for content, expected in cases.items():
        entry = gw.entry(gw.accepted(destination="+64211234567", content=content))
        assert (entry["units"], entry["characterSet"]) == expected, content[:3]


def test_filters(gw: Gateway) -> None:
    gsm = gw.accepted(destination="+64211234567", content="plain")
    ucs = gw.accepted(destination="+64221234567", content="ā")
    rejected = gw.accepted(destination="+64210000001")
    gw.wait(rejected)
    gw.wait(gsm)
    secret, _ = new_application(gw.base, gw.http, "other-app")
    other = gw.http.post(
        f"{gw.base}/rest/sms/v2/messages",
        json={"destination": "+64211234567", "content": "x"},
        headers={"Authorization": secret},
    ).json()["id"]

    def ids(**params: Any) -> set[str]:
        return {row["messageId"] for row in report(gw, **params)["items"]}

    assert ids(id=ucs) == {ucs}
    assert ids(application="other-app") == {other}
    assert ids(destination="+64211234567") == {gsm, other}
    assert ids(charset="UCS2") == {ucs}
    assert ids(charset="gsm7") == {gsm, rejected, other}
    assert ids(status="rejected") == {rejected}
    assert ids(origin="MT") == {gsm, ucs, rejected, other}
    assert ids(origin="MO") == set()
    now = datetime.now(UTC)
    assert ids(**{"from": (now - timedelta(minutes=1)).isoformat()}) == {gsm, ucs, rejected, other}
    assert ids(**{"to": (now - timedelta(minutes=1)).isoformat()}) == set()
    assert ids(**{"from": (now + timedelta(minutes=1)).isoformat()}) == set()


def test_pages(gw: Gateway) -> None:
    sent = [gw.accepted(destination="+64211234567") for _ in range(7)]
    pages = [report(gw, pageSize=3, page=n) for n in (1, 2, 3, 4)]
    assert [p["total"] for p in pages] == [7, 7, 7, 7]
    seen = [row["messageId"] for p in pages for row in p["items"]]
    assert seen == list(reversed(sent))
    assert pages[3]["items"] == []


def test_entry_has_the_full_history(gw: Gateway) -> None:
    message_id = gw.accepted(destination="+64211234567", reference="evt")
    entry = gw.wait(message_id)
    assert entry["reference"] == "evt"
    assert [s["status"] for s in entry["history"]][-1] == "received"
    assert all(s["detail"] for s in entry["history"])


@pytest.mark.parametrize(
    "params",
    [
        {"status": "delivered"},
        {"origin": "XX"},
        {"charset": "utf8"},
        {"destination": "021"},
        {"from": "yesterday"},
        {"to": "2020-01-01"},
        {"page": "0"},
        {"page": "x"},
        {"pageSize": "501"},
        {"pageSize": "-1"},
        {"include_content": "yes"},
        {"colour": "blue"},
    ],
)
def test_bad_parameters_are_400(gw: Gateway, params: dict[str, str]) -> None:
    assert_error(gw.http.get(f"{gw.base}{REPORT}", params=params), 400, "invalid_attrib")


def test_unknown_entry_is_404(gw: Gateway) -> None:
    response = gw.http.get(f"{gw.base}{REPORT}/00000000-0000-4000-8000-000000000000")
    assert_error(response, 404, "invalid_attrib")
    response = gw.http.get(f"{gw.base}{REPORT}/x", params={"extra": "1"})
    assert_error(response, 400, "invalid_attrib")
