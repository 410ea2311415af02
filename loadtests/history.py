"""The arrival rate a run actually reached, from Locust's per-second history CSV.

A budget at "200 requests/s" means nothing if the load generator fell short of 200/s, so the
runner prints the rate that reached the connector (direct hook calls and sign-in flows, whose
hook call Okta makes) while the shape held its peak.
"""

from __future__ import annotations

import csv
from pathlib import Path

from loadtests.stages import Shape

CONNECTOR_NAMES = ("hook: sms", "hook: voice", "okta: flow", "bot: flow")


def peak_window(shape: Shape) -> tuple[float, float]:
    """Seconds from the start: the longest stretch held at the peak rate, ramps left out, and
    once every user class has joined (``Shape.joins``)."""
    windows = []
    start = 0.0
    for stage in shape.stages:
        begin = max(start + stage.ramp_s, shape.all_joined_s)
        if stage.rate == shape.peak_rate and start + stage.seconds > begin:
            windows.append((begin, start + stage.seconds))
        start += stage.seconds
    return max(windows, key=lambda w: w[1] - w[0])


def connector_rate(history: Path, shape: Shape) -> tuple[float, float, float] | None:
    """(arrivals/s, window start, window end) during the peak, or None without enough history.
    Needs ``--csv-full-history`` (the runner sets it) for per-name rows."""
    counts: dict[int, int] = {}
    with history.open(newline="") as file:
        rows = list(csv.DictReader(file))
    if not rows:
        return None
    t0 = int(rows[0]["Timestamp"])
    for row in rows:
        if row["Name"] in CONNECTOR_NAMES:
            second = int(row["Timestamp"]) - t0
            counts[second] = counts.get(second, 0) + int(row["Total Request Count"])
    return peak_rate(counts, shape)


def peak_rate(counts: dict[int, int], shape: Shape) -> tuple[float, float, float] | None:
    """(arrivals/s, window start, window end) from cumulative request counts by second."""
    begin, end = peak_window(shape)
    seconds = sorted(s for s in counts if begin <= s <= end)
    if len(seconds) < 2:
        return None
    first, last = seconds[0], seconds[-1]
    return (counts[last] - counts[first]) / (last - first), first, last
