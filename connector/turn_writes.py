"""The answers of one turn of the event loop, written together at its end.

A loaded worker answers many calls a turn. Written one by one as each is ready, every answer is
a ``send()`` that finds the client (a load balancer, Okta's edge, wrk) asleep in its own poll
and wakes it: a wake-up of another CPU's process, in the kernel, on this worker's time, and a
kernel path that evicts the worker's code and data from the caches between two answers. Held
to the end of the turn, the answers leave back to back: the first wakes the client, the others
find it awake. Nothing waits longer than the turn that made it; a lone call is answered at once.

Figures, the hook on one pinned uvicorn worker against wrk with 64 connections (CPU time of
the server process an answer, ``/proc/<pid>/stat``, 2026-12-04, load below 0.5): written one
by one, user 120.1 and system 25.8 µs an answer; held to the end of the turn, user 91.1-104.7
and system 9.9-13.1 µs; bare Starlette unchanged (42-48 and 8 µs both ways). Throughput in the
README's Benchmarks (``python -m loadtests.bench.connector_overhead``).

Order is kept: every write of a connection goes through the one queue of its loop, and a
close writes the queue out first (the transport then flushes its own buffer before it closes).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any


class TurnWrites:
    """The writes of one event loop's current turn, in the order they were made."""

    __slots__ = ("loop", "pending", "__weakref__")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: list[tuple[asyncio.Transport, bytes]] = []

    def add(self, transport: asyncio.Transport, data: bytes) -> None:
        pending = self.pending
        pending.append((transport, data))
        if len(pending) == 1:
            self.loop.call_soon(self.flush)

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        for transport, data in pending:
            # A connection closed meanwhile (the client left) has nobody to read its answer.
            if not transport.is_closing():
                transport.write(data)


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, TurnWrites] = (
    weakref.WeakKeyDictionary()
)


def turn_writes(loop: asyncio.AbstractEventLoop) -> TurnWrites:
    """The queue of ``loop`` (one per loop: a test process runs many)."""
    writes = _by_loop.get(loop)
    if writes is None:
        writes = _by_loop[loop] = TurnWrites(loop)
    return writes


class TurnTransport:
    """A connection's transport whose writes wait for the end of the turn. Everything else is
    the transport's own."""

    __slots__ = ("transport", "writes")

    def __init__(self, transport: asyncio.Transport, writes: TurnWrites) -> None:
        self.transport = transport
        self.writes = writes

    def write(self, data: bytes) -> None:
        if data:
            self.writes.add(self.transport, data)

    def close(self) -> None:
        self.writes.flush()
        self.transport.close()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        # get_extra_info, pause_reading, resume_reading, set_protocol, abort, ...
        return getattr(self.transport, name)
