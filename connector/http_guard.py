"""uvicorn's httptools protocol with the limits a public endpoint needs (issue 9, items 1 and 2).

uvicorn (0.54) with httptools accepts a request head of any size and takes any time over it:
httptools grows a header value by concatenation, so one client streaming a 200 MB header in
1 MiB chunks copies ever larger buffers on the event loop and every other caller waits (answers
took 3-10 s). It arms no timer before a connection's first request, so sockets that never send
one, or send a byte now and then, stay open until the process runs out of file descriptors.
``--limit-concurrency`` only answers 503 once a request's headers are complete, which a slow
client never reaches. This subclass adds, per connection:

- a cap on the request line and headers together (``max_head_bytes``) and on their number
  (``max_headers``, counted when the head is complete): past either, ``431`` and a close.
  Bytes are fed to the parser no further than the cap, so an over-long head costs at most the
  cap to parse. (A head pipelined behind another request in the same read is counted from the
  next read on: it may reach twice the cap.)
- a timer from a head's first byte to its end (``header_timeout_s``): then closed;
- a timer on a new connection that sends nothing (``idle_timeout_s``); after an answer,
  uvicorn's own keep-alive timer applies, and a request body left unread after the answer gets
  ``header_timeout_s`` to finish before the close;
- a cap on open connections (``max_connections``, lowered to what the open-file limit allows):
  at the cap the longest-idle connection (no request under way) is closed to make room; when
  none is idle the new one gets ``503`` with ``Connection: close`` at once.

What it costs, in CPU per keep-alive request against uvicorn's own 13-14 µs
(``python -m loadtests.bench.http_guard_cost --requests 3000 --rounds 5``, CPU time, so other
jobs on the machine do not count): +7.1 µs with a timer armed and cancelled per head and a call
per header; +3.3 µs with one self-re-arming head timer; +1.5 to +2.1 µs once the header count is
taken at the end of the head (the byte cap already bounds how many fit). That is ~2% of a hook
answer (>= 60 µs of CPU each).

- an answer whose length is known leaves in one ``transport.write``: uvicorn writes the status
  line and headers (``http.response.start``) and the body in two, so two ``send()`` system
  calls an answer, and a process killed between them leaves the balancer a head without its
  body (HAProxy passes it on; aiohttp's ``ClientPayloadError`` in tests/e2e/test_replicas.py).
  ``OneWrite`` holds the head until the body message and writes both at once. In-process,
  user-space instructions an answer (``python -m loadtests.bench.served_cost --valgrind
  --requests 2000``, 2026-12-02, load 2.9-3.9): hook 479,915 -> 478,681 (-0.3%), bare
  Starlette 221,930 -> 230,626 (+3.9%: the wrapper's object and checks, where the bare answer
  has little else); the system call it saves is kernel time, which that count leaves out.
  Over real sockets (``python -m loadtests.bench.hot_path_ab --duration 4 --rounds 2
  --baseline-dir`` a checkout without it, load 1.5-4, the test suite running alongside):
  server CPU 320 against 332 µs an answer (medians; the rounds spread by +-30 µs, so a hint,
  not a figure).

Everything else, the request cycle's logic and the app, stays uvicorn's. Select it with
``uvicorn.Config(http=GuardedHttpToolsProtocol)`` or ``--http connector.http_guard:...``;
``connector.server`` says why this and not another server.
"""

from __future__ import annotations

import asyncio
import http
import logging
import resource
import time
import weakref
from collections import OrderedDict
from typing import Any, ClassVar

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
from uvicorn.server import ServerState

from connector.server_limits import ServerLimits, load_server_limits
from connector.turn_writes import TurnTransport, turn_writes

log = logging.getLogger("ezitxt.server")

# How often, at most, a refusal at the connection cap is logged: an attacker must not be able
# to flood the log with one line per connection.
CAP_WARNING_INTERVAL_S = 10.0

Idle = OrderedDict["GuardedHttpToolsProtocol", None]
# Per server (several run in one test process): its idle connections, oldest first.
_idle_by_server: weakref.WeakKeyDictionary[ServerState, Idle] = weakref.WeakKeyDictionary()


class _HeadTooLarge(Exception):
    """Raised from a parser callback to stop parsing a head past its limits."""


def refusal(status: int) -> bytes:
    """A complete plain-text answer that closes the connection."""
    phrase = http.HTTPStatus(status).phrase
    body = phrase.encode()
    return (
        f"HTTP/1.1 {status} {phrase}\r\ncontent-type: text/plain; charset=utf-8\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    # None: read from the environment (EZITXT_HOOK_*) on first use, once per process.
    limits: ClassVar[ServerLimits | None] = None
    _cap: ClassVar[int | None] = None
    _last_cap_warning: ClassVar[float] = 0.0

    @classmethod
    def with_limits(cls, limits: ServerLimits) -> type[GuardedHttpToolsProtocol]:
        """A subclass holding ``limits`` (for servers in this process, e.g. tests)."""
        return type(cls.__name__, (cls,), {"limits": limits, "_cap": None})

    @classmethod
    def server_limits(cls) -> ServerLimits:
        if cls.limits is None:
            cls.limits = load_server_limits()
        return cls.limits

    @classmethod
    def connection_cap(cls) -> int:
        """``max_connections``, lowered to fit this process's open-file limit (read once)."""
        if cls.__dict__.get("_cap") is None:
            soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
            open_files = soft if soft != resource.RLIM_INFINITY else 1 << 20
            cls._cap = cls.server_limits().connections_within(open_files)
        cap = cls._cap
        assert cap is not None
        return cap

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.guard = self.server_limits()
        self.idle_connections = _idle_by_server.setdefault(server_state, OrderedDict())
        self.refused = False
        self.reading_head = True  # parser state: no head complete since the last message
        self.head_bytes = 0
        self.heads_completed = 0
        self.head_started: float | None = None  # loop time of the first byte of this head
        # Heads are timed by one timer that re-arms itself while heads keep coming, not one
        # per request (see the module docstring for the figures). The other timer: silence,
        # or an unread body.
        self.head_timer: asyncio.TimerHandle | None = None
        self.guard_timer: asyncio.TimerHandle | None = None

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.connection_cap() and not self._make_room():
            self.refused = True
            self.transport = transport
            self._warn_at_cap()
            transport.write(refusal(503))
            transport.close()
            return
        super().connection_made(transport)
        # Answers leave at the end of the loop's turn, all of that turn's together
        # (connector.turn_writes, with the figures).
        self.transport = TurnTransport(transport, turn_writes(self.loop))  # type: ignore[assignment]
        self.idle_connections[self] = None
        self._arm(self.guard.idle_timeout_s)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None
        self.idle_connections.pop(self, None)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        if not self.reading_head:
            super().data_received(data)
            return
        if self.head_bytes == 0:  # a head begins: no longer idle, and on the clock
            self.idle_connections.pop(self, None)
            if self.guard_timer is not None:
                self._disarm()
            self.head_started = self.loop.time()
            if self.head_timer is None:
                self.head_timer = self.loop.call_later(
                    self.guard.header_timeout_s, self._check_head
                )
        room = self.guard.max_head_bytes - self.head_bytes
        if len(data) <= room:
            self.head_bytes += len(data)
            super().data_received(data)
            return
        heads = self.heads_completed
        self.head_bytes += room
        super().data_received(data[:room])
        if self.transport.is_closing():
            return
        if self.heads_completed == heads:
            self._refuse(431)
            return
        self.data_received(data[room:])

    # httptools parser callbacks

    def on_headers_complete(self) -> None:
        # Counted once the head is in, not per header: the byte cap already bounds how many
        # fit, and a call per header costs more than the check is worth.
        if len(self.headers) > self.guard.max_headers:
            raise _HeadTooLarge  # httptools re-raises it from feed_data as a parser error
        self.reading_head = False
        self.heads_completed += 1
        self.head_started = None
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.reading_head = True
        self.head_bytes = 0
        cycle = self.cycle
        if cycle is not None and cycle.response_complete and not self.pipeline:
            # The answer left before the body was read: uvicorn's keep-alive timer, cancelled
            # by the body's bytes, starts again now that the body is in.
            if self.guard_timer is not None:
                self._disarm()
            self._unset_keepalive_if_required()
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )
            self.idle_connections[self] = None

    # uvicorn hooks

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        # Every cycle, pipelined or not, starts here, before it writes anything.
        cycle.transport = OneWrite(self.transport, cycle)  # type: ignore[assignment]
        super()._start_asgi_task(cycle, app)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing() or self.pipeline:
            return
        if not self.reading_head:
            # Answered before the body arrived (413, 408, 401 ...): the rest gets a short time.
            self._arm(self.guard.header_timeout_s)
        elif self.head_bytes == 0:
            self.idle_connections[self] = None

    def send_400_response(self, msg: str) -> None:
        if self.reading_head and len(self.headers or ()) > self.guard.max_headers:
            self._refuse(431)
        elif not self.transport.is_closing():
            super().send_400_response(msg)

    # the guard

    def _refuse(self, status: int) -> None:
        self.refused = True
        self._disarm()
        self.idle_connections.pop(self, None)
        if not self.transport.is_closing():
            self.transport.write(refusal(status))
            self.transport.close()

    def _check_head(self) -> None:
        self.head_timer = None
        if self.head_started is None or self.transport.is_closing():
            return  # no head under way: the next one arms the timer again
        waited = self.loop.time() - self.head_started
        if waited >= self.guard.header_timeout_s * 0.99:
            self._drop()
        else:
            remaining = self.guard.header_timeout_s - waited
            self.head_timer = self.loop.call_later(remaining, self._check_head)

    def _drop(self) -> None:
        self.guard_timer = None
        self.idle_connections.pop(self, None)
        if not self.transport.is_closing():
            self.transport.close()

    def _make_room(self) -> bool:
        """Close the longest-idle connection; False when every one has a request under way."""
        if not self.idle_connections:
            return False
        oldest, _ = self.idle_connections.popitem(last=False)
        self.connections.discard(oldest)  # counted out now, not when its close completes
        oldest._drop()
        return True

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self.guard_timer = self.loop.call_later(seconds, self._drop)

    def _disarm(self) -> None:
        if self.guard_timer is not None:
            self.guard_timer.cancel()
            self.guard_timer = None

    @classmethod
    def _warn_at_cap(cls) -> None:
        now = time.monotonic()
        if now - cls._last_cap_warning >= CAP_WARNING_INTERVAL_S:
            cls._last_cap_warning = now
            log.warning(
                "connection limit reached: new connections refused with 503",
                extra={"fields": {"max_connections": cls.connection_cap()}},
            )


class OneWrite:
    """What a request cycle writes its answer to: the connection's transport, with a head of
    known length held back and written together with the body, in one ``write``.

    uvicorn's cycle writes the head (``http.response.start``: ``response_started`` is set and
    the framing chosen just before) and then each body message. Held: a head with a
    ``content-length``, for any method but ``HEAD`` (whose body message writes nothing);
    uvicorn writes every such body, even an empty one, unless the client left or the message
    failed. Then the head is dropped with the close uvicorn makes: the client sees no answer
    rather than a head without a body. Chunked heads (no length) are written at once.
    """

    __slots__ = ("transport", "cycle", "held")

    def __init__(self, transport: asyncio.Transport, cycle: RequestResponseCycle) -> None:
        self.transport = transport
        # Until the head is written: then let go, or the cycle (whose transport this is) and
        # this would hold each other, garbage only the collector frees: ten objects a call
        # (175,032 collected in 31 young collections over 20,000 hook answers; now none), and
        # 440,140 -> 432,995 instructions a hook answer, bare Starlette 234,944 -> 222,983
        # (served_cost --valgrind --requests 2000, 2026-12-06). Test: test_one_write's
        # test_an_answered_call_leaves_no_garbage_for_the_collector.
        self.cycle: RequestResponseCycle | None = cycle
        self.held: bytes | None = None

    def write(self, data: bytes) -> None:
        held = self.held
        if held is not None:
            self.held = None
            self.transport.write(held + data)
            return
        cycle = self.cycle
        if cycle is not None and cycle.response_started:
            self.cycle = None  # the head: framed now, so nothing more is read from the cycle
            if cycle.chunked_encoding is False and cycle.scope["method"] != "HEAD":
                self.held = data
                return
        self.transport.write(data)

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def close(self) -> None:
        self.held = None
        self.transport.close()
