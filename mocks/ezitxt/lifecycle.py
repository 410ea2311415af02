"""The delivery life cycle: the status walk of each message, and the test numbers that change it.

A normal message walks ``accepted → queued → submitted → sent → received`` (CONTRACT.md §5:
``sent`` is handed to the carrier path, ``received`` is on the handset). Test numbers give other
outcomes deterministically; the walk is a pure function of the destination and the timings, so
after a restart a message resumes from the number of steps its history already holds.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Final

TERMINAL: Final = frozenset(
    {"received", "rejected", "expired", "frozen", "failed", "blocked", "dead", "deficient"}
)
STATUSES: Final = ("accepted", "queued", "submitted", "sent", *sorted(TERMINAL))
# CONTRACT.md §5: status callbacks are sent for these statuses only.
CALLBACK_STATUSES: Final = frozenset({"sent", "received", "rejected", "expired"})

DETAILS: Final = {
    "accepted": "Accepted",
    "queued": "Queued for delivery",
    "submitted": "Submitted to carrier",
    "sent": "Sent to carrier",
    "received": "Received by handset",
    "rejected": "Rejected by carrier",
    "expired": "Validity period expired",
    "frozen": "Undeliverable after retries",
    "failed": "Delivery failed",
    "blocked": "Destination blocked",
}


@dataclass(frozen=True, slots=True)
class Timings:
    """Seconds between steps. The defaults put a normal message in ``received`` in 0.7 s."""

    queue_s: float = 0.05
    submit_s: float = 0.15
    send_s: float = 0.2
    receive_s: float = 0.3
    slow_s: float = 5.0
    expire_s: float = 3.0
    # The platform retries an undeliverable message once a minute; the mock keeps QA waits short.
    retry_s: float = 2.0
    retries: int = 3
    callback_backoff_s: float = 0.5

    def scaled(self, factor: float) -> Timings:
        """Every delay multiplied by ``factor`` (the retry count stays)."""
        changes = {
            f.name: getattr(self, f.name) * factor for f in fields(self) if f.name.endswith("_s")
        }
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Step:
    after_s: float
    status: str
    detail: str


@dataclass(frozen=True, slots=True)
class TestNumber:
    suffix: str
    outcome: str
    description: str


# Test numbers: one of these prefixes followed by the two-digit suffix of an outcome
# (+64210000001 and +61400000001 are both "rejected"). Any other suffix walks normally.
TEST_PREFIXES: Final = ("+642100000", "+614000000")
TEST_NUMBERS: Final = {
    t.suffix: t
    for t in (
        TestNumber("01", "rejected", "queued, submitted, then rejected by the carrier"),
        TestNumber("02", "expired", "sent, then expired after expire_s without a receipt"),
        TestNumber("03", "frozen", "submitted, retried `retries` times every retry_s, frozen"),
        TestNumber("04", "failed", "submitted, then failed"),
        TestNumber("05", "blocked", "blocked at once, never queued"),
        TestNumber("06", "slow", "normal walk, but received only slow_s after sent"),
        TestNumber("07", "no-receipt", "stays sent: the carrier never confirms delivery"),
        TestNumber("08", "slow-queue", "held slow_s in the queue, then a normal walk"),
    )
}


def test_number(destination: str) -> TestNumber | None:
    for prefix in TEST_PREFIXES:
        if destination.startswith(prefix) and len(destination) == len(prefix) + 2:
            return TEST_NUMBERS.get(destination[len(prefix) :])
    return None


def _step(after_s: float, status: str, detail: str | None = None) -> Step:
    return Step(after_s, status, detail or DETAILS[status])


def plan_for(destination: str, timings: Timings) -> tuple[Step, ...]:
    """Every step of a message's walk, ``accepted`` first (written when it is accepted)."""
    t = timings
    outcome = found.outcome if (found := test_number(destination)) else "normal"
    accepted = _step(0.0, "accepted")
    if outcome == "blocked":
        return (accepted, _step(t.queue_s, "blocked"))
    queued = _step(t.slow_s if outcome == "slow-queue" else t.queue_s, "queued")
    submitted = _step(t.submit_s, "submitted")
    head = (accepted, queued, submitted)
    if outcome in ("rejected", "failed"):
        return (*head, _step(t.send_s, outcome))
    if outcome == "frozen":
        retries = tuple(
            _step(t.retry_s, "submitted", f"Retry {n} of {t.retries}")
            for n in range(1, t.retries + 1)
        )
        return (*head, *retries, _step(t.retry_s, "frozen"))
    sent = _step(t.send_s, "sent")
    if outcome == "expired":
        return (*head, sent, _step(t.expire_s, "expired"))
    if outcome == "no-receipt":
        return (*head, sent)
    return (*head, sent, _step(t.slow_s if outcome == "slow" else t.receive_s, "received"))
