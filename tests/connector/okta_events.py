"""Okta event hook deliveries for tests, as the event agreement shapes them (LogEvents in the
CloudEvents-style envelope, CONTRACT.md §6), built by hand the way mock Okta will send them."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import schemas

USER = "00u8kq2ZtXw4NvB7r0d6"  # the userId of tests/connector/payloads.request()


def published(at: float) -> str:
    moment = datetime.fromtimestamp(at, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def log_event(
    event_type: str = "user.authentication.auth_via_mfa",
    *,
    user: str = USER,
    at: float | None = None,
    factor: str | None = "SMS_FACTOR",
    result: str = "SUCCESS",
    event_uuid: str | None = None,
) -> dict[str, Any]:
    """The schema's pass example, retyped: one LogEvent of ``user`` published at ``at``."""
    name = "event-hook-delivery.mfa-verified.pass.json"
    example = json.loads((schemas.ROOT / "okta" / "examples" / name).read_text(encoding="utf-8"))
    event: dict[str, Any] = copy.deepcopy(example["data"]["events"][0])
    event["uuid"] = event_uuid or str(uuid.uuid4())
    event["eventType"] = event_type
    event["published"] = published(at if at is not None else datetime.now(UTC).timestamp())
    event["outcome"]["result"] = result
    event["actor"]["id"] = user
    event["target"][0]["id"] = user
    debug = event["debugContext"]["debugData"]
    if factor is None:
        debug.pop("factor", None)
    else:
        debug["factor"] = factor
    return event


def delivery(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "eventType": "com.okta.event_hook",
        "eventTypeVersion": "1.0",
        "cloudEventsVersion": "0.1",
        "source": "https://example.okta.com/api/v1/eventHooks/who1234567890abcdefg",
        "eventId": str(uuid.uuid4()),
        "eventTime": published(datetime.now(UTC).timestamp()),
        "contentType": "application/json",
        "data": {"events": list(events)},
    }
