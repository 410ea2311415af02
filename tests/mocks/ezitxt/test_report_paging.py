"""The Mobile Report's keyset paging and the portal's query parsing, without HTTP.

Keyset pages must list exactly what offset pages list (the JSON API's way), under every filter,
walking older and back newer; the query parser never raises on bad input."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from mocks.ezitxt.models import Message, ReportFilter
from mocks.ezitxt.portal import report_query
from mocks.ezitxt.store import Store

NOW = 1_800_000_000.0


def message(n: int, rng: random.Random) -> Message:
    return Message(
        id=f"00000000-0000-4000-8000-{n:012d}",
        application=rng.choice(["okta-hook", "billing"]),
        direction="MT",
        source="3400",
        destination=rng.choice(["+64211234567", "+64210000001", "+64221234567"]),
        reference=None,
        content=f"Code {n}",
        msg_class="mt_message",
        mask=None,
        scheduled=None,
        charset=rng.choice(["GSM7", "GSM7", "UCS2"]),
        units=1,
        transport="One NZ",
        status=rng.choice(["received", "rejected", "sent"]),
        created_at=NOW - 3600 * 24 + n * 60,
        updated_at=NOW,
        history_json=json.dumps([]),
    )


@pytest.fixture
def store() -> Iterator[Store]:
    store = Store(":memory:")
    store.open()
    rng = random.Random(3)
    for n in range(400):
        store.insert_message(message(n, rng))
    yield store
    store.close()


FILTERS = [
    ReportFilter(),
    ReportFilter(application="billing"),
    ReportFilter(destination="+64210000001", status="rejected"),
    ReportFilter(charset="UCS2", application="okta-hook"),
    ReportFilter(since=NOW - 3600 * 5),
    ReportFilter(since=NOW - 3600 * 20, until=NOW - 3600 * 10, status="received"),
    ReportFilter(message_id="00000000-0000-4000-8000-000000000123"),
    ReportFilter(message_id="no-such-id"),
]


@pytest.mark.parametrize("criteria", FILTERS)
def test_keyset_pages_list_what_offset_pages_list(store: Store, criteria: ReportFilter) -> None:
    everything = store.report(criteria, limit=1000, offset=0)
    walked: list[str] = []
    pages = []
    older: int | None = None
    while True:
        page = store.report_keyset(criteria, limit=25, older_than=older)
        pages.append(page)
        walked += [m.id for m in page.messages]
        if not page.has_older:
            break
        older = page.seqs[-1]
    assert walked == [m.id for m in everything.messages]
    assert store.count_upto(criteria, 10_000, budget_s=5.0) == (everything.total, True)
    assert pages[0].has_newer is False
    # And back again, newer, from the oldest page: the same pages in reverse.
    for expected in reversed(pages[:-1]):
        page = store.report_keyset(criteria, limit=25, newer_than=pages[-1].seqs[0])
        assert [m.id for m in page.messages] == [m.id for m in expected.messages]
        pages.pop()
        assert page.has_older


def test_count_is_capped_in_matches_and_in_work(store: Store) -> None:
    assert store.count_upto(ReportFilter(), 100, budget_s=5.0) == (100, True)
    rng = random.Random(5)
    for n in range(400, 20_000):
        store.insert_message(message(n, rng))
    count, complete = store.count_upto(ReportFilter(), 20_000, budget_s=0.0)
    assert not complete and count < 20_000
    # The store is still usable after an interrupted count.
    assert store.count_upto(ReportFilter(status="rejected"), 10_000, budget_s=5.0)[1]


def test_query_parsing_never_raises_and_explains() -> None:
    query = report_query.parse(
        {"destination": "021 123", "status": "bogus", "frame": "5y", "size": "7", "before": "x"},
        NOW,
    )
    assert query.criteria == ReportFilter()
    assert len(query.problems) == 3
    assert query.size == report_query.DEFAULT_PAGE_SIZE and query.older_than is None


def test_query_parsing_reads_every_filter() -> None:
    query = report_query.parse(
        {"id": " abc ", "application": "okta-hook", "destination": "64211234567",
         "origin": "mt", "status": "REJECTED", "charset": "ucs2", "frame": "24h",
         "size": "100", "before": "42", "content": "1"},
        NOW,
    )  # fmt: skip
    assert query.criteria == ReportFilter(
        message_id="abc", application="okta-hook", destination="+64211234567",
        direction="MT", status="rejected", charset="UCS2", since=NOW - 86_400,
    )  # fmt: skip
    assert (query.size, query.older_than, query.show_content, query.problems) == (100, 42, True, [])
    custom = report_query.parse({"frame": "custom", "from": "2026-12-01T10:00"}, NOW)
    assert custom.criteria.since == datetime(2026, 12, 1, 10, 0, tzinfo=UTC).timestamp()
    assert custom.criteria.until is None and custom.problems == []


def test_links_keep_the_filters_and_drop_emptied_ones() -> None:
    values = {"application": "okta-hook", "status": "", "size": "25"}
    assert report_query.link(values, before=9) == (
        "/reports/mobile?application=okta-hook&size=25&before=9"
    )
    assert report_query.link(values, application=None, size=None) == "/reports/mobile"
