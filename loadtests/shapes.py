"""Locust's side of the load shapes (smoke, steady, storm, pumping: ``stages.py``): a
``LoadTestShape`` that follows the chosen shape's arrival rate with the user classes its stage
runs, and the Poisson pacing each user arrives with.

One shape class, told which shape by ``--shape`` (scaled by ``--rate`` or ``--shape-users`` and
``--duration``): Locust runs the first shape class it finds, and the options reach it on the
master, where shapes run. ``progress`` says whether the shape ran to its end: a run stopped
before (Ctrl-C, SIGTERM) is interrupted, and its budgets are not judged.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from locust import LoadTestShape

from loadtests.stages import SHAPES, USER_RATE, Shape

progress = {"ended": False}


def per_user_rate(user_classes: Sequence[Any]) -> float:
    """Arrivals a second of the average user of the classes that run (their weights)."""
    weights = [getattr(cls, "weight", 1) for cls in user_classes]
    rates = [getattr(cls, "arrival_rate", USER_RATE) for cls in user_classes]
    if not user_classes or sum(weights) == 0:
        return USER_RATE
    return sum(w * r for w, r in zip(weights, rates, strict=True)) / sum(weights)


def running(user_classes: Sequence[Any], names: Sequence[str]) -> list[Any]:
    """The classes among ``user_classes`` (those the locustfile has, or the command line named)
    that ``names`` asks for."""
    return [cls for cls in user_classes if cls.__name__ in names]


def chosen_shape(options: Any, user_classes: Sequence[Any]) -> Shape:
    """The shape ``--shape`` names, scaled by ``--rate``/``--shape-users`` and ``--duration``;
    users for a rate from the weights and rates of its classes, of those ``user_classes`` has."""
    base = SHAPES[getattr(options, "shape", None) or "smoke"]
    return base.scaled(
        rate=getattr(options, "rate", 0) or None,
        users=getattr(options, "shape_users", 0) or None,
        seconds=getattr(options, "duration", 0) or None,
        user_rate=per_user_rate(running(user_classes, base.class_names)),
    )


class ArrivalShape(LoadTestShape):
    """Users for the shape's arrival rate (``stages.users_for``), of the classes its stage runs;
    ramps by spawn rate."""

    def shape(self) -> Shape:
        environment = self.runner.environment if self.runner else None
        options = environment.parsed_options if environment else None
        return chosen_shape(options, environment.user_classes if environment else [])

    def tick(self) -> tuple[int, float, list[Any]] | None:
        shape = self.shape()
        elapsed = self.get_run_time()  # type: ignore[no-untyped-call]
        step = shape.at(elapsed)
        if step is None:
            progress["ended"] = True
            return None
        available = self.runner.environment.user_classes if self.runner else []
        return (*step, running(available, shape.classes_at(elapsed)))


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
