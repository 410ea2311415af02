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
from functools import partial
from hashlib import sha1
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import hiredis
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import NoScriptError, RedisError
from redis.maint_notifications import MaintNotificationsConfig

from connector.redis_pipe import Pipe

# Every key of this project in a Redis shared with others starts with this.
NAMESPACE = b"ezitxt-okta:"
TIMEOUT_S = 0.25
PAUSE_S = 0.5
# Pipelines out at once; what is issued meanwhile waits for the next (bigger) one.
MAX_PIPELINES = 2
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


class Script:
    """A Lua script, run by its SHA1 (``EVALSHA``): the source travels only when Redis asks."""

    __slots__ = ("source", "sha")

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = sha1(source.encode()).hexdigest()


class SharedState:
    """The process's Redis client, opened and closed in the app's lifespan."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = TIMEOUT_S,
        pause_s: float = PAUSE_S,
        pool_size: int = POOL_SIZE,
        on_unavailable: Callable[[str], None] | None = None,
    ) -> None:
        self.url = url
        self.on_unavailable = on_unavailable  # e.g. the Prometheus counter (shared_state.py)
        self.safe_url = mask_url(url)
        self.timeout_s = timeout_s
        self.pause_s = pause_s
        self.pool_size = pool_size
        # Failures by operation, since start: for the metrics endpoint to export.
        self.unavailable: Counter[str] = Counter()
        self._client: Redis | None = None
        self._batch: list[tuple[tuple[bytes | str | int, ...], asyncio.Future[Any]]] = []
        self._sending: set[asyncio.Task[None]] = set()
        # Connections held for the pipelines (at most MAX_PIPELINES), idle between batches.
        self._pipes: list[Pipe] = []
        self._scripts: dict[str, Script] = {}
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
            # Off, so that the pool checks a pooled connection before handing it out (redis-py
            # skips that check with them on): after a Redis restart, a stale connection is
            # replaced at once, not failed on (and the hook made to fail open for nothing).
            maint_notifications_config=MaintNotificationsConfig(enabled=False),
        )

    async def close(self) -> None:
        if self._client is not None:
            self._pipes.clear()  # the pool disconnects them, in use as they are
            await self._client.aclose()
            self._client = None

    @property
    def client(self) -> Redis:
        if self._client is None:
            raise RuntimeError("SharedState.open() was not awaited (the app's lifespan)")
        return self._client

    async def run(self, operation: str, call: Callable[[Redis], Awaitable[T]]) -> T:
        """``call(client)`` within the timeouts, or ``StateUnavailable``."""
        self._check_pause(operation)
        try:
            result = await call(self.client)
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed(operation, exc)
            raise StateUnavailable(operation, type(exc).__name__) from None
        self._paused_until = 0.0
        return result

    def submit(self, *args: bytes | str | int) -> asyncio.Future[Any]:
        """Queues one command for the next pipeline: every command issued while a pipeline is
        out goes in the next one, so under load one write and one read serve many calls (one
        by one, redis-py's own work per command cost most of the hook's throughput,
        loadtests/bench/replica_state.py). The future gets the reply, an error reply as an
        exception instance, or the exception that broke the pipeline."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._batch.append((args, future))
        if len(self._batch) == 1 and len(self._sending) < MAX_PIPELINES:
            loop.call_soon(self._flush)
        return future

    async def command(self, operation: str, *args: bytes | str | int) -> Any:
        """One command's reply, or ``StateUnavailable``."""
        self._check_pause(operation)
        try:
            result = await self.submit(*args)
        except StateUnavailable:
            self._count(operation)  # queued before a failure paused Redis' use
            raise
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed(operation, exc)
            raise StateUnavailable(operation, type(exc).__name__) from None
        if isinstance(result, NoScriptError):
            raise result  # for ``script``
        if isinstance(result, Exception):
            self._failed(operation, result)
            raise StateUnavailable(operation, type(result).__name__) from None
        self._paused_until = 0.0
        return result

    async def commands(self, operation: str, *commands: tuple[bytes | str | int, ...]) -> list[Any]:
        """Several commands' replies, in order, for one wait: all go out in the same pipeline
        (nothing is awaited between them), so a call that needs several (velocity counters
        and the claim) is suspended and woken once, not once a command. Not atomic: each is
        its own command (use a script for that). Any error reply fails the whole call with
        ``StateUnavailable``; a script's NOSCRIPT is not retried here (what went before it in
        the group has run): send scripts through ``script``. A velocity count (``INCR``,
        ``PEXPIRE NX``) and the claim this way, against a velocity script awaited before the
        claim: the hook's CPU a call 46.7 against 52.1 µs, Redis' 25.2 against 28.3 (variants
        "+ velocity …" of ``python -m loadtests.bench.redis_store_ab --rounds 7``, 14:00 UTC,
        load 3.6-5.9; at 13:41: 48.9 against 54.3 and 25.2 against 26.7). Both in one script
        cost the hook about as little (44.4) and Redis more (30.4)."""
        self._check_pause(operation)
        futures = [self.submit(*args) for args in commands]
        try:
            # One batch sets them all in one go, in order: the last done, all are.
            await futures[-1]
            results = [future.result() for future in futures]
        except StateUnavailable:
            self._count(operation)
            raise
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed(operation, exc)
            raise StateUnavailable(operation, type(exc).__name__) from None
        for result in results:
            if isinstance(result, Exception):
                self._failed(operation, result)
                raise StateUnavailable(operation, type(result).__name__) from None
        self._paused_until = 0.0
        return results

    def send(self, operation: str, *args: bytes | str | int) -> None:
        """One command, its reply not waited for; a failure is counted and logged."""
        if self._paused_until and time.monotonic() < self._paused_until:
            self._count(operation)
            return
        self.submit(*args).add_done_callback(partial(self._sent, operation))

    async def script(self, operation: str, script: Script, keys: int, *args: bytes | int) -> Any:
        """``EVALSHA``; when Redis has forgotten the scripts (a restarted Redis), ``SCRIPT
        LOAD`` of every script used so far, and once again."""
        self._scripts[script.sha] = script
        try:
            return await self.command(operation, "EVALSHA", script.sha, keys, *args)
        except NoScriptError:
            for known in list(self._scripts.values()):
                await self.command(operation, "SCRIPT", "LOAD", known.source)
        try:
            return await self.command(operation, "EVALSHA", script.sha, keys, *args)
        except NoScriptError as exc:
            self._failed(operation, exc)
            raise StateUnavailable(operation, type(exc).__name__) from None

    def send_script(self, operation: str, script: Script, keys: int, *args: bytes | int) -> None:
        """``EVAL`` with the source: no reply comes back to retry after a NOSCRIPT, and Redis
        finds its compiled script by the source's SHA1 all the same. ``EVALSHA`` with a
        resend after a NOSCRIPT was tried and not kept: the hook's CPU a call 38.1 against
        38.6 µs, Redis' 20.0 against 21.1 (variant "settle by EVALSHA" of ``python -m
        loadtests.bench.redis_store_ab --rounds 7``, 14:00 UTC; 39.5 against 37.3 and 18.8
        against 20.6 at 13:41): within what rounds spread, for a resend path more."""
        self._scripts[script.sha] = script
        self.send(operation, "EVAL", script.source, keys, *args)

    async def drain(self, timeout_s: float = 1.0) -> None:
        """Lets the commands under way finish (at shutdown), within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while (self._batch or self._sending) and time.monotonic() < deadline:
            await asyncio.sleep(0.005)

    def _sent(self, operation: str, future: asyncio.Future[Any]) -> None:
        if future.cancelled():
            return
        failure = future.exception()
        if failure is None and isinstance(future.result(), Exception):
            failure = future.result()
        if isinstance(failure, StateUnavailable):
            self._count(operation)
        elif failure is not None:
            self._failed(operation, failure)
        else:
            self._paused_until = 0.0

    @staticmethod
    def _fail_batch(batch: list[tuple[Any, asyncio.Future[Any]]], exc: Exception) -> None:
        for _, future in batch:
            if not future.done():
                future.set_exception(exc)

    def _count(self, operation: str) -> None:
        self.unavailable[operation] += 1
        if self.on_unavailable is not None:
            self.on_unavailable(operation)

    def _check_pause(self, operation: str) -> None:
        if self._paused_until and time.monotonic() < self._paused_until:
            self._count(operation)
            raise StateUnavailable(operation, "paused_after_failure")

    def _flush(self) -> None:
        if not self._batch or len(self._sending) >= MAX_PIPELINES:
            return
        batch, self._batch = self._batch, []
        task = asyncio.get_running_loop().create_task(self._send(batch))
        self._sending.add(task)
        task.add_done_callback(self._sent_batch)

    def _sent_batch(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        self._flush()  # what queued up meanwhile

    async def _send(
        self, batch: list[tuple[tuple[bytes | str | int, ...], asyncio.Future[Any]]]
    ) -> None:
        if self._paused_until and time.monotonic() < self._paused_until:
            failure = StateUnavailable("pipeline", "paused_after_failure")
            for _, future in batch:
                if not future.done():
                    future.set_exception(failure)
            return
        # Every command packed in one write on a held connection, the replies read in order:
        # a pipeline without redis-py's Pipeline object (its per-batch work was most of the
        # cost at a few commands a batch). An error reply is handed over in place.
        try:
            pipe = await self._pipe()
        except Exception as exc:
            self._fail_batch(batch, exc)
            return
        try:
            # hiredis packs in C; redis-py's asyncio connection packs in Python (~4x the cost).
            packed = b"".join([hiredis.pack_command(args) for args, _ in batch])  # type: ignore[arg-type]
            # One timer for the whole batch, not one a reply.
            async with asyncio.timeout(self.timeout_s):
                results = await pipe.exchange(packed, len(batch))
        except BaseException as exc:
            await self._drop(pipe)  # replies may be left unread on it
            self._fail_batch(batch, exc if isinstance(exc, Exception) else ConnectionError())
            if not isinstance(exc, Exception):
                raise
            return
        self._pipes.append(pipe)
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():  # its caller may have been cut off by its deadline
                future.set_result(result)

    async def _pipe(self) -> Pipe:
        """A held connection that still works, or a new one from the pool (which connects
        it: a Redis down makes that fail within the connect timeout)."""
        while self._pipes:
            pipe = self._pipes.pop()
            if pipe.usable():
                return pipe
            await self._drop(pipe)  # e.g. Redis restarted while it was idle
        pool = self.client.connection_pool
        connection = await pool.get_connection()  # type: ignore[no-untyped-call]
        return Pipe(connection)

    async def _drop(self, pipe: Pipe) -> None:
        """Closes a pipe's connection and gives it back to the pool (which reconnects it
        when it is next handed out); never raises, so the batch's own failure is the one
        its callers get."""
        try:
            await pipe.connection.disconnect()
        except Exception:  # already broken: closing it is all that was wanted
            pass
        if self._client is not None:
            await self._client.connection_pool.release(pipe.connection)

    def _failed(self, operation: str, exc: BaseException) -> None:
        self._count(operation)
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
