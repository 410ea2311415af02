"""The Mobile Report page's query string, read into a ``ReportFilter`` and a page position.

Pure: no HTTP and no store. Bad values never raise; they come back as messages for the page,
and the filter they belong to is left out, so a typo shows an explanation, not an error page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final
from urllib.parse import urlencode

from mocks.ezitxt.lifecycle import STATUSES
from mocks.ezitxt.models import ReportFilter
from mocks.ezitxt.phones import is_e164
from mocks.ezitxt.units import GSM7, UCS2

# The time frames offered, newest end of the report: (value, label, seconds back).
FRAMES: Final = (
    ("", "Any time", None),
    ("1h", "Last hour", 3600.0),
    ("24h", "Last 24 hours", 86_400.0),
    ("7d", "Last 7 days", 7 * 86_400.0),
    ("30d", "Last 30 days", 30 * 86_400.0),
    ("custom", "From / to (UTC)", None),
)
PAGE_SIZES: Final = (25, 50, 100)
DEFAULT_PAGE_SIZE: Final = 50
ORIGINS: Final = ("MT", "MO")
CHARSETS: Final = (GSM7, UCS2)
LOCAL_MINUTE: Final = "%Y-%m-%dT%H:%M"


@dataclass
class ReportQuery:
    criteria: ReportFilter
    values: dict[str, str]  # what the form shows back
    size: int = DEFAULT_PAGE_SIZE
    older_than: int | None = None
    newer_than: int | None = None
    show_content: bool = False
    problems: list[str] = field(default_factory=list)


def _utc_minute(text: str) -> float | None:
    """A ``datetime-local`` value (``2026-12-02T06:40``), read as UTC."""
    try:
        return datetime.strptime(text, LOCAL_MINUTE).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def _cursor(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) <= 18 else None


def parse(params: Mapping[str, str], now: float) -> ReportQuery:
    values = {name: params.get(name, "").strip() for name in (
        "id", "application", "destination", "origin", "status", "charset", "frame", "from", "to"
    )}  # fmt: skip
    problems: list[str] = []

    destination = values["destination"].replace(" ", "") or None
    if destination is not None and not destination.startswith("+"):
        destination = "+" + destination
    if destination is not None and not is_e164(destination):
        problems.append("Destination: enter a number in E.164 form, such as +64211234567.")
        destination = None

    def choice(name: str, allowed: tuple[str, ...]) -> str | None:
        raw = values[name]
        if not raw:
            return None
        for value in allowed:
            if raw.lower() == value.lower():
                return value
        problems.append(f"Unknown {name}: {raw[:40]}.")
        values[name] = ""
        return None

    since = until = None
    frame = values["frame"]
    seconds = {value: back for value, _, back in FRAMES}
    if frame not in seconds:
        problems.append("Unknown time frame.")
        values["frame"] = frame = ""
    if seconds.get(frame) is not None:
        since = now - (seconds[frame] or 0.0)
    elif frame == "custom":
        for name in ("from", "to"):
            if values[name] and _utc_minute(values[name]) is None:
                problems.append(f"{name.title()}: enter a date and time.")
        since = _utc_minute(values["from"]) if values["from"] else None
        until = _utc_minute(values["to"]) if values["to"] else None

    size_raw = params.get("size", "")
    size = (
        int(size_raw) if size_raw.isdigit() and int(size_raw) in PAGE_SIZES else DEFAULT_PAGE_SIZE
    )
    show_content = params.get("content") == "1"
    values["size"] = str(size) if size != DEFAULT_PAGE_SIZE else ""
    values["content"] = "1" if show_content else ""
    criteria = ReportFilter(
        message_id=values["id"] or None,
        application=values["application"] or None,
        destination=destination,
        direction=choice("origin", ORIGINS),
        status=choice("status", STATUSES),
        charset=choice("charset", CHARSETS),
        since=since,
        until=until,
    )
    return ReportQuery(
        criteria=criteria,
        values=values,
        size=size,
        older_than=_cursor(params.get("before")),
        newer_than=_cursor(params.get("after")),
        show_content=show_content,
        problems=problems,
    )


def link(values: Mapping[str, str], **changes: str | int | None) -> str:
    """The report's URL with the same filters and ``changes`` (``None`` drops a parameter)."""
    merged: dict[str, str] = {k: v for k, v in values.items() if v}
    for key, value in changes.items():
        if value is None or value == "":
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return "/reports/mobile" + (f"?{urlencode(merged)}" if merged else "")
