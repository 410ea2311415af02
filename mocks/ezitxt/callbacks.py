"""Status callbacks: POSTed to the application's URL, retried with back-off, never in the way.

The life cycle hands jobs over with ``submit``, which never waits: a bounded queue feeds a few
workers, a failed attempt is put back after ``backoff * 2**(attempt-1)`` seconds (a timer, not a
sleeping worker), and a full queue drops the job with a warning rather than slow the gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from mocks.ezitxt.backend import CallbackJob

log = logging.getLogger("mocks.ezitxt.callbacks")

MAX_QUEUE = 10_000
WORKERS = 8
ATTEMPTS = 5
MAX_BACKOFF_S = 30.0


@dataclass(slots=True)
class _Attempt:
    job: CallbackJob
    number: int = 1


@dataclass(slots=True)
class CallbackStats:
    delivered: int = 0
    retried: int = 0
    abandoned: int = 0
    dropped: int = 0


class CallbackDispatcher:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        backoff_s: float = 0.5,
        attempts: int = ATTEMPTS,
        workers: int = WORKERS,
    ) -> None:
        self._session = session
        self._backoff_s = backoff_s
        self._attempts = attempts
        self._queue: asyncio.Queue[_Attempt] = asyncio.Queue(MAX_QUEUE)
        self._workers: list[asyncio.Task[None]] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._worker_count = workers
        self.stats = CallbackStats()

    async def start(self) -> None:
        self._workers = [
            asyncio.create_task(self._work(), name=f"ezitxt-callback-{n}")
            for n in range(self._worker_count)
        ]

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers = []

    def submit(self, job: CallbackJob) -> None:
        self._enqueue(_Attempt(job))

    def clear(self) -> None:
        """Forget queued and scheduled callbacks (``POST /_mock/reset``)."""
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        while not self._queue.empty():
            self._queue.get_nowait()
            self._queue.task_done()

    def _enqueue(self, attempt: _Attempt) -> None:
        try:
            self._queue.put_nowait(attempt)
        except asyncio.QueueFull:
            self.stats.dropped += 1
            log.warning("callback queue full, dropped %s callback", attempt.job.payload["status"])

    async def _work(self) -> None:
        while True:
            attempt = await self._queue.get()
            try:
                ok = await self._post(attempt.job)
            finally:
                self._queue.task_done()
            if ok:
                self.stats.delivered += 1
            elif attempt.number >= self._attempts:
                self.stats.abandoned += 1
                log.warning(
                    "callback %s for %s abandoned after %d attempts",
                    attempt.job.payload["status"],
                    attempt.job.payload["id"],
                    attempt.number,
                )
            else:
                self.stats.retried += 1
                delay = min(self._backoff_s * 2 ** (attempt.number - 1), MAX_BACKOFF_S)
                self._later(delay, _Attempt(attempt.job, attempt.number + 1))

    def _later(self, delay: float, attempt: _Attempt) -> None:
        def fire() -> None:
            self._timers.discard(timer)
            self._enqueue(attempt)

        timer = asyncio.get_running_loop().call_later(delay, fire)
        self._timers.add(timer)

    async def _post(self, job: CallbackJob) -> bool:
        try:
            async with self._session.post(job.url, json=job.payload) as response:
                await response.read()
                # CONTRACT.md §5: the receiver answers 200; any 2xx is taken as received.
                return 200 <= response.status < 300
        except (aiohttp.ClientError, TimeoutError) as exc:
            # The origin only: a callback URL may carry a token in its path or query.
            log.info("callback to %s failed: %s", _origin(job.url), type(exc).__name__)
            return False


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
