"""The load shapes as plain data: how many Okta arrivals a second, stage by stage.

Okta drives arrivals: it calls the hook when people sign in, whether or not it has had its last
answer. So a shape is a list of arrival rates, not of users with think time, and ``users_for``
turns a rate into Locust users of two kinds (``locustfile.py``):

- ``OktaHookCaller``, a slice of Okta's own traffic: ``HOOK_USER_RATE`` calls a second, Poisson
  spaced, each sent without waiting for the answers before it (open loop), so a slow connector
  or gateway meets the same arrivals, not fewer;
- ``SignInUser``, a person: one sign-in at a time (a person waits for the SMS), a new one every
  ``1 / SIGN_IN_USER_RATE`` s on average; ``SIGN_IN_SHARE`` of the arrivals.

A stage runs the default user classes (``DEFAULT_CLASSES``) unless it names its own: the
``pumping`` shape runs people signing in and a toll-fraud bot instead (``loadtests/pumping.py``).
A class may join late (``Shape.joins``): its users are there from the start, so Locust's mix by
weight holds, but make their first arrival only then; the pumping bot joins 15 s in, once the
org's sign-ins (and the feedback of their codes) are flowing, as an attack on a live org does.

No Locust import here: the runner and the tests read these figures without gevent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

HOOK_USER_RATE = 1.0
SIGN_IN_USER_RATE = 0.25
SIGN_IN_SHARE = 0.1
# User weights giving that share: 9 callers x 1/s to 4 people x 0.25/s is 9 : 1 in arrivals.
HOOK_WEIGHT = 9
SIGN_IN_WEIGHT = 4
USER_RATE = (HOOK_WEIGHT * HOOK_USER_RATE + SIGN_IN_WEIGHT * SIGN_IN_USER_RATE) / (
    HOOK_WEIGHT + SIGN_IN_WEIGHT
)  # arrivals a second of the average user
DEFAULT_CLASSES = ("OktaHookCaller", "SignInUser")

# The pumping shape: people signing in (a new person each time, as a day's sign-ins are), and a
# bot asking for codes to one NZ mobile range (which the number-type checks pass) with fresh
# users, never verifying.
LEGIT_CLASS = "LegitimateSignIn"
BOT_CLASS = "PumpingBot"
LEGIT_USER_RATE = 0.25  # sign-ins a second per Locust user: a person waits for the SMS
BOT_USER_RATE = 1.0  # code requests a second per bot user, open loop: a bot does not wait
LEGIT_WEIGHT = 6  # 6 people at 0.25/s to 1 bot at 1/s: 1.5 sign-ins to 1 bot request
BOT_WEIGHT = 1
PUMPING_LEGIT_RATE = 6.0  # legitimate sign-ins a second
PUMPING_BOT_RATE = 4.0  # bot code requests a second, once it has joined
PUMPING_MIX_RATE = (LEGIT_WEIGHT * LEGIT_USER_RATE + BOT_WEIGHT * BOT_USER_RATE) / (
    LEGIT_WEIGHT + BOT_WEIGHT
)  # arrivals a second of the average user once the bot has joined
PUMPING_BOT_JOINS_S = 15.0
PUMPING_CLASSES = (LEGIT_CLASS, BOT_CLASS)


@dataclass(frozen=True)
class Stage:
    seconds: float  # how long the stage lasts, its ramp included
    rate: float  # Okta arrivals a second it aims for, at the connector
    ramp_s: float = 0.0  # time to move from the previous stage's rate to this one
    classes: tuple[str, ...] = ()  # the user classes it runs (none: DEFAULT_CLASSES)


@dataclass(frozen=True)
class Shape:
    name: str
    description: str
    stages: tuple[Stage, ...]
    user_rate: float = USER_RATE  # arrivals a second per Locust user (hook callers only: 1)
    joins: tuple[tuple[str, float], ...] = ()  # (user class, s from the start of its arrivals)

    @property
    def seconds(self) -> float:
        return sum(stage.seconds for stage in self.stages)

    @property
    def peak_rate(self) -> float:
        return max(stage.rate for stage in self.stages)

    def stage_at(self, elapsed_s: float) -> Stage | None:
        start = 0.0
        for stage in self.stages:
            if elapsed_s < start + stage.seconds:
                return stage
            start += stage.seconds
        return None

    def at(self, elapsed_s: float) -> tuple[int, float] | None:
        """(users, spawn rate) at ``elapsed_s`` from the start; None once the shape is over."""
        previous_users = 0
        start = 0.0
        for stage in self.stages:
            users = users_for(stage.rate, self.user_rate)
            if elapsed_s < start + stage.seconds:
                change = abs(users - previous_users)
                spawn_rate = change / stage.ramp_s if stage.ramp_s > 0 else max(change, 1)
                return users, max(spawn_rate, 1.0)
            previous_users = users
            start += stage.seconds
        return None

    def classes_at(self, elapsed_s: float) -> tuple[str, ...]:
        """The user classes the stage at ``elapsed_s`` runs (the last stage's once it is over)."""
        stage = self.stage_at(elapsed_s) or self.stages[-1]
        return stage.classes or DEFAULT_CLASSES

    @property
    def class_names(self) -> tuple[str, ...]:
        """Every user class some stage of the shape runs, in order."""
        names = [name for stage in self.stages for name in (stage.classes or DEFAULT_CLASSES)]
        return tuple(dict.fromkeys(names))

    def joins_at(self, name: str) -> float:
        """Seconds from the start at which the users of class ``name`` first arrive."""
        return dict(self.joins).get(name, 0.0)

    @property
    def all_joined_s(self) -> float:
        return max((at for _, at in self.joins), default=0.0)

    @property
    def peak_users(self) -> int:
        return users_for(self.peak_rate, self.user_rate)

    def scaled(
        self,
        *,
        rate: float | None = None,
        users: int | None = None,
        seconds: float | None = None,
        user_rate: float | None = None,
    ) -> Shape:
        """The same shape with its peak at ``rate`` arrivals/s (or ``users`` users), lasting
        ``seconds`` in all: every stage's rate and length scaled alike, so a storm stays a
        storm. ``user_rate``: arrivals a second per user (1 when only hook callers run)."""
        per_user = user_rate or self.user_rate
        if users is not None:
            rate = users * per_user
        rate_factor = (rate / self.peak_rate) if rate else 1.0
        time_factor = (seconds / self.seconds) if seconds else 1.0
        stages = tuple(
            replace(
                s,
                seconds=s.seconds * time_factor,
                rate=s.rate * rate_factor,
                ramp_s=s.ramp_s * time_factor,
            )
            for s in self.stages
        )
        changed = [
            f"peak {stages and max(s.rate for s in stages):g}/s" if rate else "",
            f"{sum(s.seconds for s in stages):g} s" if seconds else "",
        ]
        note = ", ".join(c for c in changed if c)
        description = f"{self.description} (scaled: {note})" if note else self.description
        joins = tuple((name, at * time_factor) for name, at in self.joins)
        return replace(
            self, description=description, stages=stages, user_rate=per_user, joins=joins
        )


def users_for(rate: float, user_rate: float = USER_RATE) -> int:
    return math.ceil(rate / user_rate - 1e-9)  # 200/s is 260 users, not 261 by rounding


STEADY_RATE = 200.0  # arrivals a second: the steady budget's rate on this machine
STORM_FACTOR = 3.0  # the Monday 9 am storm: several times the steady rate

SHAPES = {
    shape.name: shape
    for shape in (
        Shape(
            "smoke",
            "a few seconds at a low rate: proves the chain works",
            (Stage(10, 20, ramp_s=2),),
        ),
        Shape(
            "steady",
            f"{STEADY_RATE:.0f} arrivals/s held for a minute",
            (Stage(10, STEADY_RATE, ramp_s=10), Stage(60, STEADY_RATE)),
        ),
        Shape(
            "pumping",
            f"SMS pumping: {PUMPING_LEGIT_RATE:g} legitimate sign-ins/s, and from "
            f"{PUMPING_BOT_JOINS_S:g} s a bot asking {PUMPING_BOT_RATE:g} codes/s for one "
            "NZ mobile range (not premium: the number-type checks pass it), never verifying",
            (
                Stage(5, PUMPING_LEGIT_RATE + PUMPING_BOT_RATE, 5, PUMPING_CLASSES),
                Stage(75, PUMPING_LEGIT_RATE + PUMPING_BOT_RATE, 0, PUMPING_CLASSES),
            ),
            user_rate=PUMPING_MIX_RATE,
            joins=((BOT_CLASS, PUMPING_BOT_JOINS_S),),
        ),
        Shape(
            "storm",
            f"Monday 9 am: from {STEADY_RATE:.0f}/s up to {STORM_FACTOR:g}x, held, then back",
            (
                Stage(10, STEADY_RATE, ramp_s=10),
                Stage(20, STEADY_RATE),
                Stage(20, STEADY_RATE * STORM_FACTOR, ramp_s=20),
                Stage(40, STEADY_RATE * STORM_FACTOR),
                Stage(20, STEADY_RATE, ramp_s=20),
                Stage(20, STEADY_RATE),
            ),
        ),
    )
}
