"""A lying gateway at the socket level: a loopback TCP server whose answer is scripted as raw
writes (and pauses between them), so a test controls exactly how the bytes arrive: chunked,
split, oversized, cut off, or a connection closed before any answer.

``with raw_gateway(script) as gateway:`` serves on a free port of 127.0.0.1 until the block
ends; ``gateway.accepts`` counts connections (TLS handshakes included), ``gateway.requests``
holds each request's head and body as received.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

IO_TIMEOUT_S = 5.0
MAX_REQUEST_BYTES = 1 << 20

# An answer script: bytes are written as one send each, a float is a pause in seconds.
Script = Sequence[bytes | float]
# Close the connection at once, before reading anything.
CLOSE_AT_ONCE: Script = ()


@dataclass
class RawGateway:
    url: str
    accepts: int = 0
    requests: list[tuple[bytes, bytes]] = field(default_factory=list)


def http_answer(status: int, body: bytes, *, reason: str = "X", extra: bytes = b"") -> bytes:
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
    return head.encode() + extra + b"Content-Length: %d\r\n\r\n" % len(body) + body


def chunked(status: int, *pieces: bytes | float) -> list[bytes | float]:
    """A chunked answer, one write per chunk; a float among the pieces is a pause."""
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
    writes: list[bytes | float] = [head.encode() + b"Transfer-Encoding: chunked\r\n\r\n"]
    for piece in pieces:
        writes.append(piece if isinstance(piece, float) else b"%x\r\n%s\r\n" % (len(piece), piece))
    writes.append(b"0\r\n\r\n")
    return writes


def _read_request(conn: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < MAX_REQUEST_BYTES:
        piece = conn.recv(65536)
        if not piece:
            return data, b""
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        piece = conn.recv(65536)
        if not piece:
            break
        body += piece
    return head, body


@contextmanager
def raw_gateway(
    script: Script, *, ssl_context: ssl.SSLContext | None = None
) -> Iterator[RawGateway]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.05)
    scheme = "https" if ssl_context else "http"
    gateway = RawGateway(url=f"{scheme}://127.0.0.1:{listener.getsockname()[1]}")
    stop = threading.Event()
    handlers: list[threading.Thread] = []

    def handle(conn: socket.socket) -> None:
        conn.settimeout(IO_TIMEOUT_S)
        try:
            if ssl_context is not None:
                conn = ssl_context.wrap_socket(conn, server_side=True)
            if not script:
                return
            gateway.requests.append(_read_request(conn))
            for step in script:
                if isinstance(step, float):
                    if stop.wait(step):
                        return
                else:
                    conn.sendall(step)
        except OSError:  # the client gave up or the handshake failed: what tests provoke
            return
        finally:
            conn.close()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            gateway.accepts += 1
            handler = threading.Thread(target=handle, args=(conn,), daemon=True)
            handlers.append(handler)
            handler.start()

    acceptor = threading.Thread(target=serve, daemon=True)
    acceptor.start()
    try:
        yield gateway
    finally:
        stop.set()
        acceptor.join(IO_TIMEOUT_S)
        listener.close()
        for handler in handlers:
            handler.join(IO_TIMEOUT_S)
