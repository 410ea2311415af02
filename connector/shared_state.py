"""The app's shared state, built from the settings: the Redis pool and the stores on it.

Only when ``EZITXT_HOOK_REDIS_URL`` is set; else the hook keeps its state in process memory.
The fraud policy's velocity counters are one more store on the same ``SharedState``.
"""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import blake2b

from connector import metrics
from connector.redis_replays import RedisReplayStore
from connector.redis_velocity import RedisVelocityStore
from connector.replays import Fingerprints
from connector.settings import Settings
from connector.state import SharedState
from connector.velocity import Limits

# A repeat may find the first call still "in flight" until the first call's budget ended
# and its settle had time to land (a Redis call's timeout); older than that, its replica died.
OWNER_GRACE_S = 1.0


@dataclass(frozen=True)
class SharedStateWiring:
    state: SharedState
    replays: RedisReplayStore
    fingerprints: Fingerprints
    velocity: RedisVelocityStore

    @classmethod
    def from_settings(cls, settings: Settings) -> SharedStateWiring | None:
        secret = settings.state_secret_value
        if settings.redis_url is None or secret is None:
            return None
        state = SharedState(
            settings.redis_url,
            timeout_s=settings.redis_timeout_ms / 1000,
            on_unavailable=_count_in_metrics,
        )
        owner_timeout_s = settings.budget_ms / 1000 + state.timeout_s + OWNER_GRACE_S
        return cls(
            state=state,
            replays=RedisReplayStore(state, owner_timeout_s=owner_timeout_s),
            fingerprints=fingerprints_for(secret),
            velocity=RedisVelocityStore(
                state, Limits.from_settings(settings), key=velocity_key_for(secret)
            ),
        )

    async def readiness(self) -> str:
        return "redis_up" if await self.state.reachable() else "redis_unavailable"

    async def close(self) -> None:
        await self.replays.drain()
        await self.state.close()


def _count_in_metrics(operation: str) -> None:
    """``ezitxt_hook_state_store_errors{store="redis", operation=...}`` (connector/metrics.py)."""
    metrics.count_state_store_error("redis", operation)


def fingerprints_for(secret: str) -> Fingerprints:
    """The digests' key, derived from the shared secret (its own purpose, its own key)."""
    return Fingerprints(blake2b(secret.encode(), digest_size=32, person=b"fingerprints").digest())


def velocity_key_for(secret: str) -> bytes:
    """The velocity keys' digest key: numbers and user ids never reach Redis in clear."""
    return blake2b(secret.encode(), digest_size=32, person=b"velocity").digest()
