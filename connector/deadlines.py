"""Holds every hook call to its deadline with one timer for all of them.

Here a call only registers its task; one sweep every ``TICK_S`` cancels the calls that would
otherwise run past their deadline. A call is cut at most ``TICK_S`` early, never late.

Why not ``asyncio.timeout_at``, a timer per guarded step (a libuv timer made, started and torn
down under uvloop): 1.07 against 3.36 CPU µs a guarded step, 64 calls open at once, two steps a
hook call (``python -m loadtests.bench.micro_ab`` under the heavy lock, 2026-12-02, a 2-core VM
shared with other work; ``python -m loadtests.bench.hot_path_ab`` gives the A/B over HTTP).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from types import TracebackType
from typing import Any

TICK_S = 0.025


class Deadlines:
    def __init__(self, tick_s: float = TICK_S) -> None:
        self.tick_s = tick_s
        self._calls: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    def guard(self, deadline: float) -> _Guard:
        """``with deadlines.guard(time.monotonic() + budget):`` raises ``TimeoutError`` when the
        body of the ``with`` is cut off at its deadline (as ``asyncio.timeout_at`` does)."""
        sweeper = self._sweeper
        if sweeper is None or sweeper.done():
            sweeper = self._start_sweeper()
        return _Guard(self, deadline, sweeper.get_loop())

    def _start_sweeper(self) -> asyncio.Task[None]:
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep())
        return self._sweeper

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            # Cut now what would be late by the next sweep.
            horizon = time.monotonic() + self.tick_s
            for task, deadline in list(self._calls.items()):
                if deadline <= horizon and task not in self._expired:
                    self._expired.add(task)
                    task.cancel()


class _Guard:
    __slots__ = ("_deadlines", "_deadline", "_loop", "_task")

    def __init__(
        self, deadlines: Deadlines, deadline: float, loop: asyncio.AbstractEventLoop
    ) -> None:
        self._deadlines = deadlines
        self._deadline = deadline
        self._loop = loop  # the sweeper's
        self._task: asyncio.Task[Any] | None = None

    def __enter__(self) -> None:
        # The sweeper's loop named: CPython 3.11's current_task() without one asks for the
        # running loop, which makes a getpid() system call every time (two a hook call, seen
        # with strace -c under wrk; the figure is in the README's Benchmarks).
        task = asyncio.current_task(self._loop)
        if task is None:
            # Not the sweeper's loop (a sweeper left from an earlier loop, as in tests): one
            # on this loop, so that this call's deadline is swept.
            task = asyncio.current_task()
            if task is None:
                raise RuntimeError("Deadlines.guard needs a running task")
            self._deadlines._start_sweeper()
        self._task = task
        self._deadlines._calls[task] = self._deadline

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        task = self._task
        assert task is not None
        self._deadlines._calls.pop(task, None)
        if task in self._deadlines._expired:
            self._deadlines._expired.discard(task)
            if exc_type is asyncio.CancelledError and task.uncancel() == 0:
                raise TimeoutError("deadline reached") from exc
