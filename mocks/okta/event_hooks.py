"""Event hooks: the state behind ``/api/v1/eventHooks`` and the rules Okta enforces
(CONTRACT.md §6; ``EventHook`` in Okta's management OpenAPI 2026.06.3). No HTTP here: callers
pass parsed JSON and get plain objects back; the verification call is ``event_delivery``'s."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from mocks.okta import ids
from mocks.okta.errors import NotFound, ValidationFailed
from mocks.okta.event_hook_rules import check_definition
from mocks.okta.times import Clock

# "You can have a maximum of 25 active and verified event hooks set up in your org at any time"
# (developer.okta.com/docs/concepts/event-hooks; older pages said 10). The mock counts every hook,
# as it does for inline hooks: a 26th is refused whatever its state.
MAX_EVENT_HOOKS = 25
SUBJECT = "eventHook"


@dataclass
class EventHook:
    """One registered event hook. ``config`` keeps the authScheme value, which is write-only:
    the HTTP layer (``routes_event_hooks.render``) never shows it."""

    id: str
    name: str
    description: str | None
    event_types: tuple[str, ...]
    config: dict[str, Any]
    created: float
    last_updated: float
    created_by: str
    status: str = "ACTIVE"
    verification_status: str = "UNVERIFIED"

    @property
    def uri(self) -> str:
        return str(self.config["uri"])

    @property
    def headers(self) -> list[tuple[str, str]]:
        """The channel's custom headers, then the authScheme header: what every call carries."""
        sent = [(str(h["key"]), str(h["value"])) for h in self.config.get("headers") or []]
        scheme = self.config.get("authScheme")
        if isinstance(scheme, dict):
            sent.append((str(scheme["key"]), str(scheme["value"])))
        return sent

    @property
    def receives_events(self) -> bool:
        # "Only ACTIVE and VERIFIED event hooks can receive events from Okta" (verifyEventHook).
        return self.status == "ACTIVE" and self.verification_status == "VERIFIED"

    def subscribes(self, event_type: str) -> bool:
        return event_type in self.event_types


@dataclass
class EventHookStore:
    """The org's event hooks and Okta's rules about them."""

    clock: Clock
    allow_http: bool
    _hooks: dict[str, EventHook] = field(default_factory=dict)

    def reset(self) -> None:
        self._hooks.clear()

    def all(self) -> list[EventHook]:
        return list(self._hooks.values())

    def get(self, hook_id: str) -> EventHook:
        hook = self._hooks.get(hook_id)
        if hook is None:
            raise NotFound(hook_id, "EventHook")
        return hook

    def receiving(self, event_type: str) -> list[EventHook]:
        """The hooks an event of ``event_type`` is delivered to."""
        return [h for h in self._hooks.values() if h.receives_events and h.subscribes(event_type)]

    def create(self, doc: Any, created_by: str) -> EventHook:
        """Register a hook: ACTIVE and UNVERIFIED, as Okta's createEventHook says."""
        self._check(doc)
        if len(self._hooks) >= MAX_EVENT_HOOKS:
            raise ValidationFailed(
                SUBJECT, [f"An org can have at most {MAX_EVENT_HOOKS} event hooks"]
            )
        now = self.clock()
        hook = EventHook(
            id=ids.okta_id(ids.EVENT_HOOK_PREFIX),
            name=doc["name"],
            description=doc.get("description"),
            event_types=tuple(dict.fromkeys(doc["events"]["items"])),
            config=_stored_config(doc["channel"]["config"]),
            created=now,
            last_updated=now,
            created_by=created_by,
        )
        self._hooks[hook.id] = hook
        return hook

    def replace(self, hook_id: str, doc: Any) -> EventHook:
        """PUT: name, description, events and channel replaced. "Updating the channel property
        requires you to verify the hook again" (replaceEventHook): a changed uri, header or
        auth scheme makes the hook UNVERIFIED."""
        hook = self.get(hook_id)
        if isinstance(doc, dict):
            doc = copy.deepcopy(doc)
            _keep_secret(hook, doc)
        self._check(doc)
        config = _stored_config(doc["channel"]["config"])
        if config != hook.config:
            hook.verification_status = "UNVERIFIED"
        hook.name = doc["name"]
        hook.description = doc.get("description")
        hook.event_types = tuple(dict.fromkeys(doc["events"]["items"]))
        hook.config = config
        hook.last_updated = self.clock()
        return hook

    def delete(self, hook_id: str) -> EventHook:
        hook = self.get(hook_id)
        if hook.status != "INACTIVE":
            # "You can only delete event hooks with a status of INACTIVE" (deleteEventHook).
            raise ValidationFailed(
                SUBJECT, ["Only an INACTIVE event hook can be deleted; deactivate it first"]
            )
        del self._hooks[hook_id]
        return hook

    def activate(self, hook_id: str) -> EventHook:
        return self._set_status(self.get(hook_id), "ACTIVE")

    def deactivate(self, hook_id: str) -> EventHook:
        return self._set_status(self.get(hook_id), "INACTIVE")

    def mark_verified(self, hook: EventHook) -> EventHook:
        if hook.verification_status != "VERIFIED":
            hook.verification_status = "VERIFIED"
            hook.last_updated = self.clock()
        return hook

    def _set_status(self, hook: EventHook, status: str) -> EventHook:
        if hook.status != status:
            hook.status = status
            hook.last_updated = self.clock()
        return hook

    def _check(self, doc: Any) -> None:
        causes = check_definition(doc, allow_http=self.allow_http)
        if causes:
            raise ValidationFailed(SUBJECT, causes)


def _stored_config(config: dict[str, Any]) -> dict[str, Any]:
    """The channel config as kept: uri, headers (default none) and the authScheme if any."""
    stored: dict[str, Any] = {
        "uri": config["uri"],
        "headers": copy.deepcopy(config.get("headers") or []),
    }
    if config.get("authScheme") is not None:
        stored["authScheme"] = copy.deepcopy(config["authScheme"])
    return stored


def _keep_secret(hook: EventHook, doc: dict[str, Any]) -> None:
    """A client that GETs a hook and PUTs it back cannot send the write-only authScheme value;
    keep the stored one when the scheme's type and key are unchanged."""
    channel = doc.get("channel")
    config = channel.get("config") if isinstance(channel, dict) else None
    scheme = config.get("authScheme") if isinstance(config, dict) else None
    old = hook.config.get("authScheme")
    if (
        isinstance(scheme, dict)
        and scheme.get("value") is None
        and isinstance(old, dict)
        and (scheme.get("type"), scheme.get("key")) == (old.get("type"), old.get("key"))
    ):
        scheme["value"] = old.get("value")
