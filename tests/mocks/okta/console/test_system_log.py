"""Reports > System Log in the console: the backend's events, newest first, filters, paging and
an event's detail with its debug data, with no API token."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from mocks.okta.console.log_filters import PAGE_SIZE
from tests.mocks.okta.conftest import FakeHook, Org
from tests.mocks.okta.console.conftest import Console, text_of

LOG = "/admin/reports/system-log"


def rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def event_links(page: str) -> list[str]:
    return re.findall(r'href="(/admin/reports/system-log/[0-9a-f-]{36})"', page)


def test_events_newest_first_without_a_token(
    console: Console, org: Org, fake_hook: FakeHook
) -> None:
    org.create_hook(f"{fake_hook.url}/unauthorized")
    org.clock.advance(1)
    user = org.create_user()
    org.flow(user)
    assert "Authorization" not in console.http.headers
    page = console.get(LOG).text
    listed = rows(page)
    api_newest_first = org.logs(sortOrder="DESCENDING")
    assert len(listed) == len(api_newest_first) >= 4
    for row, event in zip(listed, api_newest_first, strict=True):
        assert event["eventType"] in row and event["displayMessage"] in row
    # Oldest last: the admin's own sign-in, then the hook's creation.
    assert "user.session.start" in listed[-1] and "inline_hook.created" in listed[-2]


def test_filters_by_event_type_and_outcome(console: Console, org: Org, fake_hook: FakeHook) -> None:
    org.create_hook(f"{fake_hook.url}/unauthorized")
    user = org.create_user()
    org.flow(user)
    executed = rows(console.get(LOG, params={"event_type": "inline_hook.executed"}).text)
    assert len(executed) == 1 and "Inline hook execution failed" in executed[0]
    assert "Hook answered HTTP 401" in executed[0]
    failures = rows(console.get(LOG, params={"outcome": "FAILURE"}).text)
    assert failures and all("Failure" in r for r in failures)
    assert len(failures) == len([e for e in org.logs() if e["outcome"]["result"] == "FAILURE"])
    page = console.get(LOG, params={"event_type": "inline_hook.created", "outcome": "FAILURE"})
    assert rows(page.text) == [] and "No events match these filters." in text_of(page.text)
    # The event-type choices are the types recorded.
    assert '<option value="inline_hook.executed"' in page.text


def test_time_filters(console: Console, org: Org, fake_hook: FakeHook) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    org.clock.advance(2 * 3600)
    org.create_user()
    org.flow(org.create_user("bo@example.com"))
    last_hour = rows(console.get(LOG, params={"period": "1h"}).text)
    assert last_hour and not any("inline_hook.created" in r for r in last_hour)
    assert any("inline_hook.created" in r for r in rows(console.get(LOG).text))
    start = datetime.fromtimestamp(org.clock.now - 3 * 3600, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    end = datetime.fromtimestamp(org.clock.now - 3600, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    custom = rows(console.get(LOG, params={"period": "custom", "since": start, "until": end}).text)
    # The two events before the clock moved: the admin's sign-in and the hook's creation.
    assert len(custom) == 2 and "inline_hook.created" in custom[0]
    assert "user.session.start" in custom[1]
    bad = console.get(LOG, params={"period": "custom", "since": "yesterday"})
    assert "From: not a date and time" in text_of(bad.text)
    backwards = console.get(LOG, params={"period": "custom", "since": end, "until": start})
    assert "From must be before To" in text_of(backwards.text)


def test_paging_goes_through_every_event_once(
    console: Console, org: Org, fake_hook: FakeHook
) -> None:
    hook = org.create_hook(f"{fake_hook.url}/successful")
    for _ in range(PAGE_SIZE + 5):
        org.api("POST", f"/api/v1/inlineHooks/{hook['id']}/lifecycle/deactivate")
        org.api("POST", f"/api/v1/inlineHooks/{hook['id']}/lifecycle/activate")
    total = len(org.logs(limit="1000"))
    seen: list[str] = []
    page = console.get(LOG).text
    for _ in range(10):
        seen += event_links(page)
        older = re.search(r'<a href="([^"]+)" rel="next">Older', page)
        if older is None:
            break
        page = console.get(LOG + older.group(1).replace("&amp;", "&")).text
        assert "&laquo; Newest" in page or "« Newest" in page
    assert len(seen) == total == len(set(seen))


def test_event_detail_shows_debug_data(console: Console, org: Org, fake_hook: FakeHook) -> None:
    org.create_hook(f"{fake_hook.url}/unauthorized")
    org.flow(org.create_user())
    [event] = org.logs(filter='eventType eq "inline_hook.executed"')
    page = console.get(f"{LOG}/{event['uuid']}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Inline hook execution failed" in text and "Hook answered HTTP 401" in text
    assert "Debug data" in text
    for key, value in event["debugContext"]["debugData"].items():
        assert f"{key} {value}" in text
    assert "httpStatus 401" in text
    missing = console.get(f"{LOG}/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


def test_hostile_values_in_events_are_escaped(
    console: Console, org: Org, fake_hook: FakeHook
) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    org.create_hook(f"{fake_hook.url}/successful", name=hostile)
    page = console.get(LOG).text
    assert hostile not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    [event] = org.logs(filter='eventType eq "inline_hook.created"')
    detail = console.get(f"{LOG}/{event['uuid']}").text
    assert hostile not in detail
    hostile_type = console.get(LOG, params={"event_type": hostile}).text
    assert hostile not in hostile_type
