"""The mock platform's state and rules, with no HTTP (moto's ``models.py``).

``EzitxtBackend`` is what the stack and end-to-end tests drive directly when they do not go
through HTTP: applications and passwords, sending, the Mobile Report, handsets, faults and the
delivery life cycle (``advance`` is called by the runner in ``app``; tests may call it too).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mocks.common.timestamps import iso, parse_rfc3339
from mocks.ezitxt import lifecycle, units
from mocks.ezitxt.applications import Applications
from mocks.ezitxt.errors import InvalidAttrib, NotFound, UnprocessableAttrib
from mocks.ezitxt.faults import Faults
from mocks.ezitxt.lifecycle import CALLBACK_STATUSES, TERMINAL, Timings
from mocks.ezitxt.models import Message, Page, ReportFilter, Transition
from mocks.ezitxt.phones import is_e164, transport_for
from mocks.ezitxt.store import Store
from mocks.ezitxt.walks import Walk, Walks

DEFAULT_DB = "var/mock-ezitxt.sqlite3"
DEFAULT_HOOK_URL = "https://127.0.0.1:8401/okta/telephony"
# The source a message carries when the sender names none (the platform's shared short code).
DEFAULT_SOURCE = "3400"
# CONTRACT.md §5: ``scheduled`` at most 60 days ahead.
MAX_SCHEDULE_AHEAD_S = 60 * 86_400

log = logging.getLogger("mocks.ezitxt.backend")


@dataclass(frozen=True, slots=True)
class CallbackJob:
    """A status callback to POST (CONTRACT.md §5: ``{id, status, detail, reference?}``)."""

    url: str
    payload: dict[str, str]


class EzitxtBackend:
    """State and rules of the mock EZITXT platform; ``open()`` before use, ``close()`` after."""

    def __init__(
        self,
        *,
        db_path: str = DEFAULT_DB,
        hook_url: str = DEFAULT_HOOK_URL,
        timings: Timings | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = Store(db_path)
        self.hook_url = hook_url
        self.timings = timings or Timings()
        self.clock = clock
        self.faults = Faults()
        self.applications = Applications(self.store, clock)
        self.walks = Walks()

    def open(self) -> None:
        """Open the store and resume every message that was on its way at the last stop."""
        self.store.open()
        self.applications.load()
        self.walks.clear()
        now = self.clock()
        for m in self.store.unfinished(TERMINAL):
            plan = lifecycle.plan_for(m.destination, self.timings)
            walk = Walk(m.id, m.application, m.reference, plan, len(m.history))
            if walk.index < len(plan):
                walk.not_before = parse_rfc3339(m.scheduled) if m.scheduled else None
                self.walks.push(walk, walk.due_after(now))
        log.info(
            "store %s open; %d message(s) resumed their walk", self.store.path, len(self.walks)
        )

    def close(self) -> None:
        self.store.close()

    def reset(self) -> None:
        """Forget every application, message and fault (``POST /_mock/reset``)."""
        self.store.reset()
        self.applications.clear()
        self.walks.clear()
        self.faults.clear()

    # Sending

    def submit(self, application: str, request: dict[str, Any]) -> Message:
        """Accept a schema-valid send request; committed to the store before returning."""
        destination: str = request["destination"]
        content: str = request["content"]
        reference: str | None = request.get("reference")
        if not is_e164(destination):
            raise InvalidAttrib("Invalid attribute destination not E164")
        encoding = units.encode(content)
        if encoding.units > units.MAX_UNITS:
            raise InvalidAttrib("Invalid attribute content exceeds 10 units")
        if reference is not None and len(reference) > 255:
            raise InvalidAttrib("Invalid attribute reference longer than 255")
        now = self.clock()
        not_before = self._scheduled(request.get("scheduled"), now)
        message_id = str(uuid.uuid4())
        history = [{"status": "accepted", "at": iso(now), "detail": lifecycle.DETAILS["accepted"]}]
        message = Message(
            id=message_id,
            application=application,
            direction="MT",
            source=request.get("source") or DEFAULT_SOURCE,
            destination=destination,
            reference=reference,
            content=content,
            msg_class=request.get("class", "mt_message"),
            mask=request.get("mask"),
            scheduled=request.get("scheduled"),
            charset=encoding.charset,
            units=encoding.units,
            transport=transport_for(destination),
            status="accepted",
            created_at=now,
            updated_at=now,
            history_json=json.dumps(history),
        )
        self.store.insert_message(message)
        plan = lifecycle.plan_for(destination, self.timings)
        walk = Walk(message_id, application, reference, plan, 1, not_before)
        self.walks.push(walk, walk.due_after(now))
        return message

    def _scheduled(self, value: str | None, now: float) -> float | None:
        if value is None:
            return None
        at = parse_rfc3339(value)
        if at is None:
            raise InvalidAttrib("Invalid attribute scheduled not RFC 3339")
        if at <= now:
            raise UnprocessableAttrib("Invalid attribute scheduled in the past")
        if at > now + MAX_SCHEDULE_AHEAD_S:
            raise UnprocessableAttrib("Invalid attribute scheduled more than 60 days ahead")
        return at

    # Delivery life cycle

    def advance(self, now: float | None = None) -> list[CallbackJob]:
        """Apply every status step due by ``now`` in one commit; the callbacks they trigger."""
        now = self.clock() if now is None else now
        due = self.walks.pop_due(now)
        if not due:
            return []
        steps: list[Transition] = []
        jobs: list[CallbackJob] = []
        for at, walk in due:
            step = walk.plan[walk.index]
            steps.append(Transition(walk.message_id, step.status, step.detail, at))
            url = self.applications.callback_url(walk.application)
            if url is not None and step.status in CALLBACK_STATUSES:
                payload = {"id": walk.message_id, "status": step.status, "detail": step.detail}
                if walk.reference is not None:
                    payload["reference"] = walk.reference
                jobs.append(CallbackJob(url, payload))
            walk.index += 1
            if walk.index < len(walk.plan):
                self.walks.push(walk, walk.due_after(at))
        self.store.apply(steps)
        return jobs

    def next_due(self) -> float | None:
        return self.walks.next_due()

    # Reading

    def message(self, application: str, message_id: str) -> Message:
        """A message of ``application`` (another application's messages do not exist for it)."""
        message = self.store.message(message_id)
        if message is None or message.application != application:
            raise NotFound("Message not found")
        return message

    def report(self, criteria: ReportFilter, *, page: int, page_size: int) -> Page:
        return self.store.report(criteria, limit=page_size, offset=(page - 1) * page_size)

    def report_entry(self, message_id: str) -> Message:
        message = self.store.message(message_id)
        if message is None:
            raise NotFound("Message not found")
        return message

    def handset(self, msisdn: str, *, limit: int = 50) -> list[Message]:
        """Messages that reached ``received`` on that phone, newest first."""
        number = msisdn if msisdn.startswith("+") else f"+{msisdn}"
        if not is_e164(number):
            raise InvalidAttrib("Invalid attribute msisdn not E164")
        return self.store.received_by(number, limit)

    def stats(self) -> dict[str, Any]:
        counts = self.store.counts_by_status()
        return {
            "messages": sum(counts.values()),
            "byStatus": counts,
            "walking": len(self.walks),
            "faultsStruck": self.faults.struck,
        }
