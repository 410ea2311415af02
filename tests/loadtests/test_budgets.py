"""The budget checker on fabricated statistics: no Locust, no gevent."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from connector.conversion_settings import ConversionSettings
from connector.settings import Settings
from loadtests import budgets, pumping
from loadtests.budgets import RequestStats
from loadtests.expect import FAULTS
from loadtests.stages import SHAPES

BUDGETS = """
[shape.steady."*"]
max_ms = 2500
fail_ratio = 0.0

[shape.steady."hook: sms"]
p50_ms = 50
p99_ms = 250

[shape.steady."okta: flow"]

[fault.slow."hook: sms"]
p99_ms = 2500
"""


def stats(
    name: str = "hook: sms",
    *,
    requests: int = 1000,
    failures: int = 0,
    p50: float = 3,
    p95: float = 20,
    p99: float = 45,
    top: float = 90,
) -> RequestStats:
    return RequestStats(name, requests, failures, p50, p95, p99, top)


@pytest.fixture
def steady(tmp_path: Path) -> budgets.Budgets:
    path = tmp_path / "budgets.toml"
    path.write_text(BUDGETS)
    return budgets.load("steady", path=path)


def healthy() -> list[RequestStats]:
    return [stats(), stats("okta: flow"), stats("Aggregated")]


def test_a_run_inside_every_budget_passes(steady: budgets.Budgets) -> None:
    verdicts = budgets.evaluate(healthy(), steady)
    assert verdicts and all(v.ok for v in verdicts)
    assert budgets.breaches(healthy(), steady) == []


def test_a_slow_p99_breaks_its_budget_and_the_message_names_it(steady: budgets.Budgets) -> None:
    run = [stats(p99=312), stats("okta: flow"), stats("Aggregated")]
    [breach] = budgets.breaches(run, steady)
    assert (breach.name, breach.metric, breach.actual, breach.limit) == (
        "hook: sms", "p99_ms", 312, 250,
    )  # fmt: skip
    assert breach.message == (
        "steady: 'hook: sms' p99 312 ms over the budget of 250 ms (by 62 ms, +25%)"
    )


def test_one_failure_breaks_a_zero_failure_budget(steady: budgets.Budgets) -> None:
    run = [stats(), stats("okta: flow"), stats("Aggregated", requests=2000, failures=1)]
    [breach] = budgets.breaches(run, steady)
    assert breach.name == "Aggregated"  # "*" covers the aggregate too
    assert breach.metric == "fail_ratio"
    assert "0.05% over the budget of 0.00%" in breach.message


def test_an_answer_past_the_budget_breaks_max_for_any_request_name(
    steady: budgets.Budgets,
) -> None:
    run = [*healthy(), stats("ezitxt: handset", top=2600)]
    [breach] = budgets.breaches(run, steady)
    assert (breach.name, breach.metric) == ("ezitxt: handset", "max_ms")
    assert "max 2600 ms over the budget of 2500 ms (by 100 ms, +4%)" in breach.message


def test_a_named_request_that_never_ran_is_a_breach(steady: budgets.Budgets) -> None:
    [breach] = budgets.breaches([stats(), stats("Aggregated")], steady)
    assert breach.name == "okta: flow"
    assert "no requests made" in breach.message


def test_a_fault_overrides_the_shape_budget_it_names(tmp_path: Path) -> None:
    path = tmp_path / "budgets.toml"
    path.write_text(BUDGETS)
    slow = budgets.load("steady", "slow", path=path)
    assert slow.profile == "steady+slow"
    assert slow.limits_for("hook: sms") == {
        "max_ms": 2500, "fail_ratio": 0, "p50_ms": 50, "p99_ms": 2500,
    }  # fmt: skip
    run = [stats(p50=40, p99=2100, top=2150), stats("okta: flow"), stats("Aggregated")]
    assert budgets.breaches(run, slow) == []
    run = [stats(p50=2000, p99=2100, top=2150), stats("okta: flow"), stats("Aggregated")]
    [breach] = budgets.breaches(run, slow)
    assert breach.message.startswith("steady+slow: 'hook: sms' p50 2000 ms over")


@pytest.mark.parametrize(
    ("text", "shape", "fault", "complaint"),
    [
        (BUDGETS, "storm", "none", "no [shape.storm] budgets"),
        (BUDGETS, "steady", "stall", "no [fault.stall] budgets"),
        ('[shape.steady."x"]\np98_ms = 1\n', "steady", "none", "unknown metrics ['p98_ms']"),
        ('[shape.steady."x"]\np99_ms = "fast"\n', "steady", "none", "expected a number"),
        ("[shape.steady]\nx = 3\n", "steady", "none", "expected a table of limits"),
    ],
)
def test_a_wrong_budgets_file_is_refused_with_the_reason(
    tmp_path: Path, text: str, shape: str, fault: str, complaint: str
) -> None:
    path = tmp_path / "budgets.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=complaint.replace("[", r"\[").replace("]", r"\]")):
        budgets.load(shape, fault, path=path)


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_the_shipped_budgets_cover_every_shape_and_fault(shape: str, fault: str) -> None:
    chosen = budgets.load(shape, fault)
    # Every answer inside the connector's 2.5 s budget, and nothing failing, in every run.
    assert chosen.limits_for("Aggregated")["max_ms"] == 2500
    assert chosen.limits_for("hook: sms")["fail_ratio"] == 0


def test_the_shipped_steady_budget_is_the_issue_s() -> None:
    steady = budgets.load("steady")
    assert steady.limits_for("hook: sms")["p99_ms"] == 250
    assert steady.limits_for("hook: voice")["p99_ms"] == 250


FIGURES = """
[shape.pumping."*"]
max_ms = 2500

[figures.pumping]
bot_messages_at_gateway = 25
legitimate_delivered = 0.995
"""


@pytest.fixture
def pumping_budgets(tmp_path: Path) -> budgets.Budgets:
    path = tmp_path / "budgets.toml"
    path.write_text(FIGURES)
    return budgets.load("pumping", path=path)


def figure_verdicts(chosen: budgets.Budgets, **measured: float) -> dict[str, budgets.Verdict]:
    verdicts = budgets.evaluate([stats("Aggregated")], chosen, measured)
    return {v.metric: v for v in verdicts if v.metric in budgets.FIGURES}


def test_run_figures_are_held_to_their_bound_in_their_direction(
    pumping_budgets: budgets.Budgets,
) -> None:
    held = figure_verdicts(pumping_budgets, bot_messages_at_gateway=25, legitimate_delivered=0.995)
    assert all(v.ok for v in held.values())
    assert held["bot_messages_at_gateway"].message == (
        "pumping: bot messages at the gateway 25, within the budget of at most 25"
    )
    broken = figure_verdicts(
        pumping_budgets, bot_messages_at_gateway=31, legitimate_delivered=0.992
    )
    assert not any(v.ok for v in broken.values())
    assert broken["bot_messages_at_gateway"].message == (
        "pumping: bot messages at the gateway 31, over the budget of at most 25 (by 6)"
    )
    assert broken["legitimate_delivered"].message == (
        "pumping: legitimate sign-ins delivered 99.20%, under the budget of at least 99.50% "
        "(by 0.30 points)"
    )


def test_a_figure_the_run_could_not_measure_breaks_its_budget(
    pumping_budgets: budgets.Budgets,
) -> None:
    verdicts = figure_verdicts(pumping_budgets, legitimate_delivered=1.0)  # no Mobile Report count
    assert verdicts["legitimate_delivered"].ok
    unmeasured = verdicts["bot_messages_at_gateway"]
    assert not unmeasured.ok and math.isnan(unmeasured.actual)
    assert "not measured" in unmeasured.message and "at most 25" in unmeasured.message
    assert not figure_verdicts(pumping_budgets, bot_messages_at_gateway=math.nan)[
        "bot_messages_at_gateway"
    ].ok


@pytest.mark.parametrize(
    ("table", "complaint"),
    [
        ("bots = 3", "unknown figures ['bots']"),
        ("legitimate_delivered = 99.5", "a ratio, 0..1"),
        ("bot_messages_at_gateway = -1", "expected a number >= 0"),
        ('bot_messages_at_gateway = "few"', "expected a number >= 0"),
    ],
)
def test_a_wrong_figure_budget_is_refused(tmp_path: Path, table: str, complaint: str) -> None:
    path = tmp_path / "budgets.toml"
    path.write_text(f'[shape.pumping."*"]\nmax_ms = 1\n[figures.pumping]\n{table}\n')
    with pytest.raises(ValueError, match=re.escape(complaint)):
        budgets.load("pumping", path=path)


def test_the_shipped_pumping_budgets_are_the_issue_s() -> None:
    chosen = budgets.load("pumping")
    assert chosen.figures == {"bot_messages_at_gateway": 25, "legitimate_delivered": 0.995}
    # The latency budgets of the other shapes, unchanged: every answer inside 2.5 s, sign-ins as
    # steady's, the bot's flows too.
    steady = budgets.load("steady")
    assert chosen.limits_for("Aggregated")["max_ms"] == 2500
    for metric in ("p50_ms", "p95_ms", "p99_ms"):
        assert chosen.limits_for("okta: flow")[metric] == steady.limits_for("okta: flow")[metric]
    assert (
        chosen.limits_for("okta: verify")["p99_ms"] == steady.limits_for("okta: verify")["p99_ms"]
    )
    assert chosen.limits_for("bot: flow")["p99_ms"] == steady.limits_for("okta: flow")["p99_ms"]
    # No failure budget stricter than the delivered figure on what it measures.
    undelivered = 1 - chosen.figures["legitimate_delivered"]
    for name in ("okta: flow", "ezitxt: handset"):
        assert chosen.limits_for(name)["fail_ratio"] == pytest.approx(undelivered)
    assert budgets.load("steady").figures == {}


def test_the_bot_budget_is_derived_from_the_controls_defaults() -> None:
    """At most the sends conversion feedback needs before it can judge a prefix (the per-prefix
    velocity limit is higher), plus the requests in flight as the block starts."""
    conversion = ConversionSettings.model_fields
    min_sends = conversion["conversion_min_sends"].default
    assert conversion["conversion_threshold"].default == 0.2 and min_sends == 20
    velocity = Settings.model_fields
    prefix_limit = min(velocity["limit_prefix_hour"].default, velocity["limit_prefix_day"].default)
    first_to_stop_the_bot = min(prefix_limit, min_sends)
    assert first_to_stop_the_bot == min_sends  # the per-prefix limit (100 an hour) is higher
    budget = budgets.load("pumping").figures["bot_messages_at_gateway"]
    assert budget == first_to_stop_the_bot + pumping.IN_FLIGHT_MARGIN == 25
