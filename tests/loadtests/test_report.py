"""What a load run leaves beside Locust's report, from fabricated figures (no Locust, no gevent):
per-second percentiles from the first second, verdict.json, the plot and the summary page; and
the shape scaled by --rate, --users and --duration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtests import budgets, pumping, report
from loadtests.budgets import RequestStats
from loadtests.stages import HOOK_USER_RATE, SHAPES, USER_RATE, users_for
from loadtests.timeline import WINDOW_S, Snapshot, Timeline, percentile

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def counts(*pairs: tuple[int, int]) -> dict[int, int]:
    return dict(pairs)


def test_percentiles_of_counts() -> None:
    times = counts((2, 90), (10, 9), (300, 1))
    assert percentile(times, 0.50) == 2
    assert percentile(times, 0.95) == 10
    assert percentile(times, 0.99) == 10
    assert percentile(times, 0.999) == 300
    assert percentile({}, 0.5) is None


def test_the_timeline_has_percentiles_from_the_first_second_then_a_sliding_window() -> None:
    timeline = Timeline()
    # A slow first second (connections being made), then fast answers.
    timeline.record("hook: sms", Snapshot(1, 10, 0, counts((200, 10))))
    for second in range(2, 12):
        fast = 20 * (second - 1)
        timeline.record("hook: sms", Snapshot(second, 10 + fast, 0, counts((200, 10), (3, fast))))
    points = timeline.points("hook: sms")
    assert points[0].second == 1 and points[0].p99_ms == 200  # the run's first second is there
    assert points[0].rate == 10
    late = points[-1]  # 11 s: its window starts at 6 s, after the slow second
    assert late.second == 11 and late.p99_ms == 3 and late.p50_ms == 3
    assert late.rate == pytest.approx(20 * WINDOW_S / WINDOW_S)
    assert points[3].p99_ms == 200  # 4 s: the slow first second is still in the window


def test_a_second_sample_in_the_same_second_replaces_the_first() -> None:
    timeline = Timeline()
    timeline.record("hook: sms", Snapshot(10, 190, 0, counts((3, 190))))
    timeline.record("hook: sms", Snapshot(10, 200, 0, counts((3, 200))))  # the final sample
    assert timeline.snapshots["hook: sms"] == [Snapshot(10, 200, 0, counts((3, 200)))]


@pytest.fixture
def smoke() -> budgets.Budgets:
    return budgets.load("smoke")


def a_timeline() -> Timeline:
    timeline = Timeline()
    for second in range(0, 11):
        n = 20 * second
        timeline.record(
            "hook: sms", Snapshot(second, n, 0, counts((3, n - n // 10), (40, n // 10)))
        )
        timeline.record("Aggregated", Snapshot(second, n, 0, counts((3, n))))
    return timeline


def facts(*, interrupted: bool = False) -> report.RunFacts:
    return report.RunFacts(
        profile="smoke", shape=SHAPES["smoke"], fault="none", fault_description="no fault",
        target="http://127.0.0.1:1", started_at="2026-12-02T06:00:00Z", elapsed_s=10.4,
        interrupted=interrupted, workers=2, arrival_rate=19.5,
    )  # fmt: skip


def seen(p99: float) -> list[RequestStats]:
    return [RequestStats("hook: sms", 200, 0, 3, 40, p99, p99), RequestStats("Aggregated", 200, 0,
            3, 40, p99, p99)]  # fmt: skip


def test_verdict_json_holds_shape_fault_and_each_budget_with_its_figure(
    tmp_path: Path, smoke: budgets.Budgets
) -> None:
    chosen = smoke.restricted_to({"hook: sms", "hook: voice"})
    verdicts = budgets.evaluate(seen(p99=300), chosen)
    document = report.verdict_document(facts(), verdicts, seen(p99=300), 0, exit_code=1)
    report.write(tmp_path, document, a_timeline(), chosen)
    written = json.loads((tmp_path / "verdict.json").read_text())
    assert written["verdict"] == "broken" and written["exit_code"] == 1
    assert written["shape"]["name"] == "smoke" and written["shape"]["peak_rate"] == 20
    assert written["fault"] == {"name": "none", "description": "no fault"}
    assert written["locust_workers"] == 2 and written["arrival_rate_at_peak"] == 19.5
    p99 = next(
        b for b in written["budgets"] if b["name"] == "hook: sms" and b["metric"] == "p99_ms"
    )
    assert (p99["limit"], p99["measured"], p99["pass"]) == (250, 300, False)
    assert all(b["pass"] for b in written["budgets"] if b is not p99 and b["metric"] != "p99_ms")
    # The hook-only run is not held to the sign-in budgets it cannot make.
    assert not any(b["name"].startswith("okta:") for b in written["budgets"])

    assert (tmp_path / "latency.png").read_bytes().startswith(PNG_MAGIC)
    page = (tmp_path / "summary.html").read_text()
    assert "Budgets broken" in page and "data:image/png;base64," in page
    assert "<td>hook: sms</td><td>p99_ms</td><td>250 ms</td><td>300 ms</td><td>FAIL</td>" in page
    assert "report.html" in page
    timeline_csv = (tmp_path / "timeline.csv").read_text().splitlines()
    assert timeline_csv[0] == "second,name,requests,failures,rate,p50,p95,p99"
    assert any(line.startswith("1,hook: sms,20,") for line in timeline_csv)


def test_an_interrupted_run_is_judged_on_nothing(tmp_path: Path, smoke: budgets.Budgets) -> None:
    verdicts = budgets.evaluate(seen(p99=900), smoke)  # would break, and needs sign-ins
    document = report.verdict_document(facts(interrupted=True), verdicts, seen(900), 0, 130)
    report.write(tmp_path, document, a_timeline(), smoke)
    written = json.loads((tmp_path / "verdict.json").read_text())
    assert written["verdict"] == "interrupted" and written["budgets"] == []
    assert written["requests"][0]["p99_ms"] == 900  # the figures so far are kept
    page = (tmp_path / "summary.html").read_text()
    assert "Interrupted: nothing judged" in page and "FAIL" not in page


def test_only_the_named_budgets_of_requests_the_run_makes_remain(smoke: budgets.Budgets) -> None:
    hook_only = smoke.restricted_to({"hook: sms", "hook: voice"})
    assert "okta: flow" in smoke.named and hook_only.named == ["hook: sms"]
    assert hook_only.limits_for("hook: voice") == smoke.limits_for("hook: voice")  # "*" stays


def test_rate_users_and_duration_scale_the_shape_alike() -> None:
    storm = SHAPES["storm"]
    small = storm.scaled(rate=60, seconds=storm.seconds / 10)
    assert small.peak_rate == 60 and small.seconds == pytest.approx(storm.seconds / 10)
    assert [s.rate for s in small.stages] == [s.rate / 10 for s in storm.stages]  # still a storm
    assert small.stages[2].ramp_s == pytest.approx(storm.stages[2].ramp_s / 10)
    assert "scaled" in small.description
    assert storm.scaled() == storm
    by_users = SHAPES["steady"].scaled(users=100)
    assert by_users.peak_rate == pytest.approx(100 * USER_RATE) and by_users.peak_users == 100
    hook_only = SHAPES["steady"].scaled(rate=50, user_rate=HOOK_USER_RATE)
    assert hook_only.peak_users == 50 != users_for(50)  # one call a second per hook caller
    assert hook_only.at(30) == (50, 1.0)


def test_a_pumping_run_states_both_figures_in_verdict_json_and_the_summary(
    tmp_path: Path,
) -> None:
    chosen = budgets.load("pumping").restricted_to({"okta: flow"})
    tally = {
        pumping.LEGIT_STARTED: 400,
        pumping.LEGIT_DELIVERED: 399,
        pumping.LEGIT_VERIFIED: 399,
        pumping.BOT_REQUESTS: 260,
        pumping.BOT_HOOK_SENT: 31,
        pumping.BOT_REFUSED + "prefix_blocked": 229,
        pumping.BOT_FALLBACK_SENT: 10,
    }
    fired = {"prefix_blocked": pumping.Fired(229, 22.4, 79.8)}
    figures = pumping.PumpingFigures(tally, bot_at_gateway=31, gateway_messages=430, fired=fired)
    stats = [RequestStats("okta: flow", 400, 1, 10, 150, 180, 190), *seen(p99=40)]
    verdicts = budgets.evaluate(stats, chosen, figures.budget_figures())
    document = report.verdict_document(facts(), verdicts, stats, 0, exit_code=1)
    document["pumping"] = figures.document()
    report.write(tmp_path, document, a_timeline(), chosen)

    written = json.loads((tmp_path / "verdict.json").read_text())
    by_metric = {b["metric"]: b for b in written["budgets"]}
    gateway = by_metric["bot_messages_at_gateway"]
    assert (gateway["limit"], gateway["measured"], gateway["pass"]) == (25, 31, False)
    delivered = by_metric["legitimate_delivered"]
    assert delivered["measured"] == pytest.approx(0.9975) and delivered["pass"]
    assert written["pumping"]["bot"]["refused_by_control"] == {"prefix_blocked": 229}
    assert written["pumping"]["connector_log"]["prefix_blocked"]["first_s"] == 22.4
    page = (tmp_path / "summary.html").read_text()
    assert (
        "<td>bot messages at the gateway</td><td>bot_messages_at_gateway</td>"
        "<td>at most 25</td><td>31</td><td>FAIL</td>"
    ) in page
    assert "<td>at least 99.50%</td><td>99.75%</td><td>pass</td>" in page
    assert "Toll fraud: the bot and the people" in page and "+64282500" in page
    assert "<td>prefix_blocked</td><td>229</td><td>22.4 s</td><td>79.8 s</td>" in page


def test_a_figure_not_measured_is_written_as_none_not_nan(tmp_path: Path) -> None:
    chosen = budgets.load("pumping").restricted_to(set())
    figures = pumping.PumpingFigures({}, bot_at_gateway=None, gateway_messages=None)
    verdicts = budgets.evaluate(seen(p99=40), chosen, figures.budget_figures())
    document = report.verdict_document(facts(), verdicts, seen(p99=40), 0, exit_code=1)
    document["pumping"] = figures.document()
    report.write(tmp_path, document, a_timeline(), chosen)
    text = (tmp_path / "verdict.json").read_text()
    assert "NaN" not in text  # strict JSON readers refuse it
    measured = {b["metric"]: b["measured"] for b in json.loads(text)["budgets"]}
    assert measured["bot_messages_at_gateway"] is None
    assert "not measured" in (tmp_path / "summary.html").read_text()
