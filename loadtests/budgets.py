"""Latency budgets: read from ``budgets.toml``, checked against a run's statistics.

Pure: statistics in, verdicts out; no Locust, no gevent (``locustfile.py`` converts Locust's
stats and prints the report). Budgets are per shape and per request name; a gateway fault
overlays its own. For each request name the budgets are, most specific last (each overrides the
metrics it names): the shape's ``"*"``, the fault's ``"*"``, the shape's entry for that name, the
fault's entry for that name. ``"*"`` covers every request name seen, ``Aggregated`` included; a
name given explicitly must have been requested at least once, or a budget could pass unseen.

A shape may also hold figures of the run as a whole to a bound (``[figures.<shape>]``, e.g. the
``pumping`` shape's bot messages at the gateway and legitimate sign-ins delivered): each figure
has its direction here (``FIGURES``), and a figure the run could not measure breaks its budget.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ANY = "*"
AGGREGATED = "Aggregated"
METRICS = ("p50_ms", "p95_ms", "p99_ms", "max_ms", "fail_ratio")
DEFAULT_PATH = Path(__file__).resolve().parent / "budgets.toml"

Limits = dict[str, float]
AT_MOST, AT_LEAST = "at most", "at least"
# Figures of a whole run: (direction, what it is, how it is shown).
FIGURES = {
    "bot_messages_at_gateway": (AT_MOST, "bot messages at the gateway", "count"),
    "legitimate_delivered": (AT_LEAST, "legitimate sign-ins delivered", "ratio"),
}


@dataclass(frozen=True)
class RequestStats:
    name: str
    requests: int
    failures: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @property
    def fail_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class Budgets:
    profile: str  # "steady", or "steady+slow" under a fault
    shape: Mapping[str, Limits]
    fault: Mapping[str, Limits]
    figures: Mapping[str, float] = field(default_factory=dict)  # FIGURES name -> bound

    def limits_for(self, name: str) -> Limits:
        limits: Limits = {}
        for layer in (
            self.shape.get(ANY),
            self.fault.get(ANY),
            self.shape.get(name),
            self.fault.get(name),
        ):
            limits.update(layer or {})
        return limits

    @property
    def named(self) -> list[str]:
        return sorted((set(self.shape) | set(self.fault)) - {ANY})

    def restricted_to(self, names: Iterable[str]) -> Budgets:
        """Without the named budgets of requests this run cannot make (a run of hook callers
        alone makes no sign-ins); ``"*"`` still covers every request seen."""
        keep = {ANY, AGGREGATED, *names}
        return Budgets(
            self.profile,
            {name: limits for name, limits in self.shape.items() if name in keep},
            {name: limits for name, limits in self.fault.items() if name in keep},
            self.figures,
        )


@dataclass(frozen=True)
class Verdict:
    profile: str
    name: str
    metric: str
    actual: float
    limit: float

    @property
    def ok(self) -> bool:
        # A figure not measured is NaN: no comparison holds, so its budget breaks.
        if self.metric == "requests" or self.direction == AT_LEAST:
            return self.actual >= self.limit
        return self.actual <= self.limit

    @property
    def direction(self) -> str:
        return FIGURES[self.metric][0] if self.metric in FIGURES else AT_MOST

    @property
    def message(self) -> str:
        if self.metric in FIGURES:
            return self._figure_message()
        where = f"{self.profile}: '{self.name}'"
        if self.metric == "requests":
            return f"{where}: no requests made, so its budgets could not be checked"
        if self.metric == "fail_ratio":
            actual, limit = f"{self.actual:.2%}", f"{self.limit:.2%}"
            over = f"{(self.actual - self.limit) * 100:.2f} points"
        else:
            actual, limit = f"{self.actual:.0f} ms", f"{self.limit:.0f} ms"
            over = f"{self.actual - self.limit:.0f} ms"
            if self.limit > 0:
                over += f", {(self.actual - self.limit) / self.limit:+.0%}"
        label = self.metric.removesuffix("_ms")
        if self.ok:
            return f"{where} {label} {actual} within {limit}"
        return f"{where} {label} {actual} over the budget of {limit} (by {over})"

    def _figure_message(self) -> str:
        direction, label, kind = FIGURES[self.metric]
        where = f"{self.profile}: {label}"
        if math.isnan(self.actual):
            bound = f"{direction} {self._shown(self.limit)}"
            return f"{where} not measured, so its budget ({bound}) could not be checked"
        actual, limit = self._shown(self.actual), self._shown(self.limit)
        if self.ok:
            return f"{where} {actual}, within the budget of {direction} {limit}"
        gap = abs(self.actual - self.limit)
        by = f"{gap * 100:.2f} points" if kind == "ratio" else f"{gap:.0f}"
        side = "over" if direction == AT_MOST else "under"
        return f"{where} {actual}, {side} the budget of {direction} {limit} (by {by})"

    def _shown(self, value: float) -> str:
        return f"{value:.2%}" if FIGURES[self.metric][2] == "ratio" else f"{value:.0f}"


def load(shape: str, fault: str = "none", path: Path = DEFAULT_PATH) -> Budgets:
    """The budgets of ``shape`` under ``fault``; a ValueError names what is missing or wrong."""
    with path.open("rb") as file:
        document = tomllib.load(file)
    shapes = document.get("shape", {})
    if shape not in shapes:
        raise ValueError(f"{path.name}: no [shape.{shape}] budgets (have: {', '.join(shapes)})")
    faults = document.get("fault", {})
    if fault != "none" and fault not in faults:
        raise ValueError(f"{path.name}: no [fault.{fault}] budgets (have: {', '.join(faults)})")
    return Budgets(
        profile=shape if fault == "none" else f"{shape}+{fault}",
        shape=_tables(shapes[shape], f"shape.{shape}"),
        fault=_tables(faults.get(fault, {}), f"fault.{fault}"),
        figures=_figures(document.get("figures", {}).get(shape, {}), f"figures.{shape}"),
    )


def _figures(table: Mapping[str, Any], where: str) -> dict[str, float]:
    unknown = set(table) - set(FIGURES)
    if unknown:
        raise ValueError(f"[{where}]: unknown figures {sorted(unknown)} (known: {sorted(FIGURES)})")
    for name, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(f"[{where}] {name}: expected a number >= 0")
        if FIGURES[name][2] == "ratio" and value > 1:
            raise ValueError(f"[{where}] {name}: a ratio, 0..1")
    return {name: float(value) for name, value in table.items()}


def _tables(table: Mapping[str, Any], where: str) -> dict[str, Limits]:
    tables: dict[str, Limits] = {}
    for name, limits in table.items():
        if name == "description":
            continue
        if not isinstance(limits, dict):
            raise ValueError(f"[{where}] {name!r}: expected a table of limits")
        unknown = set(limits) - set(METRICS)
        if unknown:
            raise ValueError(f"[{where}.{name!r}]: unknown metrics {sorted(unknown)}")
        for metric, value in limits.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"[{where}.{name!r}] {metric}: expected a number >= 0")
        tables[name] = {metric: float(value) for metric, value in limits.items()}
    return tables


def evaluate(
    stats: Iterable[RequestStats],
    budgets: Budgets,
    figures: Mapping[str, float] | None = None,
) -> list[Verdict]:
    """One verdict per budget that applies; see ``breaches`` for the broken ones. ``figures``:
    the run's measured figures by ``FIGURES`` name (one missing, or NaN, was not measured)."""
    by_name = {s.name: s for s in stats}
    verdicts: list[Verdict] = []
    for name in budgets.named:
        seen = by_name.get(name)
        if seen is None or seen.requests == 0:
            verdicts.append(Verdict(budgets.profile, name, "requests", 0, 1))
    for name, seen in sorted(by_name.items(), key=lambda item: (item[0] == AGGREGATED, item[0])):
        if seen.requests == 0:
            continue
        limits = budgets.limits_for(name)
        for metric in METRICS:
            if metric in limits:
                actual = float(getattr(seen, metric))
                verdicts.append(Verdict(budgets.profile, name, metric, actual, limits[metric]))
    measured = figures or {}
    for metric, limit in budgets.figures.items():
        actual = float(measured.get(metric, math.nan))
        verdicts.append(Verdict(budgets.profile, FIGURES[metric][1], metric, actual, limit))
    return verdicts


def breaches(
    stats: Iterable[RequestStats],
    budgets: Budgets,
    figures: Mapping[str, float] | None = None,
) -> list[Verdict]:
    return [verdict for verdict in evaluate(stats, budgets, figures) if not verdict.ok]
