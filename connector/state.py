"""State shared by every replica of the hook: one Redis connection pool per process.

DESIGN.md decision 6: what replicas must agree on (seen ``eventId``s now, the fraud policy's
velocity counters later) lives in Redis when ``EZITXT_HOOK_REDIS_URL`` is set. Every store
built on it goes through ``SharedState.run``, which gives one contract to all of them:

- a Redis call is bounded by the pool's connect and socket timeouts (default 250 ms, a tenth of
  the budget) and never retried, so it can never make an answer late;
- any failure (refused, timed out, an error reply, a restarted server) raises
  ``StateUnavailable``, is counted in ``unavailable`` and logged as ``state_unavailable``;
  the caller then goes on without the shared state (fails open, see the README's Deployment);
- after a failure, calls skip Redis for ``pause_s`` and fail at once, so that a Redis that hangs
  costs one timeout per pause, not one per call; the first call after the pause tries again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

# Every key of this project in a Redis shared with others starts with this.
NAMESPACE = b"ezitxt-okta:"
TIMEOUT_S = 0.25
PAUSE_S = 0.5
POOL_SIZE = 512
READY_CACHE_S = 2.0

T = TypeVar("T")
log = logging.getLogger("ezitxt.connector.state")


class StateUnavailable(Exception):
    """The shared state could not be read or written in time; nothing about it is known."""

    def __init__(self, operation: str, cause: str) -> None:
        super().__init__(f"{operation}: {cause}")
        self.operation = operation
        self.cause = cause


def mask_url(url: str) -> str:
    """The URL with its password (userinfo or ``?password=``) replaced by ``***``: for logs."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user = parts.username or ""
        host = netloc.rpartition("@")[2]
        netloc = f"{user}:***@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        masked = [(k, "***" if k.lower() == "password" else v) for k, v in pairs]
        query = urlencode(masked, safe="*")
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")


class SharedState:
    """The process's Redis client, opened and closed in the app's lifespan."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = TIMEOUT_S,
        pause_s: float = PAUSE_S,
        pool_size: int = POOL_SIZE,
    ) -> None:
        self.url = url
        self.safe_url = mask_url(url)
        self.timeout_s = timeout_s
        self.pause_s = pause_s
        self.pool_size = pool_size
        # Failures by operation, since start: for the metrics endpoint to export.
        self.unavailable: Counter[str] = Counter()
        self._client: Redis | None = None
        self._paused_until = 0.0
        self._ready_checked_at = -READY_CACHE_S
        self._ready = False

    def open(self) -> None:
        """Makes the pool; connections are made on first use, so a Redis down at start does
        not stop the hook from starting (it fails open until Redis is back)."""
        self._client = Redis.from_url(
            self.url,
            socket_connect_timeout=self.timeout_s,
            socket_timeout=self.timeout_s,
            # A retry would double the time a call can take; the caller fails open instead.
            retry=Retry(NoBackoff(), 0),
            retry_on_timeout=False,
            max_connections=self.pool_size,
            health_check_interval=0,
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def client(self) -> Redis:
        if self._client is None:
            raise RuntimeError("SharedState.open() was not awaited (the app's lifespan)")
        return self._client

    async def run(self, operation: str, call: Callable[[Redis], Awaitable[T]]) -> T:
        """``call(client)`` within the timeouts, or ``StateUnavailable``."""
        if self._paused_until and time.monotonic() < self._paused_until:
            self.unavailable[operation] += 1
            raise StateUnavailable(operation, "paused_after_failure")
        try:
            result = await call(self.client)
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed(operation, exc)
            raise StateUnavailable(operation, type(exc).__name__) from None
        self._paused_until = 0.0
        return result

    def _failed(self, operation: str, exc: BaseException) -> None:
        self.unavailable[operation] += 1
        self._paused_until = time.monotonic() + self.pause_s
        # One line a failure; the pause bounds them to one per pause_s per process.
        log.warning(
            "state_unavailable",
            extra={
                "fields": {
                    "event": "state_unavailable",
                    "state": "redis",
                    "redis_url": self.safe_url,
                    "operation": operation,
                    "error": type(exc).__name__,
                    "unavailable_total": sum(self.unavailable.values()),
                    "fail_open_s": self.pause_s,
                }
            },
        )

    async def reachable(self) -> bool:
        """Whether Redis answers a PING, checked at most every READY_CACHE_S (for /readyz)."""
        if time.monotonic() - self._ready_checked_at >= READY_CACHE_S:
            try:
                async with asyncio.timeout(self.timeout_s * 2):
                    self._ready = bool(await self.client.ping())
            except (RedisError, OSError, TimeoutError):
                self._ready = False
            self._ready_checked_at = time.monotonic()
        return self._ready
