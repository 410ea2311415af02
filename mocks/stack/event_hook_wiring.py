"""The setup guide's event hook step: Okta > Workflow > Event Hooks > Create Event Hook, the
connector's ``/okta/events`` with the four event types that mean "the user entered the code"
(the conversion feedback of the fraud controls, CONTRACT.md §6), header auth with the
connector's events secret, then Verify. A hook that does not verify is a start-up error naming
Okta's reason: the connector's fraud controls would otherwise count every send as unconverted
without anyone noticing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mocks.stack.clients import Api, ApiError

EVENT_HOOK_NAME = "EZITXT conversion feedback"
# The EVENT AGREEMENT between the connector and mock Okta: exactly these are subscribed.
EVENT_TYPES = (
    "user.authentication.auth_via_mfa",
    "user.mfa.factor.activate",
    "user.account.unlock",
    "user.account.reset_password",
)
EVENTS_SECRET_ENV = "EZITXT_HOOK_EVENTS_SECRET"
AUTH_FIELD_ENV = "EZITXT_HOOK_AUTH_FIELD"
DEFAULT_AUTH_FIELD = "Authorization"
HOOKS = "/api/v1/eventHooks"

Say = Callable[[str], None]


class EventHookNotVerified(RuntimeError):
    """The connector did not answer Okta's one-time verification: why, in Okta's words."""


@dataclass(frozen=True)
class EventHookSetup:
    """What Okta is told: where the connector's event hook is, and the header it checks."""

    uri: str
    auth_field: str
    secret: str


@dataclass(frozen=True)
class EventHookWired:
    hook_id: str
    uri: str
    status: str
    verification_status: str


def event_hook_body(setup: EventHookSetup) -> dict[str, Any]:
    return {
        "name": EVENT_HOOK_NAME,
        "description": "Successful code entries, for the connector's SMS pumping controls",
        "events": {"type": "EVENT_TYPE", "items": list(EVENT_TYPES)},
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": setup.uri,
                "headers": [],
                "authScheme": {"type": "HEADER", "key": setup.auth_field, "value": setup.secret},
            },
        },
    }


def register(okta: Api, setup: EventHookSetup, *, say: Say) -> EventHookWired:
    """Create the connector's event hook (replacing one already there for the same URL, so that
    wiring twice leaves one), verify it, and return it ACTIVE and VERIFIED."""
    say(f"6. Okta > Workflow > Event Hooks > Create Event Hook: '{EVENT_HOOK_NAME}'")
    for old in okta.call("list event hooks", "GET", HOOKS) or []:
        if old["channel"]["config"]["uri"] == setup.uri:
            path = f"{HOOKS}/{old['id']}"
            okta.call("deactivate old event hook", "POST", f"{path}/lifecycle/deactivate")
            okta.call("delete old event hook", "DELETE", path, ok=(204,))
            say(f"   replaced the earlier hook {old['id']}")
    hook = okta.call("create event hook", "POST", HOOKS, json=event_hook_body(setup))
    say(f"   {hook['id']} {hook['status']} -> {setup.uri}")
    say(f"   events: {', '.join(EVENT_TYPES)}")
    say(f"   header {setup.auth_field}: the connector's events secret ({EVENTS_SECRET_ENV})")
    say("   Verify (Okta's one-time GET with X-Okta-Verification-Challenge)")
    try:
        done = okta.call("verify event hook", "POST", f"{HOOKS}/{hook['id']}/lifecycle/verify")
    except ApiError as exc:
        raise EventHookNotVerified(
            f"the connector did not verify its event hook {setup.uri}: {_reason(exc)} "
            f"(the connector needs /okta/events and {EVENTS_SECRET_ENV}; "
            "'stack --no-event-hook' skips this step)"
        ) from None
    say(f"   {done['status']} {done['verificationStatus']}")
    return EventHookWired(done["id"], setup.uri, done["status"], done["verificationStatus"])


def _reason(exc: ApiError) -> str:
    """Okta's errorCauses of a failed verify, else its status line."""
    try:
        body = exc.response.json()
        causes = [c["errorSummary"] for c in body.get("errorCauses") or []]
        return "; ".join(causes) or str(body.get("errorSummary"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return str(exc)
