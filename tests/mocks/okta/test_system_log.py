"""``GET /api/v1/logs``: since/until, filter, limit and Okta's Link-header paging."""

from __future__ import annotations

from mocks.common.timestamps import iso
from tests.mocks.okta.conftest import Org, assert_valid

LOGS = "/api/v1/logs"


def make_events(org: Org, count: int) -> list[float]:
    """``count`` lifecycle events, one second apart; returns their times."""
    times = []
    hook = org.create_hook("https://127.0.0.1:9/h")
    times.append(org.clock.now)
    for i in range(count - 1):
        org.clock.advance(1)
        action = "deactivate" if i % 2 == 0 else "activate"
        org.api("POST", f"/api/v1/inlineHooks/{hook['id']}/lifecycle/{action}")
        times.append(org.clock.now)
    return times


def test_bounded_query_pages_with_link_headers(org: Org) -> None:
    times = make_events(org, 5)
    params = {"since": iso(times[0] - 1), "until": iso(times[-1] + 1), "limit": "2"}
    response = org.api("GET", LOGS, params=params)
    pages = [response.json()]
    while "next" in response.links and len(pages) < 10:
        response = org.http.get(response.links["next"]["url"], timeout=10)
        pages.append(response.json())
    assert [len(p) for p in pages] == [2, 2, 1]
    events = [e for page in pages for e in page]
    assert len({e["uuid"] for e in events}) == 5
    assert [e["published"] for e in events] == sorted(e["published"] for e in events)
    for event in events:
        assert_valid("okta/log-event", event)
    assert "self" in response.links


def test_polling_query_always_links_next(org: Org) -> None:
    make_events(org, 2)
    response = org.api("GET", LOGS)
    assert len(response.json()) == 2
    polled = org.http.get(response.links["next"]["url"], timeout=10)
    assert polled.json() == [] and "next" in polled.links
    org.clock.advance(1)
    org.create_hook("https://127.0.0.1:9/other", type="com.okta.import.transform")
    fresh = org.http.get(polled.links["next"]["url"], timeout=10).json()
    assert [e["eventType"] for e in fresh] == ["inline_hook.created"]


def test_since_until_filter_and_order(org: Org) -> None:
    times = make_events(org, 4)
    window = org.logs(since=iso(times[1]), until=iso(times[3]))
    assert [e["eventType"] for e in window] == ["inline_hook.deactivated", "inline_hook.activated"]
    filtered = org.logs(filter='eventType eq "inline_hook.activated" or eventType eq "x.y"')
    assert [e["eventType"] for e in filtered] == ["inline_hook.activated"]
    newest_first = org.logs(sortOrder="DESCENDING")
    assert newest_first[0]["eventType"] == "inline_hook.deactivated"
    assert newest_first[-1]["eventType"] == "inline_hook.created"


def test_bad_queries(org: Org) -> None:
    for params in (
        {"filter": 'displayMessage co "x"'},
        {"limit": "0"},
        {"limit": "1001"},
        {"since": "yesterday"},
        {"after": "not-a-cursor"},
        {"sortOrder": "SIDEWAYS"},
        {"since": "2030-01-01T00:00:00Z", "until": "2020-01-01T00:00:00Z"},
    ):
        response = org.api("GET", LOGS, params=params)
        assert response.status_code == 400, params
        assert response.json()["errorCode"] == "E0000001"
