"""The hook over either state store (replays and velocity counters), for tests that hold both
to the same semantics."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from connector.gateway import Gateway
from connector.hook import TelephonyHook
from connector.redis_velocity import RedisVelocityStore
from connector.replays import MemoryReplayStore, ReplayStore
from connector.settings import load_settings
from connector.shared_state import SharedStateWiring, velocity_key_for
from connector.validation import RequestValidator
from connector.velocity import Limits
from connector.velocity_store import MemoryVelocityStore, VelocityStore
from tests.connector import payloads

T = TypeVar("T")
SECRET = "s" * 32


class Stores:
    """``redis_url`` None: each store in memory; else each on a fresh pool to that Redis.
    ``run`` runs a test's coroutine and closes what it opened, in the same event loop."""

    def __init__(self, redis_url: str | None) -> None:
        self.redis_url = redis_url
        self.kind = "redis" if redis_url else "memory"
        self._opened: list[SharedStateWiring] = []

    def settings(self, **overrides: Any) -> Any:
        """The velocity limits are off unless a test sets them (``payloads.PRODUCTION_LIMITS``):
        replay tests send the same number again and again."""
        values: dict[str, Any] = {"gateway_url": "http://127.0.0.1:9", **payloads.VELOCITY_OFF}
        if self.redis_url:
            # The longest timeout allowed: this machine is shared and loaded, and a healthy
            # Redis must not look slow to tests of semantics (tests of trouble set their own).
            values.update(redis_url=self.redis_url, state_secret=SECRET, redis_timeout_ms=1000)
        return load_settings({}, **{**values, **overrides})

    def wiring(self, **overrides: Any) -> SharedStateWiring | None:
        wiring = SharedStateWiring.from_settings(self.settings(**overrides))
        if wiring is not None:
            wiring.state.open()
            self._opened.append(wiring)
        return wiring

    def store(self) -> ReplayStore:
        wiring = self.wiring()
        return wiring.replays if wiring else MemoryReplayStore()

    def hook(self, gateway: Gateway, **overrides: Any) -> TelephonyHook:
        wiring = self.wiring(**overrides)
        return TelephonyHook(
            self.settings(**overrides),
            gateway,
            RequestValidator(),
            replays=wiring.replays if wiring else None,
            fingerprints=wiring.fingerprints if wiring else None,
            velocity=wiring.velocity if wiring else None,
        )

    def velocity(self, limits: Limits, clock: Callable[[], float]) -> VelocityStore:
        """A velocity store with these limits, on this clock (seconds)."""
        wiring = self.wiring()
        if wiring is None:
            return MemoryVelocityStore(limits, clock=clock)
        return RedisVelocityStore(wiring.state, limits, key=velocity_key_for(SECRET), clock=clock)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        async def main() -> T:
            try:
                return await coroutine
            finally:
                for wiring in self._opened:
                    await wiring.close()
                self._opened.clear()

        return asyncio.run(main())
