"""The mock org's state and rules, with no HTTP: hooks, users, System Log, Okta's limits and its
own SMS/voice provider, and the flows run against them. ``reset()`` empties it all."""

from __future__ import annotations

from typing import Any

from mocks.okta import defaults
from mocks.okta.authenticators import PhoneAuthenticator
from mocks.okta.authz_server import AuthorizationServers
from mocks.okta.deliveries import DeliveryLog
from mocks.okta.event_hooks import EventHook, EventHookStore
from mocks.okta.flow_model import Flow
from mocks.okta.hook_keys import HookKeyStore
from mocks.okta.hooks import HookStore, InlineHook
from mocks.okta.limits import ApiRateLimits, InFlight, PerNumberLimit
from mocks.okta.provider import OktaProvider
from mocks.okta.system_log import Entity, SystemLog
from mocks.okta.times import Clock, system_clock
from mocks.okta.token_cache import TokenCache
from mocks.okta.users import UserStore

# Who the API token belongs to, as actor of the management events it causes.
# Okta ids are 20 characters: a 3-character type prefix and 17 more (ids.okta_id).
ADMIN = Entity("00u000000000000admin", "User", "admin@mock-okta.local", "Mock Okta Admin")


class OktaBackend:
    """Everything the mock org knows. The defaults are Okta's documented limits."""

    def __init__(
        self,
        *,
        clock: Clock = system_clock,
        allow_http: bool = False,
        challenge_interval_s: float = defaults.CHALLENGE_INTERVAL_S,
        max_hooks_in_flight: int = defaults.MAX_HOOKS_IN_FLIGHT,
        fallback_limit: int = defaults.FALLBACK_LIMIT,
        fallback_window_s: float = defaults.FALLBACK_WINDOW_S,
        otp_ttl_s: float = defaults.OTP_TTL_S,
    ) -> None:
        self.clock = clock
        self.otp_ttl_s = otp_ttl_s
        self.hook_keys = HookKeyStore(clock)
        self.hooks = HookStore(clock, allow_http=allow_http, hook_key_exists=self.hook_keys.exists)
        self.event_hooks = EventHookStore(clock, allow_http)
        self.deliveries = DeliveryLog()
        self.authz = AuthorizationServers(clock)
        self.tokens = TokenCache(clock, self.hook_keys)
        self.users = UserStore(clock)
        self.log = SystemLog(clock)
        self.per_number = PerNumberLimit(clock, challenge_interval_s)
        self.in_flight = InFlight(max_hooks_in_flight)
        self.api_limits = ApiRateLimits(clock)
        self.provider = OktaProvider(
            clock, failover_limit=fallback_limit, failover_window_s=fallback_window_s
        )
        self.phone = PhoneAuthenticator()
        self.flows: dict[str, Flow] = {}

    def reset(self) -> None:
        """Back to an empty org (configuration is kept)."""
        parts = (self.hooks, self.users, self.log, self.per_number, self.provider, self.phone)
        hooks = (self.event_hooks, self.deliveries)
        for part in (*parts, *hooks, self.api_limits, self.hook_keys, self.authz, self.tokens):
            part.reset()
        self.flows.clear()

    # Management operations: the store's rules, plus the System Log events Okta writes.

    def create_hook(
        self, doc: Any, client_ip: str | None = None, *, actor: Entity = ADMIN
    ) -> InlineHook:
        hook = self.hooks.create(doc)
        self._lifecycle("created", hook, client_ip, actor)
        return hook

    def update_hook(
        self, hook_id: str, doc: Any, client_ip: str | None = None, *, actor: Entity = ADMIN
    ) -> InlineHook:
        hook = self.hooks.update(hook_id, doc)
        self._lifecycle("updated", hook, client_ip, actor)
        return hook

    def replace_hook(
        self, hook_id: str, doc: Any, client_ip: str | None = None, *, actor: Entity = ADMIN
    ) -> InlineHook:
        hook = self.hooks.replace(hook_id, doc)
        self._lifecycle("updated", hook, client_ip, actor)
        return hook

    def delete_hook(
        self, hook_id: str, client_ip: str | None = None, *, actor: Entity = ADMIN
    ) -> None:
        self._lifecycle("deleted", self.hooks.delete(hook_id), client_ip, actor)

    def activate_hook(
        self, hook_id: str, client_ip: str | None = None, *, actor: Entity = ADMIN
    ) -> InlineHook:
        hook = self.hooks.activate(hook_id)
        self._lifecycle("activated", hook, client_ip, actor)
        return hook

    def deactivate_hook(
        self, hook_id: str, client_ip: str | None = None, *, actor: Entity = ADMIN
    ) -> InlineHook:
        hook = self.hooks.deactivate(hook_id)
        self._lifecycle("deactivated", hook, client_ip, actor)
        return hook

    def _lifecycle(
        self, verb: str, hook: InlineHook, client_ip: str | None, actor: Entity = ADMIN
    ) -> None:
        self.log.emit(
            f"inline_hook.{verb}",
            f"Inline hook {verb}",
            actor=actor,
            targets=(hook_entity(hook),),
            debug_data={"inlineHookType": hook.type},
            client_ip=client_ip,
        )

    # Event hooks: the store's rules, plus Okta's event_hook.* System Log events.

    def create_event_hook(
        self, doc: Any, client_ip: str | None = None, *, actor: Entity = ADMIN
    ) -> EventHook:
        hook = self.event_hooks.create(doc, created_by=actor.id)
        self._event_hook_event("created", hook, client_ip, actor)
        return hook

    def replace_event_hook(
        self, hook_id: str, doc: Any, client_ip: str | None = None, *, actor: Entity = ADMIN
    ) -> EventHook:
        hook = self.event_hooks.replace(hook_id, doc)
        self._event_hook_event("updated", hook, client_ip, actor)
        return hook

    def delete_event_hook(
        self, hook_id: str, client_ip: str | None = None, *, actor: Entity = ADMIN
    ) -> None:
        self._event_hook_event("deleted", self.event_hooks.delete(hook_id), client_ip, actor)

    def activate_event_hook(
        self, hook_id: str, client_ip: str | None = None, *, actor: Entity = ADMIN
    ) -> EventHook:
        hook = self.event_hooks.activate(hook_id)
        self._event_hook_event("activated", hook, client_ip, actor)
        return hook

    def deactivate_event_hook(
        self, hook_id: str, client_ip: str | None = None, *, actor: Entity = ADMIN
    ) -> EventHook:
        hook = self.event_hooks.deactivate(hook_id)
        self._event_hook_event("deactivated", hook, client_ip, actor)
        return hook

    def event_hook_verified(
        self,
        hook: EventHook,
        failure: str | None,
        client_ip: str | None = None,
        *,
        actor: Entity = ADMIN,
    ) -> EventHook:
        """The end of a verification: VERIFIED on success. ``event_hook.verified`` is written
        either way, as Okta does ("fired even when the verification is unsuccessful")."""
        if failure is None:
            self.event_hooks.mark_verified(hook)
        self.log.emit(
            "event_hook.verified",
            "Event hook verified" if failure is None else "Event hook verification failed",
            result="SUCCESS" if failure is None else "FAILURE",
            reason=failure,
            severity="INFO" if failure is None else "WARN",
            actor=actor,
            targets=(event_hook_entity(hook),),
            client_ip=client_ip,
        )
        return hook

    def _event_hook_event(
        self, verb: str, hook: EventHook, client_ip: str | None, actor: Entity
    ) -> None:
        self.log.emit(
            f"event_hook.{verb}",
            f"Event hook {verb}",
            actor=actor,
            targets=(event_hook_entity(hook),),
            client_ip=client_ip,
        )


def event_hook_entity(hook: EventHook) -> Entity:
    return Entity(hook.id, "EventHook", hook.uri, hook.name)


def hook_entity(hook: InlineHook) -> Entity:
    return Entity(hook.id, "InlineHook", hook.uri, hook.name)
