"""Inline hooks: the state behind ``/api/v1/inlineHooks`` and the rules Okta enforces
(CONTRACT.md §4). No HTTP here: callers pass parsed JSON and get plain objects back."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mocks.okta import ids
from mocks.okta.errors import NotFound, ValidationFailed
from mocks.okta.hook_rules import TELEPHONY, check_definition
from mocks.okta.times import Clock

# The Inline Hooks API reference caps an org at 50 hooks (the concept page says 100).
MAX_HOOKS = 50


@dataclass
class InlineHook:
    """One registered hook. ``config`` keeps the authScheme value, which is write-only: the
    HTTP layer (``routes_hooks.render_hook``) never shows it."""

    id: str
    name: str
    type: str
    status: str
    channel_type: str
    config: dict[str, Any]
    created: float
    last_updated: float

    @property
    def uri(self) -> str:
        return str(self.config["uri"])

    @property
    def auth_header(self) -> tuple[str, str] | None:
        scheme = self.config.get("authScheme")
        if not scheme:
            return None
        return str(scheme["key"]), str(scheme["value"])

    @property
    def oauth(self) -> dict[str, Any] | None:
        """The OAUTH channel's token settings (authType, clientId, clientSecret or hookKeyId,
        tokenUrl, scope), or None for an HTTP channel."""
        return self.config if self.channel_type == "OAUTH" else None

    @property
    def headers(self) -> list[tuple[str, str]]:
        return [(str(h["key"]), str(h["value"])) for h in self.config.get("headers") or []]


class HookStore:
    """The org's inline hooks and Okta's rules about them."""

    def __init__(
        self, clock: Clock, *, allow_http: bool, hook_key_exists: Callable[[str], bool]
    ) -> None:
        self._clock = clock
        self._allow_http = allow_http
        self._hook_key_exists = hook_key_exists
        self._hooks: dict[str, InlineHook] = {}

    def reset(self) -> None:
        self._hooks.clear()

    def list(self, hook_type: str | None = None) -> list[InlineHook]:
        return [h for h in self._hooks.values() if hook_type is None or h.type == hook_type]

    def get(self, hook_id: str) -> InlineHook:
        hook = self._hooks.get(hook_id)
        if hook is None:
            raise NotFound(hook_id, "InlineHook")
        return hook

    def using_key(self, key_id: str) -> tuple[InlineHook, ...]:
        """The hooks whose OAUTH channel signs with hook key ``key_id``."""
        return tuple(h for h in self._hooks.values() if (h.oauth or {}).get("hookKeyId") == key_id)

    def active_telephony(self) -> InlineHook | None:
        """The org's one ACTIVE telephony hook, if any."""
        return next(
            (h for h in self._hooks.values() if h.type == TELEPHONY and h.status == "ACTIVE"),
            None,
        )

    def create(self, doc: Any) -> InlineHook:
        """Register a hook; it starts ACTIVE, as in Okta."""
        self._check(doc, "inlineHook")
        if len(self._hooks) >= MAX_HOOKS:
            raise ValidationFailed(
                "inlineHook", [f"An org can have at most {MAX_HOOKS} inline hooks"]
            )
        if doc["type"] == TELEPHONY:
            self._check_one_active(None)
        now = self._clock()
        hook = InlineHook(
            id=ids.okta_id(ids.HOOK_PREFIX),
            name=doc["name"],
            type=doc["type"],
            status="ACTIVE",
            channel_type=doc["channel"]["type"],
            config=copy.deepcopy(doc["channel"]["config"]),
            created=now,
            last_updated=now,
        )
        self._hooks[hook.id] = hook
        return hook

    def replace(self, hook_id: str, doc: Any) -> InlineHook:
        """PUT: the whole definition is replaced; ``type`` cannot change."""
        hook = self.get(hook_id)
        if isinstance(doc, dict):
            doc = {"type": hook.type, **doc}
            self._keep_secret(hook, doc)
        return self._apply(hook, doc)

    def update(self, hook_id: str, doc: Any) -> InlineHook:
        """POST: a partial update merged onto the current definition."""
        hook = self.get(hook_id)
        if not isinstance(doc, dict):
            return self._apply(hook, doc)
        merged: dict[str, Any] = {"name": hook.name, "type": hook.type}
        merged.update({k: v for k, v in doc.items() if k != "channel"})
        channel: dict[str, Any] = {"type": hook.channel_type, "version": "1.0.0"}
        channel["config"] = copy.deepcopy(hook.config)
        new_channel = doc.get("channel")
        if isinstance(new_channel, dict):
            channel.update({k: v for k, v in new_channel.items() if k != "config"})
            if isinstance(new_channel.get("config"), dict):
                channel["config"].update(new_channel["config"])
        merged["channel"] = channel
        self._keep_secret(hook, merged)
        return self._apply(hook, merged)

    def delete(self, hook_id: str) -> InlineHook:
        hook = self.get(hook_id)
        if hook.status != "INACTIVE":
            raise ValidationFailed(
                "inlineHook", ["Only an INACTIVE inline hook can be deleted; deactivate it first"]
            )
        del self._hooks[hook_id]
        return hook

    def activate(self, hook_id: str) -> InlineHook:
        hook = self.get(hook_id)
        if hook.type == TELEPHONY and hook.status != "ACTIVE":
            self._check_one_active(hook.id)
        return self._set_status(hook, "ACTIVE")

    def deactivate(self, hook_id: str) -> InlineHook:
        return self._set_status(self.get(hook_id), "INACTIVE")

    def _set_status(self, hook: InlineHook, status: str) -> InlineHook:
        if hook.status != status:
            hook.status = status
            hook.last_updated = self._clock()
        return hook

    def _check(self, doc: Any, subject: str) -> None:
        causes = check_definition(doc, allow_http=self._allow_http)
        channel = doc.get("channel") if isinstance(doc, dict) else None
        config = channel.get("config") if isinstance(channel, dict) else None
        key_id = config.get("hookKeyId") if isinstance(config, dict) else None
        if isinstance(key_id, str) and not causes and not self._hook_key_exists(key_id):
            causes.append(f"channel.config.hookKeyId: No hook key {key_id} in this org")
        if causes:
            raise ValidationFailed(subject, causes)

    def _check_one_active(self, except_id: str | None) -> None:
        active = self.active_telephony()
        if active is not None and active.id != except_id:
            # "Only one active telephony inline hook is allowed for any org" (telephony hook docs).
            raise ValidationFailed(
                "inlineHook",
                [f"Only one ACTIVE telephony inline hook is allowed per org ({active.id} is)"],
            )

    def _apply(self, hook: InlineHook, doc: Any) -> InlineHook:
        if isinstance(doc, dict) and doc.get("type", hook.type) != hook.type:
            raise ValidationFailed("type", ["type: The type of an inline hook cannot be changed"])
        self._check(doc, "inlineHook")
        hook.name = doc["name"]
        hook.channel_type = doc["channel"]["type"]
        hook.config = copy.deepcopy(doc["channel"]["config"])
        hook.last_updated = self._clock()
        return hook

    @staticmethod
    def _keep_secret(hook: InlineHook, doc: dict[str, Any]) -> None:
        """A client that GETs a hook and PUTs it back cannot send the write-only authScheme
        value; keep the stored one when the scheme's type and key are unchanged."""
        channel = doc.get("channel")
        config = channel.get("config") if isinstance(channel, dict) else None
        old_oauth = hook.oauth
        if (
            isinstance(config, dict)
            and old_oauth is not None
            and isinstance(channel, dict)
            and channel.get("type") == "OAUTH"
            and "clientSecret" not in config
            and config.get("authType") == "client_secret_post" == old_oauth.get("authType")
            and config.get("clientId") == old_oauth.get("clientId")
        ):
            # clientSecret is write-only as well: kept while the client stays the same.
            config["clientSecret"] = old_oauth.get("clientSecret")
        scheme = config.get("authScheme") if isinstance(config, dict) else None
        old = hook.config.get("authScheme")
        if (
            isinstance(scheme, dict)
            and "value" not in scheme
            and isinstance(old, dict)
            and (scheme.get("type"), scheme.get("key")) == (old.get("type"), old.get("key"))
        ):
            scheme["value"] = old.get("value")
