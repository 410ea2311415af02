"""The fault rules without HTTP: matching, shares, seeds and delay distributions."""

from __future__ import annotations

import random
import statistics

from mocks.ezitxt.faults import Delay, Faults
from mocks.ezitxt.routes_mock import render_faults


def test_share_is_reproducible_with_a_seed() -> None:
    picks = []
    for _ in range(2):
        faults = Faults()
        faults.replace({"rules": [{"status": 503, "share": 0.3}], "seed": 9})
        picks.append([faults.pick(None) is not None for _ in range(200)])
    assert picks[0] == picks[1]
    assert 30 <= sum(picks[0]) <= 90


def test_destination_rules_skip_other_destinations() -> None:
    faults = Faults()
    faults.replace({"status": 503, "destination": "+64211234567"})
    assert faults.pick("+64220000000") is None
    assert faults.pick(None) is None
    rule = faults.pick("+64211234567")
    assert rule is not None and rule.status == 503
    assert faults.struck == 1


def test_long_tail_has_the_median_and_a_tail() -> None:
    delay = Delay(median_ms=20, p99_ms=1000, max_ms=5000)
    rng = random.Random(1)
    draws = sorted(delay.sample_s(rng) for _ in range(5000))
    assert 0.015 < statistics.median(draws) < 0.025
    assert 0.6 < draws[int(0.99 * len(draws))] < 1.6
    assert draws[-1] <= 5.0


def test_fixed_delay_and_cap() -> None:
    rng = random.Random(0)
    assert Delay(fixed_ms=250).sample_s(rng) == 0.25
    assert Delay(fixed_ms=10**9).sample_s(rng) == 60.0


def test_rendered_rules_round_trip() -> None:
    faults = Faults()
    doc = {"rules": [{"delay": {"fixedMs": 5}, "drop": True, "accept": True}], "seed": 1}
    faults.replace(doc)
    again = Faults()
    again.replace({"rules": render_faults(faults)["rules"], "seed": 1})
    assert again.rules == faults.rules
