"""Times on the wire, as both services write them: ISO 8601 / RFC 3339 UTC with milliseconds,
``2022-01-28T21:43:40.000Z`` (Okta's ``eventTime`` and ``published``, EZITXT's report times)."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(epoch_s: float) -> str:
    """``epoch_s`` as ``2022-01-28T21:43:40.000Z``."""
    moment = datetime.fromtimestamp(epoch_s, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> float:
    """Seconds since the epoch of an ISO-8601 timestamp; naive ones are taken as UTC (Okta's
    ``since``/``until`` accept both). ``ValueError`` when it is none."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def parse_rfc3339(text: str) -> float | None:
    """Epoch seconds of an RFC 3339 date-time, which must carry an offset or ``Z`` (EZITXT's
    ``scheduled``, ``from`` and ``to``); ``None`` if malformed."""
    if len(text) < 20 or text[10] not in "Tt":
        return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.timestamp()
