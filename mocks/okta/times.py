"""Clocks and Okta's timestamp format.

Every part of the mock reads time through a ``Clock`` so tests can move it without sleeping.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Seconds since the epoch, as ``time.time``."""

    def __call__(self) -> float: ...


def system_clock() -> float:
    """The real clock."""
    return time.time()


def iso(epoch_s: float) -> str:
    """ISO-8601 UTC with milliseconds, as Okta writes it: ``2022-01-28T21:43:40.000Z``."""
    moment = datetime.fromtimestamp(epoch_s, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> float:
    """Seconds since the epoch of an ISO-8601 timestamp; naive ones are taken as UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
