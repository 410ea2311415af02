"""Reports > System Log: the filter form's fields to a ``SystemLog.query``. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from mocks.okta.system_log import DEFAULT_WINDOW_S

PAGE_SIZE = 25
PERIODS = {
    "15m": ("Last 15 minutes", 15 * 60.0),
    "1h": ("Last hour", 3600.0),
    "24h": ("Last 24 hours", 24 * 3600.0),
    "7d": ("Last 7 days", DEFAULT_WINDOW_S),
    "custom": ("Custom (UTC)", None),
}
OUTCOMES = ["SUCCESS", "FAILURE", "DENY", "ALLOW", "CHALLENGE", "SKIPPED", "UNKNOWN"]


@dataclass(frozen=True)
class LogFilters:
    event_type: str = ""
    outcome: str = ""
    period: str = "7d"
    since_text: str = ""
    until_text: str = ""
    after: str | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> LogFilters:
        period = params.get("period", "7d")
        return cls(
            event_type=params.get("event_type", "").strip(),
            outcome=params.get("outcome", "").strip().upper(),
            period=period if period in PERIODS else "7d",
            since_text=params.get("since", "").strip(),
            until_text=params.get("until", "").strip(),
            after=params.get("after") or None,
        )

    def window(self, now: float) -> tuple[float, float]:
        """``(since, until)`` in epoch seconds; raises ValueError naming a bad custom time."""
        if self.period != "custom":
            seconds = PERIODS[self.period][1] or DEFAULT_WINDOW_S
            return now - seconds, now + 1
        since = _parse(self.since_text, "From") if self.since_text else now - DEFAULT_WINDOW_S
        until = _parse(self.until_text, "To") if self.until_text else now + 1
        if since > until:
            raise ValueError("From must be before To")
        return since, until

    def params(self, **changes: str | None) -> dict[str, str]:
        """The query string that shows these filters (for paging links)."""
        values = {
            "event_type": self.event_type,
            "outcome": self.outcome,
            "period": self.period,
            "since": self.since_text,
            "until": self.until_text,
            "after": self.after or "",
        }
        values.update({k: v or "" for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}


def _parse(text: str, label: str) -> float:
    """``2026-12-02T06:40`` (a datetime-local field) as UTC."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{label}: not a date and time (YYYY-MM-DD HH:MM, UTC)") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
