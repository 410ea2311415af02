"""Plain records the backend keeps and the HTTP layer renders."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Application:
    """A gateway application (Integrations > API Configuration)."""

    name: str
    created_at: float
    password_hash: str | None = None
    password_generated_at: float | None = None
    callback_url: str | None = None


@dataclass(slots=True)
class Message:
    """One message as the platform stores it; ``history_json`` is a JSON list of steps."""

    id: str
    application: str
    direction: str
    source: str
    destination: str
    reference: str | None
    content: str
    msg_class: str
    mask: str | None
    scheduled: str | None
    charset: str
    units: int
    transport: str
    status: str
    created_at: float
    updated_at: float
    history_json: str

    @property
    def history(self) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = json.loads(self.history_json)
        return steps


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """The Mobile Report's search and filters (CONTRACT.md §5); ``None`` means any."""

    message_id: str | None = None
    application: str | None = None
    destination: str | None = None
    direction: str | None = None
    status: str | None = None
    charset: str | None = None
    since: float | None = None
    until: float | None = None


@dataclass(frozen=True, slots=True)
class Page:
    total: int
    messages: list[Message]


@dataclass(frozen=True, slots=True)
class KeysetPage:
    """A page of the Mobile Report by keyset: ``seqs`` are the rows' keys, newest first."""

    messages: list[Message]
    seqs: list[int]
    has_newer: bool
    has_older: bool


@dataclass(frozen=True, slots=True)
class Transition:
    """One status step the life cycle applies to a stored message."""

    message_id: str
    status: str
    detail: str
    at: float
