"""What a run leaves beside Locust's report: ``verdict.json`` (shape, fault, each budget with its
measured figure and pass or fail), ``timeline.csv`` (per-second p50/p95/p99 from the first
second, ``timeline.py``), ``latency.png`` (those percentiles over time with the budget lines,
drawn with matplotlib) and ``summary.html`` (all of it on one page, the plot embedded). A
pumping run adds its figures (``pumping.py``): verdict.json's ``pumping`` and a section of the
summary.

No Locust here: the listener hands in plain figures, and the tests call it directly.
"""

from __future__ import annotations

import base64
import csv
import html
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from loadtests.budgets import AGGREGATED, FIGURES, Budgets, RequestStats, Verdict
from loadtests.stages import Shape
from loadtests.timeline import Timeline

VERDICT_FILE = "verdict.json"
SUMMARY_FILE = "summary.html"
PLOT_FILE = "latency.png"
TIMELINE_FILE = "timeline.csv"
PERCENTILE_METRICS = ("p50_ms", "p95_ms", "p99_ms")
COLOURS = {"p50_ms": "tab:blue", "p95_ms": "tab:orange", "p99_ms": "tab:red"}
MAX_PANELS = 4


@dataclass(frozen=True)
class RunFacts:
    profile: str
    shape: Shape
    fault: str
    fault_description: str
    target: str
    started_at: str  # ISO 8601, UTC
    elapsed_s: float
    interrupted: bool
    workers: int  # Locust workers (0: one local process)
    arrival_rate: float | None  # at the connector while the shape held its peak


def verdict_document(
    facts: RunFacts,
    verdicts: Sequence[Verdict],
    stats: Sequence[RequestStats],
    exceptions: int,
    exit_code: int,
) -> dict[str, Any]:
    broken = [v for v in verdicts if not v.ok]
    if facts.interrupted:
        outcome = "interrupted"
    else:
        outcome = "broken" if broken or exceptions else "held"
    return {
        "verdict": outcome,
        "exit_code": exit_code,
        "profile": facts.profile,
        "shape": {
            "name": facts.shape.name,
            "description": facts.shape.description,
            "seconds": facts.shape.seconds,
            "peak_rate": facts.shape.peak_rate,
            "stages": [asdict(stage) for stage in facts.shape.stages],
        },
        "fault": {"name": facts.fault, "description": facts.fault_description},
        "target": facts.target,
        "started_at": facts.started_at,
        "elapsed_s": round(facts.elapsed_s, 1),
        "locust_workers": facts.workers,
        "arrival_rate_at_peak": facts.arrival_rate,
        "locustfile_exceptions": exceptions,
        # An interrupted run is judged on nothing: its figures are kept, its budgets are not.
        "budgets": []
        if facts.interrupted
        else [
            {
                "name": v.name,
                "metric": v.metric,
                "limit": v.limit,
                "measured": None if math.isnan(v.actual) else v.actual,  # None: not measured
                "pass": v.ok,
                "message": v.message,
            }
            for v in verdicts
        ],
        "requests": [
            {**asdict(s), "fail_ratio": s.fail_ratio} for s in stats if s.requests or s.failures
        ],
    }


def write(out: Path, document: dict[str, Any], timeline: Timeline, budgets: Budgets) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / VERDICT_FILE).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    write_timeline(out / TIMELINE_FILE, timeline)
    panels = plotted_names(timeline, budgets)
    plot(out / PLOT_FILE, timeline, budgets, panels, title=_title(document))
    (out / SUMMARY_FILE).write_text(summary_page(document, out / PLOT_FILE), encoding="utf-8")


def write_timeline(path: Path, timeline: Timeline) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["second", "name", "requests", "failures", "rate", "p50", "p95", "p99"])
        for name in timeline.names():
            for p in timeline.points(name):
                writer.writerow(
                    [p.second, name, p.requests, p.failures, f"{p.rate:.1f}",
                     p.p50_ms, p.p95_ms, p.p99_ms]
                )  # fmt: skip


def plotted_names(timeline: Timeline, budgets: Budgets) -> list[str]:
    """The request names with a percentile budget (``*`` aside), else the aggregate."""
    named = [
        name
        for name in timeline.names()
        if name != AGGREGATED
        and any(m in (budgets.shape.get(name, {}) | budgets.fault.get(name, {}))
                for m in PERCENTILE_METRICS)
    ]  # fmt: skip
    return named[:MAX_PANELS] or [AGGREGATED]


def plot(
    path: Path, timeline: Timeline, budgets: Budgets, names: Sequence[str], *, title: str
) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a CI machine
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(
        len(names), 1, figsize=(11, 2.8 * len(names) + 0.6), sharex=True, squeeze=False
    )
    for axis, name in zip(axes[:, 0], names, strict=True):
        points = timeline.points(name)
        limits = budgets.limits_for(name)
        seconds = [p.second for p in points]
        for metric in PERCENTILE_METRICS:
            # A log axis cannot show 0 ms (Locust rounds sub-millisecond answers to 0).
            values = [
                None if v is None else max(v, 1.0) for v in (getattr(p, metric) for p in points)
            ]
            label = metric.removesuffix("_ms")
            axis.plot(seconds, values, color=COLOURS[metric], label=label, linewidth=1.5)
            if metric in limits:
                axis.axhline(
                    limits[metric], color=COLOURS[metric], linestyle="--", linewidth=1,
                    label=f"{label} budget {limits[metric]:g} ms",
                )  # fmt: skip
        if "max_ms" in limits:
            axis.axhline(
                limits["max_ms"], color="grey", linestyle=":", linewidth=1,
                label=f"max budget {limits['max_ms']:g} ms",
            )  # fmt: skip
        axis.set_yscale("log")
        axis.set_ylabel("ms")
        load = axis.twinx()  # the load beside its latency: a storm's peak shows where it is
        load.plot(seconds, [p.rate for p in points], color="grey", alpha=0.6, linewidth=1)
        load.set_ylabel("requests/s (grey)", fontsize=8, color="grey")
        load.tick_params(axis="y", labelsize=7, colors="grey")
        load.set_ylim(bottom=0)
        axis.set_title(f"{name}: percentiles of the last 5 s", fontsize=10, loc="left")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.08, 1.0))
    axes[-1, 0].set_xlabel("seconds since the start of the run")
    figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _title(document: dict[str, Any]) -> str:
    return f"{document['profile']}: {document['verdict']}"


def summary_page(document: dict[str, Any], plot_path: Path) -> str:
    e = html.escape
    shape, fault = document["shape"], document["fault"]
    verdict = document["verdict"]
    headline = {
        "held": "Every budget held",
        "broken": "Budgets broken",
        "interrupted": "Interrupted: nothing judged",
    }[verdict]
    rows = "".join(
        f"<tr class={'pass' if b['pass'] else 'fail'}><td>{e(b['name'])}</td>"
        f"<td>{e(b['metric'])}</td><td>{_bound(b['metric'], b['limit'])}</td>"
        f"<td>{_figure(b['metric'], b['measured'])}</td>"
        f"<td>{'pass' if b['pass'] else 'FAIL'}</td></tr>"
        for b in document["budgets"]
    )
    requests = "".join(
        f"<tr><td>{e(r['name'])}</td><td>{r['requests']}</td><td>{r['failures']}</td>"
        f"<td>{r['p50_ms']:.0f}</td><td>{r['p95_ms']:.0f}</td><td>{r['p99_ms']:.0f}</td>"
        f"<td>{r['max_ms']:.0f}</td></tr>"
        for r in document["requests"]
    )
    image = base64.b64encode(plot_path.read_bytes()).decode("ascii")
    rate = document["arrival_rate_at_peak"]
    reached = f"{rate:.0f}/s" if rate is not None else "not measured"
    if rate is not None and verdict == "interrupted":
        reached += " (until it was interrupted)"
    pumping = _pumping_section(document.get("pumping"))
    budgets_table = (
        "<p>Interrupted before the shape ended: no budget was judged.</p>"
        if verdict == "interrupted"
        else "<table><tr><th>request</th><th>metric</th><th>budget</th><th>measured</th>"
        f"<th></th></tr>{rows}</table>"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(document["profile"])}: {e(verdict)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 70em; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
td, th {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }}
tr.pass td:last-child {{ color: #17702b; }} tr.fail td {{ background: #fde2e1; font-weight: bold; }}
.verdict {{ font-size: 1.4em; padding: 0.4em 0.8em; display: inline-block; }}
.held {{ background: #dff3e3; }} .broken {{ background: #fde2e1; }}
.interrupted {{ background: #eee; }}
img {{ max-width: 100%; }}
</style></head><body>
<h1>Load run {e(document["profile"])}</h1>
<p class="verdict {e(verdict)}">{headline} (exit code {document["exit_code"]})</p>
<table>
<tr><th>shape</th><td>{e(shape["name"])}: {e(shape["description"])}; {shape["seconds"]:g} s,
peak {shape["peak_rate"]:g} arrivals/s</td></tr>
<tr><th>fault</th><td>{e(fault["name"])}: {e(fault["description"])}</td></tr>
<tr><th>target</th><td>{e(document["target"])}</td></tr>
<tr><th>started</th><td>{e(document["started_at"])}, ran {document["elapsed_s"]:g} s</td></tr>
<tr><th>Locust</th><td>{document["locust_workers"] or "one local process"}
{" workers" if document["locust_workers"] else ""}</td></tr>
<tr><th>arrivals at the connector at the peak</th><td>{reached}</td></tr>
</table>
<h2>Budgets</h2>
{budgets_table}
{pumping}
<h2>Latency over time</h2>
<p>p50, p95 and p99 of the 5 s before each second, from the first second (dashed: the budgets;
dotted: the max budget; grey: requests a second). Locust's report samples every second too, from
1-2 s in (loadtests/README.md).</p>
<img src="data:image/png;base64,{image}" alt="p50, p95 and p99 over time with the budget lines">
<h2>Requests</h2>
<table><tr><th>name</th><th>requests</th><th>failures</th><th>p50 ms</th><th>p95 ms</th>
<th>p99 ms</th><th>max ms</th></tr>{requests}</table>
<p>Locust's own report: <a href="report.html">report.html</a>; figures: {VERDICT_FILE},
{TIMELINE_FILE}.</p>
</body></html>
"""


def _pumping_section(figures: dict[str, Any] | None) -> str:
    """The pumping run's figures: the bot against the gateway's record, the people, and which
    of the connector's controls fired when (its log)."""
    if not figures:
        return ""
    e = html.escape
    bot, people = figures["bot"], figures["legitimate"]
    refused = ", ".join(f"{e(k)} {n}" for k, n in bot["refused_by_control"].items()) or "none"
    ratio = people["delivered_ratio"]
    fired = "".join(
        f"<tr><td>{e(reason)}</td><td>{seen['count']}</td><td>{_seconds(seen['first_s'])}</td>"
        f"<td>{_seconds(seen['last_s'])}</td></tr>"
        for reason, seen in figures["connector_log"].items()
    )
    log_table = (
        "<table><tr><th>connector outcome / event for the bot's prefix</th><th>times</th>"
        f"<th>first</th><th>last</th></tr>{fired}</table>"
        if fired
        else "<p>The connector's log was not read, or named the bot's prefix nowhere.</p>"
    )
    return f"""<h2>Toll fraud: the bot and the people</h2>
<table>
<tr><th>bot's range</th><td>{e(bot["range"])}… ({e(bot["request_type"])}, a fresh user and
number each request, never verified)</td></tr>
<tr><th>bot's code requests</th><td>{bot["requests"]}</td></tr>
<tr><th>bot messages at the gateway (Mobile Report)</th><td>{_count(bot["messages_at_gateway"])}
</td></tr>
<tr><th>Okta said sent by the hook</th><td>{bot["okta_said_sent_by_hook"]}</td></tr>
<tr><th>refused by the connector's controls</th><td>{refused}</td></tr>
<tr><th>then sent by Okta's own (rate-limited) provider</th>
<td>{bot["sent_by_okta_fallback"]}</td></tr>
<tr><th>legitimate sign-ins</th><td>{people["sign_ins"]}</td></tr>
<tr><th>codes delivered to them (EZITXT handset)</th><td>{people["delivered"]}
({"n/a" if ratio is None else f"{ratio:.2%}"})</td></tr>
<tr><th>codes they verified</th><td>{people["verified"]}</td></tr>
</table>
{log_table}"""


def _bound(metric: str, limit: float) -> str:
    shown = _figure(metric, limit)
    return f"{FIGURES[metric][0]} {shown}" if metric in FIGURES else shown


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f} s"


def _count(value: int | None) -> str:
    return "not measured" if value is None else str(value)


def _figure(metric: str, value: float | None) -> str:
    if value is None:
        return "not measured"
    if metric in FIGURES:
        return f"{value:.2%}" if FIGURES[metric][2] == "ratio" else f"{value:.0f}"
    if metric == "fail_ratio":
        return f"{value:.2%}"
    if metric == "requests":
        return f"{value:.0f} requests"
    return f"{value:.0f} ms"
