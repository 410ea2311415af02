"""One Redis connection held for ``SharedState``'s pipelines: a batch of commands written at
once, their replies read in order by hiredis' parser.

redis-py makes the connection (TCP, TLS or a Unix socket, ``AUTH``, ``SELECT``: its
``Connection.connect()``, through the pool); the pipelines then use its stream directly, for
three costs redis-py adds per batch or per reply, measured with 64 calls in flight
(``python -m loadtests.bench.redis_store_ab``, variant "pool and read_response per batch";
figures in ``Pipe``'s docstring). What is ours is no RESP code: ``hiredis.pack_command``
packs, ``hiredis.Reader`` parses, and this module only counts the replies.
"""

from __future__ import annotations

from typing import Any

import hiredis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError, InvalidResponse, NoScriptError, ResponseError

# Bytes asked of the socket at once: a reply is ~60 bytes, a batch up to a few hundred of them.
READ_BYTES = 65536
_NOT_ENOUGH_DATA = object()


def reply_error(message: str) -> ResponseError:
    """An error reply as the exception redis-py would raise for it; ``SharedState`` tells
    only a forgotten script (``NOSCRIPT``, after a Redis restart) from the rest."""
    if message.startswith("NOSCRIPT "):
        return NoScriptError(message.removeprefix("NOSCRIPT "))
    return ResponseError(message)


class Pipe:
    """A pooled connection taken out of redis-py's pool for as long as it works.

    Against the pool's ``get_connection`` and ``release`` around every batch (a lock and
    its bookkeeping), the connection's ``send_packed_command`` (a task for its ``wait_for``
    a batch) and ``read_response`` a reply (three coroutines and a timer check): the hook's
    CPU a call 38.6 against 43.6 µs (variant "pool and read_response per batch" of ``python
    -m loadtests.bench.redis_store_ab --rounds 7``, 2026-12-02 14:00 UTC, load 3.6-5.9; 37.3
    against 47.0 at 13:41, 35.5 against 41.8 at 13:38). ``SharedState`` bounds the whole
    batch with one timer instead; on any failure the connection is dropped, not reused.
    """

    __slots__ = ("connection", "_parser")

    def __init__(self, connection: AbstractConnection) -> None:
        self.connection = connection
        self._parser = hiredis.Reader(
            protocolError=InvalidResponse, replyError=reply_error, notEnoughData=_NOT_ENOUGH_DATA
        )

    def usable(self) -> bool:
        """Still connected, nothing unread, and not closed by the server (a Redis restarted
        while this was idle): the check the pool makes before it hands a connection out."""
        connection = self.connection
        stream = connection._reader  # redis-py's stream: see the module docstring
        return (
            connection.is_connected
            and stream is not None
            and not stream.at_eof()
            and not self._parser.has_data()
        )

    async def exchange(self, packed: bytes, replies: int) -> list[Any]:
        """Writes ``packed``, reads ``replies`` replies; an error reply is one of them, as an
        exception instance. The caller bounds the time and drops the pipe on any exception."""
        connection = self.connection
        writer, stream = connection._writer, connection._reader
        if writer is None or stream is None:
            raise ConnectionError("connection closed")
        writer.write(packed)
        await writer.drain()
        parser = self._parser
        results: list[Any] = []
        for _ in range(replies):
            reply = parser.gets()
            while reply is _NOT_ENOUGH_DATA:
                data = await stream.read(READ_BYTES)
                if not data:
                    raise ConnectionError("Redis closed the connection")
                parser.feed(data)
                reply = parser.gets()
            results.append(reply)
        return results
