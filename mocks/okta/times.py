"""Clocks (Okta's timestamp format is ``mocks.common.timestamps``).

Every part of the mock reads time through a ``Clock`` so tests can move it without sleeping.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Seconds since the epoch, as ``time.time``."""

    def __call__(self) -> float: ...


def system_clock() -> float:
    """The real clock."""
    return time.time()
