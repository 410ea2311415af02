"""Times on the wire: RFC 3339 / ISO 8601 UTC with milliseconds, ``2026-01-28T21:43:40.123Z``."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_rfc3339(text: str) -> float | None:
    """Epoch seconds of an RFC 3339 date-time with an offset or ``Z``; ``None`` if malformed."""
    if len(text) < 20 or text[10] not in "Tt":
        return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.timestamp()
