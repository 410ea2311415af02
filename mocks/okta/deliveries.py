"""Event hook deliveries, without the network: the body Okta POSTs, the record of every attempt
(the control plane's ``/_mock/event-hooks/deliveries``) and the fault switches that make a
delivery late, doubled or lost, for tests of a receiver (CONTRACT.md §6)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from mocks.common.timestamps import iso
from mocks.okta.errors import ValidationFailed

# How many attempts the control plane keeps, newest last.
MAX_RECORDS = 2000
# The longest delay a fault may ask for: a late event, not a hung test.
MAX_DELAY_S = 120.0

# Outcomes of one attempt.
DELIVERED = "DELIVERED"  # a 2xx answer
HTTP_ERROR = "HTTP_ERROR"  # any other status (5xx is retried once, others are not)
TIMEOUT = "TIMEOUT"
UNREACHABLE = "UNREACHABLE"
DROPPED = "DROPPED"  # the ``drop`` fault: never sent
RETRYABLE = frozenset({TIMEOUT, UNREACHABLE})


def delivery_body(
    events: list[dict[str, Any]], *, source: str, event_id: str, now: float
) -> dict[str, Any]:
    """What Okta POSTs to an event hook (the event hooks concept page, "Event hook request")."""
    return {
        "eventType": "com.okta.event_hook",
        "eventTypeVersion": "1.0",
        "cloudEventsVersion": "0.1",
        "source": source,
        "eventId": event_id,
        "eventTime": iso(now),
        "contentType": "application/json",
        "data": {"events": events},
    }


def retryable(outcome: str, http_status: int | None) -> bool:
    """Okta retries once after a timeout, a failed connection or a server error."""
    return outcome in RETRYABLE or (http_status is not None and http_status >= 500)


@dataclass(frozen=True)
class Attempt:
    """One POST of one delivery (no header value and no event body: ids and types only)."""

    delivery_id: str
    hook_id: str
    event_uuids: tuple[str, ...]
    event_types: tuple[str, ...]
    attempt: int
    copy: int
    outcome: str
    http_status: int | None
    duration_ms: int
    at: float
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "deliveryId": self.delivery_id,
            "hookId": self.hook_id,
            "eventUuids": list(self.event_uuids),
            "eventTypes": list(self.event_types),
            "attempt": self.attempt,
            "copy": self.copy,
            "outcome": self.outcome,
            "httpStatus": self.http_status,
            "durationMs": self.duration_ms,
            "at": iso(self.at),
            "detail": self.detail,
        }


@dataclass
class DeliveryFaults:
    """``delay_s``: every delivery waits this long first (a late event); ``duplicate``: every
    delivery is sent twice (at-least-once, as a redelivery by Okta); ``drop``: nothing is sent
    (a silent feedback channel)."""

    delay_s: float = 0.0
    duplicate: bool = False
    drop: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"delayS": self.delay_s, "duplicate": self.duplicate, "drop": self.drop}

    @classmethod
    def parse(cls, doc: Any) -> DeliveryFaults:
        if not isinstance(doc, dict):
            raise ValidationFailed("faults", ["body: must be a JSON object"])
        causes = [f"{k}: unknown fault" for k in doc if k not in ("delayS", "duplicate", "drop")]
        delay = doc.get("delayS", 0)
        if isinstance(delay, bool) or not isinstance(delay, int | float):
            causes.append("delayS: must be a number of seconds")
        elif not 0 <= delay <= MAX_DELAY_S:
            causes.append(f"delayS: must be between 0 and {MAX_DELAY_S:g}")
        for name in ("duplicate", "drop"):
            if not isinstance(doc.get(name, False), bool):
                causes.append(f"{name}: must be true or false")
        if causes:
            raise ValidationFailed("faults", causes)
        return cls(float(delay), bool(doc.get("duplicate", False)), bool(doc.get("drop", False)))


@dataclass
class DeliveryLog:
    """Every attempt, newest last, and the faults in force."""

    faults: DeliveryFaults = field(default_factory=DeliveryFaults)
    _attempts: deque[Attempt] = field(default_factory=lambda: deque(maxlen=MAX_RECORDS))

    def reset(self) -> None:
        self.faults = DeliveryFaults()
        self._attempts.clear()

    def record(self, attempt: Attempt) -> None:
        self._attempts.append(attempt)

    def attempts(self, hook_id: str | None = None) -> list[Attempt]:
        return [a for a in self._attempts if hook_id is None or a.hook_id == hook_id]
