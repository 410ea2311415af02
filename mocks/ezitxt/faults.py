"""Gateway faults on demand (STYLE.md point 11): the rules, and which request a rule strikes.

``PUT /_mock/faults`` takes one rule or ``{"rules": [...], "seed": n}``; the first rule that
matches a request strikes it. A rule has at least one effect — ``delay`` (``{"fixedMs"}`` or a
long tail ``{"medianMs", "p99Ms", "maxMs"}``), and at most one of ``status`` (answer that HTTP
status with a ``send_failed`` body), ``drop`` (close the connection, no answer) or ``malformed``
(a garbage body) — and may narrow itself to a ``share`` of requests or one ``destination``.
With ``accept`` the message is accepted (and delivered) before the fault strikes: the client
never learns that it was sent. Pure: no I/O, the random source is injected.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

# z-score of the 99th percentile of a standard normal distribution.
_Z99 = 2.3263
MAX_DELAY_MS = 60_000.0


@dataclass(frozen=True, slots=True)
class Delay:
    fixed_ms: float | None = None
    median_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float = MAX_DELAY_MS

    def sample_s(self, rng: random.Random) -> float:
        """A fixed delay, or a log-normal draw with the given median and 99th percentile."""
        if self.fixed_ms is not None:
            ms = self.fixed_ms
        else:
            median = self.median_ms or 1.0
            p99 = max(self.p99_ms or median, median)
            sigma = math.log(p99 / median) / _Z99
            ms = median * math.exp(sigma * rng.gauss(0.0, 1.0))
        return min(ms, self.max_ms, MAX_DELAY_MS) / 1000.0


@dataclass(frozen=True, slots=True)
class FaultRule:
    delay: Delay | None = None
    status: int | None = None
    drop: bool = False
    malformed: bool = False
    share: float = 1.0
    destination: str | None = None
    accept: bool = False

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> FaultRule:
        """A rule from its (already schema-valid) JSON form."""
        delay = doc.get("delay")
        return cls(
            delay=Delay(
                fixed_ms=delay.get("fixedMs"),
                median_ms=delay.get("medianMs"),
                p99_ms=delay.get("p99Ms"),
                max_ms=delay.get("maxMs", MAX_DELAY_MS),
            )
            if delay
            else None,
            status=doc.get("status"),
            drop=bool(doc.get("drop", False)),
            malformed=bool(doc.get("malformed", False)),
            share=float(doc.get("share", 1.0)),
            destination=doc.get("destination"),
            accept=bool(doc.get("accept", False)),
        )


@dataclass
class Faults:
    """The rules in force; empty means a well-behaved gateway."""

    rules: tuple[FaultRule, ...] = ()
    rng: random.Random = field(default_factory=random.Random)
    seed: int | None = None
    struck: int = 0

    @property
    def active(self) -> bool:
        return bool(self.rules)

    @property
    def by_destination(self) -> bool:
        return any(rule.destination is not None for rule in self.rules)

    def replace(self, doc: dict[str, Any]) -> None:
        """Install the rules of a schema-valid ``PUT /_mock/faults`` document."""
        docs = doc["rules"] if "rules" in doc else [doc]
        self.rules = tuple(FaultRule.from_json(d) for d in docs)
        self.seed = doc.get("seed")
        self.rng = random.Random(self.seed)
        self.struck = 0

    def clear(self) -> None:
        self.rules = ()
        self.seed = None
        self.struck = 0

    def pick(self, destination: str | None) -> FaultRule | None:
        """The rule that strikes a request to ``destination`` (``None``: not a send)."""
        for rule in self.rules:
            if rule.destination is not None and rule.destination != destination:
                continue
            if rule.share >= 1.0 or self.rng.random() < rule.share:
                self.struck += 1
                return rule
        return None
