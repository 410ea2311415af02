"""The pumping shape's pure parts (no Locust, no gevent): the bot's numbers pass the country and
number-type checks and fall in one prefix; the gateway's count from Mobile Report pages; what
became of each bot request; which control the connector's log says fired when; the figures."""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import phonenumbers
import pytest

from connector import outcomes
from connector.phone import normalise, number_prefix
from loadtests import pumping
from loadtests.history import peak_window
from loadtests.stages import (
    BOT_CLASS,
    LEGIT_CLASS,
    PUMPING_BOT_JOINS_S,
    PUMPING_BOT_RATE,
    PUMPING_LEGIT_RATE,
    SHAPES,
    users_for,
)
from loadtests.telephony import au_mobile, nz_mobile

STARTED = 1_780_000_000.0  # the run's start, epoch seconds


def test_every_bot_number_is_an_nz_mobile_in_one_prefix() -> None:
    rng = random.Random(11)
    numbers = {pumping.bot_number(rng) for _ in range(400)}
    assert len(numbers) > 300  # fresh numbers: per-number limits never see one twice
    for number in numbers:
        parsed = phonenumbers.parse(number)
        assert phonenumbers.is_valid_number(parsed), number
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
        destination = normalise(number, "NZ")  # the connector reads it: no unusable_number
        assert destination.region == "NZ" and destination.e164 == number
        assert not number.startswith("+642100000")  # mock EZITXT's test numbers
    for digits in range(1, 7):  # one prefix, whatever prefix length the connector counts
        prefixes = {number_prefix(normalise(n, "NZ"), digits) for n in numbers}
        assert len(prefixes) == 1, (digits, prefixes)
        assert pumping.covers_bot_range(prefixes.pop())


def test_no_legitimate_number_falls_in_the_bot_range() -> None:
    rng = random.Random(12)
    for _ in range(5000):
        assert not pumping.in_bot_range(nz_mobile(rng))
        assert not pumping.in_bot_range(au_mobile(rng))


def test_the_shape_runs_people_and_the_bot_under_two_minutes() -> None:
    shape = SHAPES["pumping"]
    assert shape.seconds + 30 < 120  # the stack's start and the report included
    assert shape.class_names == (LEGIT_CLASS, BOT_CLASS)
    assert shape.classes_at(0) == shape.classes_at(shape.seconds - 1) == (LEGIT_CLASS, BOT_CLASS)
    assert shape.peak_rate == PUMPING_LEGIT_RATE + PUMPING_BOT_RATE
    # 24 people at 0.25 sign-ins/s and 4 bots at 1 request/s: 6 and 4 a second.
    assert users_for(shape.peak_rate, shape.user_rate) == 28 == shape.peak_users
    assert shape.joins_at(BOT_CLASS) == PUMPING_BOT_JOINS_S and shape.joins_at(LEGIT_CLASS) == 0
    assert peak_window(shape) == (PUMPING_BOT_JOINS_S, shape.seconds)  # once the bot has joined
    short = shape.scaled(seconds=shape.seconds / 2)
    assert short.joins_at(BOT_CLASS) == PUMPING_BOT_JOINS_S / 2
    assert SHAPES["steady"].classes_at(30) == ("OktaHookCaller", "SignInUser")


def flow(outcome: str, summary: str | None = None, *, via: str = "HOOK", sent: bool = True) -> Any:
    return {
        "outcome": outcome,
        "hook": {"httpStatus": 200, "errorSummary": summary},
        "delivery": {"via": via, "sent": sent},
    }


def test_each_bot_request_is_tallied_by_what_became_of_it() -> None:
    tally: Counter[str] = Counter()
    assert pumping.tally_bot_flow(flow("SUCCESSFUL"), tally) is None
    assert pumping.tally_bot_flow(flow("PENDING"), tally) is None
    blocked = flow("ERROR", outcomes.USER_PREFIX_BLOCKED, via="OKTA_FALLBACK")
    assert pumping.tally_bot_flow(blocked, tally) is None
    limited = flow("ERROR", outcomes.USER_TOO_MANY, via="OKTA_FALLBACK", sent=False)
    assert pumping.tally_bot_flow(limited, tally) is None  # Okta's own provider over its limit
    assert pumping.tally_bot_flow(flow("ERROR", "something else"), tally) is None
    assert tally == {
        pumping.BOT_HOOK_SENT: 2,
        pumping.BOT_REFUSED + "prefix_blocked": 1,
        pumping.BOT_REFUSED + "rate_limited": 1,
        pumping.BOT_REFUSED + "other": 1,
        pumping.BOT_FALLBACK_SENT: 1,
    }
    # A broken answer is no control at work: a failure, and nothing tallied.
    broken = {"outcome": "HTTP_ERROR", "hook": {"httpStatus": 503}, "delivery": {}}
    assert pumping.tally_bot_flow(broken, tally) == "bot flow outcome HTTP_ERROR, HTTP 503"
    assert sum(tally.values()) == 6


def report_pages(destinations: list[str], page_size: int) -> Any:
    asked: list[int] = []

    def fetch(page: int) -> dict[str, Any]:
        asked.append(page)
        items = destinations[(page - 1) * page_size : page * page_size]
        return {"total": len(destinations), "items": [{"destination": d} for d in items]}

    return fetch, asked


def test_the_gateway_count_reads_every_page_of_the_mobile_report() -> None:
    rng = random.Random(13)
    destinations = [pumping.bot_number(rng) for _ in range(23)]
    destinations += [nz_mobile(rng) for _ in range(1100)]
    destinations += ["+64282501" + "0000", "+6428250"]  # next door to the range, and short
    rng.shuffle(destinations)
    fetch, asked = report_pages(destinations, 500)
    assert pumping.count_bot_messages(fetch) == (23, 1125)
    assert asked == [1, 2, 3]
    empty, asked = report_pages([], 500)
    assert pumping.count_bot_messages(empty) == (0, 0) and asked == [1]


def log_line(seconds: float, **fields: Any) -> str:
    """A line as connector.logs.JsonFormatter writes it, ``seconds`` into the run."""
    moment = datetime.fromtimestamp(STARTED + seconds, UTC)
    ts = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return json.dumps({"ts": ts, "level": "info", "logger": "ezitxt.hook"} | fields)


def test_the_connector_log_says_which_control_fired_for_the_bot_s_prefix_and_when() -> None:
    lines = [
        "--- 2026-12-02 13:00:00 started",  # the stack's own marker: not JSON
        "INFO:     Uvicorn running on http://127.0.0.1:8401",
        log_line(15.2, msg="telephony hook", outcome="sent", prefix="+6428250", number="***123"),
        log_line(16.0, msg="telephony hook", outcome="sent", prefix="+6421123"),  # a person
        log_line(
            21.5,
            logger="ezitxt.connector.conversion",
            msg="prefix_blocked",
            event="prefix_blocked",
            prefix="+6428250",
            conversion=0.0,
            sent=20,
            verified=0,
        ),  # fmt: skip
        log_line(21.6, msg="telephony hook", outcome="prefix_blocked", prefix="+6428250"),
        log_line(40.0, msg="telephony hook", outcome="prefix_blocked", prefix="+6428250"),
        log_line(41.0, msg="telephony hook", outcome="sent"),  # no prefix logged
        "{not json",
    ]
    fired = pumping.controls_fired([line.encode() for line in lines], STARTED)
    block = "prefix_blocked (ezitxt.connector.conversion)"  # the block, apart from refusals
    assert set(fired) == {"sent", block, "prefix_blocked"}
    assert fired["sent"] == pumping.Fired(1, 15.2, 15.2)
    assert fired[block] == pumping.Fired(1, 21.5, 21.5)
    assert fired["prefix_blocked"] == pumping.Fired(2, 21.6, 40.0)
    # A longer or shorter prefix than the range is still the range; a neighbour is not.
    assert pumping.covers_bot_range("+642825001") and pumping.covers_bot_range("+6428")
    assert not pumping.covers_bot_range("+6428251") and not pumping.covers_bot_range("+64")


def test_the_figures_and_what_was_not_measured() -> None:
    tally = {pumping.LEGIT_STARTED: 400, pumping.LEGIT_DELIVERED: 399, pumping.BOT_REQUESTS: 260}
    figures = pumping.PumpingFigures(tally, bot_at_gateway=21, gateway_messages=420)
    assert figures.budget_figures() == {
        "bot_messages_at_gateway": 21.0,
        "legitimate_delivered": pytest.approx(399 / 400),
    }
    document = figures.document()
    assert document["bot"]["requests"] == 260 and document["bot"]["messages_at_gateway"] == 21
    assert document["legitimate"]["delivered_ratio"] == pytest.approx(0.9975)
    unread = pumping.PumpingFigures({}, bot_at_gateway=None, gateway_messages=None)
    assert all(math.isnan(v) for v in unread.budget_figures().values())
    assert unread.document()["legitimate"]["delivered_ratio"] is None
