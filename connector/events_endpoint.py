"""``/okta/events``: the connector as Okta's event hook, the feedback channel of conversion
(CONTRACT.md §6; https://developer.okta.com/docs/concepts/event-hooks/).

- ``GET`` with ``X-Okta-Verification-Challenge``: Okta's one-time verification, answered
  ``{"verification": "<the header's value>"}``, authenticated like a delivery.
- ``POST``: a delivery, ``{eventType: "com.okta.event_hook", data: {events: [LogEvent, ...]}}``,
  capped, schema-checked (``schemas/okta/event-hook-delivery.schema.json``), its events counted
  (``connector.feedback``) and answered 200 with an empty body: Okta's flow does not wait on
  it, and its own wait is 3 s.

Served only when ``EZITXT_HOOK_EVENTS_SECRET`` is set; else the path is the app's Okta-shaped
404 like any other. One log line per call: the outcome and counts, never the secret, a user id
or an event's content.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from connector import metrics
from connector.answers import Answer
from connector.conversion_store import MemoryConversionStore
from connector.event_auth import CredentialChecker, DeliveryAuthenticator, EventCaller
from connector.feedback import ConversionFeedback, Delivery
from connector.outcomes import Outcomes
from connector.redis_conversion import RedisConversionStore
from connector.refusals import (
    BODY_TIMEOUT,
    EVENTS_BAD_JSON,
    EVENTS_NO_CHALLENGE,
    EVENTS_SCHEMA_INVALID,
    EVENTS_STATE_UNAVAILABLE,
    TOO_LARGE,
    Refusal,
)
from connector.settings import Settings
from connector.state import SharedState
from connector.validation import RequestValidator

EVENTS_PATH = "/okta/events"
CHALLENGE_HEADER = "x-okta-verification-challenge"
DELIVERY_SCHEMA = "okta/event-hook-delivery"
# Okta batches events into one delivery; each LogEvent is a few KB. 1 MiB holds hundreds, and
# the schema allows at most 1,000 events.
MAX_DELIVERY_BYTES = 1_048_576
MAX_CHALLENGE_CHARS = 1024
# Okta waits 3 s (CONTRACT.md §6): from arrival, the whole call (an application secret's check
# at the gateway, the body, the counting: a few store round trips) ends within this.
DELIVERY_BUDGET_S = 2.5

log = logging.getLogger("ezitxt.connector.events")


class _TooLarge(Exception):
    pass


@dataclass(frozen=True, slots=True)
class EventsWiring:
    feedback: ConversionFeedback
    endpoint: EventsEndpoint


def build_events(
    settings: Settings,
    outcomes: Outcomes,
    *,
    state: SharedState | None,
    checker: CredentialChecker | None,
) -> EventsWiring | None:
    """The feedback and its endpoint, when ``EZITXT_HOOK_EVENTS_SECRET`` is set; the store in
    Redis when the app shares its state there, else in this process."""
    secret = settings.events_secret_value
    if secret is None:
        return None
    state_secret = settings.state_secret_value
    store = (
        RedisConversionStore(state, state_secret)
        if state is not None and state_secret is not None
        else MemoryConversionStore()
    )
    feedback = ConversionFeedback(
        store,
        settings.conversion_rules,
        prefix_digits=settings.prefix_digits,
        default_region=settings.default_region,
    )
    # An application's own secret is the caller's credential only in passthrough mode.
    own_secrets = checker if "passthrough" in settings.auth_mode_list else None
    authenticator = DeliveryAuthenticator(secret, checker=own_secrets)
    endpoint = EventsEndpoint(authenticator, feedback, outcomes, auth_field=settings.auth_field)
    return EventsWiring(feedback, endpoint)


class EventsEndpoint:
    def __init__(
        self,
        authenticator: DeliveryAuthenticator,
        feedback: ConversionFeedback,
        outcomes: Outcomes,
        *,
        auth_field: str,
    ) -> None:
        self.authenticator = authenticator
        self.feedback = feedback
        self.outcomes = outcomes
        self.auth_field = auth_field.lower()
        self.validator = RequestValidator(DELIVERY_SCHEMA)

    async def handle(self, request: Request) -> Response:
        """The route's endpoint (a Starlette request → response function)."""
        started = time.monotonic()
        deadline = asyncio.get_running_loop().time() + DELIVERY_BUDGET_S
        fields: dict[str, Any] = {"event": "okta_events", "method": request.method}
        answer = await self._handle(request, fields, deadline)
        fields["outcome"] = answer.outcome
        fields["http_status"] = answer.http_status
        fields["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        log.info("okta event hook", extra={"fields": fields})
        metrics.count_event_delivery(answer.outcome)
        media_type = "application/json" if answer.body else None
        return Response(
            answer.body,
            status_code=answer.http_status,
            media_type=media_type,
            headers={k.decode(): v.decode() for k, v in answer.headers},
        )

    async def _handle(self, request: Request, fields: dict[str, Any], deadline: float) -> Answer:
        caller = await self.authenticator.authenticate(
            tuple(request.headers.getlist(self.auth_field)), deadline=deadline
        )
        if isinstance(caller, Refusal):
            if caller.detail:
                fields["auth_problem"] = caller.detail
            return self.outcomes.refused(caller)
        fields["caller"] = "events_secret" if caller.application is None else "application"
        if caller.application is not None:
            fields["application"] = caller.application
        if request.method in ("GET", "HEAD"):  # Starlette routes HEAD with GET
            return self._verification(request)
        return await self._delivery(request, caller, fields, deadline)

    def _verification(self, request: Request) -> Answer:
        values = request.headers.getlist(CHALLENGE_HEADER)
        if len(values) != 1:
            return self.outcomes.refused(Refusal(EVENTS_NO_CHALLENGE))
        challenge = values[0]
        if not 0 < len(challenge) <= MAX_CHALLENGE_CHARS or not challenge.isprintable():
            return self.outcomes.refused(Refusal(EVENTS_NO_CHALLENGE))
        return self.outcomes.events_verified(challenge)

    async def _delivery(
        self, request: Request, caller: EventCaller, fields: dict[str, Any], deadline: float
    ) -> Answer:
        try:
            async with asyncio.timeout_at(deadline):
                body = await _read_capped(request)
        except _TooLarge:
            return self.outcomes.refused(Refusal(TOO_LARGE))
        except TimeoutError:
            return self.outcomes.refused(Refusal(BODY_TIMEOUT))
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            return self.outcomes.refused(Refusal(EVENTS_BAD_JSON))
        causes, _ = self.validator.check(document)
        if causes:
            fields["schema_errors"] = [cause.location for cause in causes]
            return self.outcomes.refused(Refusal(EVENTS_SCHEMA_INVALID, causes=tuple(causes)))
        events = document["data"]["events"]
        fields["events"] = len(events)
        try:
            async with asyncio.timeout_at(deadline):
                delivery = await self.feedback.deliver(events, application=caller.application)
        except TimeoutError:
            delivery = Delivery(outcomes=Counter(), state_unavailable=True)
        fields["counted"] = dict(delivery.outcomes)
        if delivery.state_unavailable:
            # Okta retries a failed delivery once: the events counted already are not counted
            # twice (their uuids are kept), the others get a second chance.
            return self.outcomes.refused(Refusal(EVENTS_STATE_UNAVAILABLE))
        return self.outcomes.events_accepted()


async def _read_capped(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_DELIVERY_BYTES:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_DELIVERY_BYTES:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)
