"""``connector.metrics.Tally``: what one turn of the event loop tallied reaches prometheus-client
as the library's own ``inc`` and ``observe`` would have written it, sample for sample, at the end
of that turn (or at once without a loop), and before a scrape of this process."""

from __future__ import annotations

import asyncio
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from connector import metrics
from connector.metrics import LATENCY_BUCKETS, Tally

# Values on, between and past the bounds, the last one beyond every finite bucket.
VALUES = (0.0, 0.004, 0.005, 0.0051, 0.3, 2.5, 2.75, 3.0, 7.0, 0.004)


def _metrics() -> tuple[CollectorRegistry, Counter, Histogram, Gauge]:
    registry = CollectorRegistry()
    counter = Counter("calls", "calls", ("outcome",), registry=registry)
    histogram = Histogram("seconds", "seconds", buckets=LATENCY_BUCKETS, registry=registry)
    gauge = Gauge("in_flight", "in flight", registry=registry)
    return registry, counter, histogram, gauge


def _samples(registry: CollectorRegistry) -> dict[tuple[str, tuple[Any, ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in registry.collect()
        for sample in family.samples
        if not sample.name.endswith("_created")
    }


def _direct() -> dict[tuple[str, tuple[Any, ...]], float]:
    registry, counter, histogram, gauge = _metrics()
    for value in VALUES:
        histogram.observe(value)
    for outcome in ("sent", "sent", "pending"):
        counter.labels(outcome).inc()
    gauge.inc(3)
    gauge.dec(1)
    return _samples(registry)


def _tallied(tally: Tally) -> tuple[CollectorRegistry, Counter, Histogram, Gauge]:
    registry, counter, histogram, gauge = _metrics()
    for value in VALUES:
        tally.observe(histogram, value)
    for outcome in ("sent", "sent", "pending"):
        tally.count(counter.labels, outcome)
    return registry, counter, histogram, gauge


def test_a_flushed_tally_equals_the_librarys_own_inc_and_observe() -> None:
    async def turn() -> tuple[dict[Any, float], dict[Any, float]]:
        tally = Tally()
        registry, _, _, _ = _tallied(tally)
        during = _samples(registry)
        await asyncio.sleep(0)  # the turn ends: the tally is written
        await asyncio.sleep(0)
        return during, _samples(registry)

    during, after = asyncio.run(turn())
    expected = _direct()
    gauge = ("in_flight", ())
    expected.pop(gauge)
    after.pop(gauge)
    assert after == expected
    # Nothing reached the metrics before the end of the turn.
    assert during.get(("seconds_count", ()), 0.0) == 0.0
    assert during.get(("calls_total", (("outcome", "sent"),)), 0.0) == 0.0


def test_without_an_event_loop_the_tally_is_written_at_once() -> None:
    tally = Tally()
    registry, _, histogram, _ = _metrics()
    tally.observe(histogram, 0.2)
    samples = _samples(registry)
    assert samples[("seconds_count", ())] == 1.0
    assert samples[("seconds_sum", ())] == 0.2
    assert samples[("seconds_bucket", (("le", "0.25"),))] == 1.0
    assert samples[("seconds_bucket", (("le", "0.1"),))] == 0.0


def test_the_in_flight_gauge_moves_by_the_turns_net_count() -> None:
    async def turn() -> float:
        before = metrics.REGISTRY.get_sample_value("ezitxt_hook_calls_in_flight") or 0.0
        tally = Tally()
        for _ in range(5):
            tally.in_flight(1)
        tally.in_flight(-2)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        after = metrics.REGISTRY.get_sample_value("ezitxt_hook_calls_in_flight") or 0.0
        tally.in_flight(-3)
        tally.flush()
        return after - before

    assert asyncio.run(turn()) == 3.0


def test_a_scrape_of_this_process_includes_the_current_turns_counts() -> None:
    async def turn() -> float:
        child = metrics._cached(metrics.REPLAYS)
        before = metrics.REGISTRY.get_sample_value(
            "ezitxt_hook_replays_total", {"replay_of": "accepted"}
        )
        metrics.TALLY.count(child, "accepted")
        text = metrics.exposition().decode()  # same turn: no end of turn in between
        line = next(
            line
            for line in text.splitlines()
            if line.startswith('ezitxt_hook_replays_total{replay_of="accepted"}')
        )
        return float(line.split()[-1]) - (before or 0.0)

    assert asyncio.run(turn()) == 1.0


def test_a_turn_that_never_ends_holds_at_most_max_pending_observations() -> None:
    async def turn() -> tuple[float, int]:
        tally = Tally()
        registry, _, histogram, _ = _metrics()
        for _ in range(metrics.MAX_PENDING + 5):
            tally.observe(histogram, 0.001)  # no await: the turn goes on
        return _samples(registry)[("seconds_count", ())], len(tally._observed)

    written, held = asyncio.run(turn())
    assert written == metrics.MAX_PENDING
    assert held == 5
