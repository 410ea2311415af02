"""Locust's side of the load shapes (smoke, steady, storm: ``stages.py``): a ``LoadTestShape``
that follows the chosen shape's arrival rate, and the Poisson pacing each user arrives with.

One shape class, told which shape by ``--shape``: Locust runs the first shape class it finds,
and the option reaches it on the master, where shapes run.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from locust import LoadTestShape

from loadtests.stages import SHAPES, Shape


class ArrivalShape(LoadTestShape):
    """Users for the shape's arrival rate (``stages.users_for``); ramps by spawn rate."""

    def shape(self) -> Shape:
        options = self.runner.environment.parsed_options if self.runner else None
        return SHAPES[getattr(options, "shape", None) or "smoke"]

    def tick(self) -> tuple[int, float] | None:
        return self.shape().at(self.get_run_time())  # type: ignore[no-untyped-call]


def poisson_arrivals(rate: float, max_lag_s: float = 5.0) -> Callable[[Any], float]:
    """A ``wait_time``: arrivals at ``rate`` a second on average, exponentially spaced, kept on a
    schedule of their own rather than counted from the end of the last task. For a user that
    waits for its answers (a person), a slow answer delays its next arrival but does not lose it:
    it catches up; only one more than ``max_lag_s`` behind gives up the arrivals it missed rather
    than firing them in a burst."""

    def wait(user: Any) -> float:
        now = time.monotonic()
        due = getattr(user, "_next_arrival", now)
        if due < now - max_lag_s:
            due = now
        due += random.expovariate(rate)
        user._next_arrival = due
        return max(0.0, due - now)

    return wait
