"""The delivery life cycle: every test number over a real socket, timed by its status history,
plus status callbacks (payloads, retries with back-off, never blocking the gateway)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mocks.ezitxt.lifecycle import TEST_NUMBERS, TEST_PREFIXES, Timings, plan_for
from tests.servers import serve

from .conftest import APP, TIMINGS, WAIT_S, Gateway, assert_valid

NORMAL = ["accepted", "queued", "submitted", "sent", "received"]
EXPECTED = {
    "01": ["accepted", "queued", "submitted", "rejected"],
    "02": ["accepted", "queued", "submitted", "sent", "expired"],
    "03": ["accepted", "queued", "submitted", "submitted", "submitted", "submitted", "frozen"],
    "04": ["accepted", "queued", "submitted", "failed"],
    "05": ["accepted", "blocked"],
    "06": NORMAL,
    "07": ["accepted", "queued", "submitted", "sent"],
    "08": NORMAL,
}


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _gap(history: list[dict[str, Any]], before: str, after: str) -> float:
    at = {step["status"]: _epoch(step["at"]) for step in history}
    return at[after] - at[before]


def test_the_table_is_covered() -> None:
    assert set(EXPECTED) == set(TEST_NUMBERS)


def test_plans_are_pure_and_follow_the_table() -> None:
    for suffix, statuses in EXPECTED.items():
        for prefix in TEST_PREFIXES:
            plan = plan_for(prefix + suffix, TIMINGS)
            assert [s.status for s in plan] == statuses
    assert [s.status for s in plan_for("+64211234567", TIMINGS)] == NORMAL
    assert [s.status for s in plan_for("+642100000099", TIMINGS)] == NORMAL


def test_default_timings_receive_within_a_second() -> None:
    assert sum(s.after_s for s in plan_for("+64211234567", Timings())) < 1.0
    assert Timings().scaled(2).receive_s == 2 * Timings().receive_s
    assert Timings().scaled(2).retries == Timings().retries


def test_a_normal_message_walks_to_received_with_timestamps(gw: Gateway) -> None:
    entry = gw.wait(gw.accepted(destination="+64211234567"))
    assert_valid("mobile-report-entry", entry)
    assert [s["status"] for s in entry["history"]] == NORMAL
    times = [_epoch(s["at"]) for s in entry["history"]]
    assert times == sorted(times)


@pytest.mark.parametrize("prefix", TEST_PREFIXES)
@pytest.mark.parametrize("suffix", sorted(EXPECTED))
def test_every_test_number(gw: Gateway, prefix: str, suffix: str) -> None:
    message_id = gw.accepted(destination=prefix + suffix)
    final = EXPECTED[suffix][-1]
    entry = gw.wait(message_id, {final} if suffix != "07" else {"sent"})
    if suffix == "07":
        time.sleep(TIMINGS.receive_s * 5)  # and it stays there
        entry = gw.entry(message_id)
    assert [s["status"] for s in entry["history"]] == EXPECTED[suffix]
    assert entry["status"] == final
    assert_valid("mobile-report-entry", entry)
    history = entry["history"]
    if suffix == "06":
        assert _gap(history, "sent", "received") == pytest.approx(TIMINGS.slow_s, abs=0.002)
    if suffix == "08":
        assert _gap(history, "accepted", "queued") == pytest.approx(TIMINGS.slow_s, abs=0.002)
    if suffix == "02":
        assert _gap(history, "sent", "expired") == pytest.approx(TIMINGS.expire_s, abs=0.002)
    if suffix == "03":
        retries = [s["detail"] for s in history if s["detail"].startswith("Retry")]
        assert retries == ["Retry 1 of 3", "Retry 2 of 3", "Retry 3 of 3"]


def test_a_scheduled_message_waits_for_its_time(gw: Gateway) -> None:
    at = datetime.now(UTC) + timedelta(seconds=0.5)
    message_id = gw.accepted(destination="+64211234567", scheduled=at.isoformat())
    time.sleep(0.1)
    assert gw.entry(message_id)["status"] == "accepted"
    entry = gw.wait(message_id)
    queued = _epoch(entry["history"][1]["at"])
    assert queued >= at.timestamp() - 0.001


@dataclass
class Receiver:
    """A status-callback receiver that fails its first ``failures`` calls."""

    failures: int = 0
    hang_s: float = 0.0
    calls: list[dict[str, Any]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def endpoint(self, request: Request) -> Response:
        body = await request.json()
        with self.lock:
            self.calls.append(body)
            self.times.append(time.monotonic())
            failing = len(self.calls) <= self.failures
        if self.hang_s:
            await asyncio.sleep(self.hang_s)
        return JSONResponse({}, status_code=500 if failing else 200)

    def wait(self, count: int) -> list[dict[str, Any]]:
        deadline = time.monotonic() + WAIT_S
        while len(self.calls) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.calls) >= count, self.calls
        return list(self.calls)


@contextmanager
def receiving(gw: Gateway, receiver: Receiver) -> Iterator[Receiver]:
    app = Starlette(routes=[Route("/status", receiver.endpoint, methods=["POST"])])
    with serve(app) as url:
        response = gw.http.put(
            f"{gw.base}/api/applications/{APP}", json={"callbackUrl": f"{url}/status"}
        )
        assert response.status_code == 200
        yield receiver


def test_callbacks_for_sent_and_received_carry_the_reference(gw: Gateway) -> None:
    with receiving(gw, Receiver()) as receiver:
        message_id = gw.accepted(destination="+64211234567", reference="evt-9")
        calls = receiver.wait(2)
    for call in calls:
        assert_valid("status-callback", call)
    assert [(c["id"], c["status"], c["reference"]) for c in calls] == [
        (message_id, "sent", "evt-9"),
        (message_id, "received", "evt-9"),
    ]


@pytest.mark.parametrize(("suffix", "status"), [("01", "rejected"), ("02", "expired")])
def test_callbacks_for_rejected_and_expired(gw: Gateway, suffix: str, status: str) -> None:
    with receiving(gw, Receiver()) as receiver:
        gw.wait(gw.accepted(destination=TEST_PREFIXES[0] + suffix), {status})
        calls = receiver.wait(1 if status == "rejected" else 2)
    assert calls[-1]["status"] == status
    assert "reference" not in calls[-1]
    for call in calls:
        assert_valid("status-callback", call)


def test_no_callbacks_for_other_statuses(gw: Gateway) -> None:
    with receiving(gw, Receiver()) as receiver:
        for suffix in ("03", "04", "05"):
            gw.wait(gw.accepted(destination=TEST_PREFIXES[0] + suffix))
        time.sleep(0.1)
    assert receiver.calls == []


def test_failed_callbacks_are_retried_with_back_off(gw: Gateway) -> None:
    with receiving(gw, Receiver(failures=3)) as receiver:
        gw.accepted(destination="+64210000001")  # rejected: one callback
        receiver.wait(4)
        time.sleep(0.2)
    assert len(receiver.calls) == 4
    gaps = [b - a for a, b in zip(receiver.times, receiver.times[1:], strict=False)]
    backoff = TIMINGS.callback_backoff_s
    for n, gap in enumerate(gaps):
        assert gap >= backoff * 2**n * 0.9, gaps
    stats = gw.http.get(f"{gw.base}/_mock/stats").json()["callbacks"]
    assert stats["retried"] >= 3


def test_callbacks_give_up_after_five_attempts(gw: Gateway) -> None:
    with receiving(gw, Receiver(failures=100)) as receiver:
        gw.accepted(destination="+64210000001")
        receiver.wait(5)
        time.sleep(TIMINGS.callback_backoff_s * 2**4 + 0.1)  # when a sixth would come
    assert len(receiver.calls) == 5
    assert gw.http.get(f"{gw.base}/_mock/stats").json()["callbacks"]["abandoned"] >= 1


def test_slow_callback_receiver_never_blocks_the_gateway(gw: Gateway) -> None:
    with receiving(gw, Receiver(hang_s=1.0)) as receiver:
        for _ in range(20):
            gw.accepted(destination="+64211234567")
        receiver.wait(8)  # every callback worker is now stuck on the slow receiver
        started = time.monotonic()
        ids = [gw.accepted(destination="+64211234567") for _ in range(20)]
        elapsed = time.monotonic() - started
        entry = gw.wait(ids[-1])
    assert elapsed < 1.0
    assert entry["status"] == "received"


def test_unreachable_callback_url_changes_nothing(gw: Gateway) -> None:
    gw.http.put(f"{gw.base}/api/applications/{APP}", json={"callbackUrl": "http://127.0.0.1:9/x"})
    assert gw.wait(gw.accepted(destination="+64211234567"))["status"] == "received"
