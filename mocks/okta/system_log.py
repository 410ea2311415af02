"""The System Log: events in Okta's LogEvent shape and the queries of ``GET /api/v1/logs``
(https://developer.okta.com/docs/api/openapi/okta-management/management/tag/SystemLog/)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mocks.common.timestamps import iso
from mocks.okta import ids
from mocks.okta.errors import ValidationFailed
from mocks.okta.times import Clock

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Okta answers "since" defaults with the last 7 days.
DEFAULT_WINDOW_S = 7 * 24 * 3600.0
_CLAUSE = re.compile(r'^\s*eventType\s+eq\s+"([A-Za-z0-9_.]+)"\s*$')


@dataclass(frozen=True)
class Entity:
    """An actor or target of an event."""

    id: str
    type: str
    alternate_id: str | None = None
    display_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "alternateId": self.alternate_id,
            "displayName": self.display_name,
            "detailEntry": None,
        }


SYSTEM = Entity("0oa00000000000system", "SystemPrincipal", "system@okta.com", "Okta System")


@dataclass(frozen=True)
class Page:
    events: list[dict[str, Any]]
    next_after: str | None


def parse_filter(text: str) -> set[str]:
    """The one filter form the mock understands: ``eventType eq "…"`` clauses joined by ``or``."""
    types: set[str] = set()
    for clause in re.split(r"\s+or\s+", text.strip()):
        match = _CLAUSE.match(clause)
        if match is None:
            raise ValidationFailed(
                "filter", [f'filter: Unsupported expression; use eventType eq "…" [or …]: {text}']
            )
        types.add(match.group(1))
    return types


Listener = Callable[[dict[str, Any]], None]


class SystemLog:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._events: list[tuple[int, float, dict[str, Any]]] = []
        self._seq = 0
        # Told of every event once it is recorded: event hook delivery (``event_dispatch``).
        self.listener: Listener | None = None

    def reset(self) -> None:
        self._events.clear()

    def emit(
        self,
        event_type: str,
        display_message: str,
        *,
        result: str = "SUCCESS",
        reason: str | None = None,
        severity: str = "INFO",
        actor: Entity = SYSTEM,
        targets: tuple[Entity, ...] = (),
        debug_data: dict[str, Any] | None = None,
        client_ip: str | None = None,
    ) -> dict[str, Any]:
        """Record one event. ``reason`` and ``debug_data`` must never hold secrets: the System
        Log is read by admins."""
        now = self._clock()
        self._seq += 1
        event = {
            "uuid": ids.log_uuid(),
            "published": iso(now),
            "eventType": event_type,
            "version": "0",
            "severity": severity,
            "legacyEventType": None,
            "displayMessage": display_message,
            "actor": actor.to_json(),
            "client": {"ipAddress": client_ip, "device": "Unknown", "zone": "null"},
            "outcome": {"result": result, "reason": reason[:255] if reason else None},
            "target": [t.to_json() for t in targets],
            "transaction": {"type": "WEB", "id": ids.transaction_id(), "detail": {}},
            "debugContext": {"debugData": dict(debug_data or {})},
            # Okta's LogEvent always has it; the mock fills no provider (it signs in by SMS only).
            "authenticationContext": {
                "authenticationProvider": None,
                "credentialProvider": None,
                "credentialType": None,
                "issuer": None,
                "interface": None,
                "authenticationStep": 0,
                "externalSessionId": None,
            },
            "request": {"ipChain": [{"ip": client_ip}] if client_ip else []},
        }
        self._events.append((self._seq, now, event))
        if self.listener is not None:
            self.listener(event)
        return event

    def query(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        event_types: set[str] | None = None,
        results: set[str] | None = None,
        limit: int = DEFAULT_LIMIT,
        after: str | None = None,
        descending: bool = False,
    ) -> Page:
        """One page of events. As in Okta, a query without ``until`` is a polling query whose
        page always links a next one; a bounded query links one only while more remain."""
        now = self._clock()
        low = since if since is not None else now - DEFAULT_WINDOW_S
        high = until if until is not None else float("inf")
        if low > high:
            raise ValidationFailed("since", ["since: must not be after until"])
        cursor = _cursor(after)
        rows = [
            row
            for row in self._events
            if low <= row[1] < high
            and (event_types is None or row[2]["eventType"] in event_types)
            and (results is None or row[2]["outcome"]["result"] in results)
        ]
        if descending:
            rows.reverse()
            rows = [r for r in rows if cursor is None or r[0] < cursor]
        else:
            rows = [r for r in rows if cursor is None or r[0] > cursor]
        page = rows[:limit]
        more = len(rows) > limit
        if page and (more or until is None):
            next_after: str | None = str(page[-1][0])
        elif until is None:
            next_after = after or "0"
        else:
            next_after = None
        return Page([r[2] for r in page], next_after)

    def find(self, uuid: str) -> dict[str, Any] | None:
        """One event by its ``uuid``."""
        return next((row[2] for row in self._events if row[2]["uuid"] == uuid), None)

    def event_types(self) -> list[str]:
        """The event types recorded so far, sorted (for the console's filter)."""
        return sorted({row[2]["eventType"] for row in self._events})

    def events(self) -> list[dict[str, Any]]:
        """Every event, oldest first (for the control plane and tests)."""
        return [row[2] for row in self._events]


def _cursor(after: str | None) -> int | None:
    # An empty ``after`` is no cursor (schemathesis sent one: Okta's spec allows it).
    if not after:
        return None
    if not after.isdigit():
        raise ValidationFailed("after", ["after: Invalid cursor"])
    return int(after)
