"""Real uvicorn servers on free loopback ports, for tests.

``serve(app)`` starts the ASGI app in a background thread on 127.0.0.1 with a port the kernel
chose, waits (bounded) until it accepts connections, yields its base URL and shuts it down.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from mocks.common.ports import free_port as free_port

START_TIMEOUT_S = 10.0


@contextmanager
def serve(app: Any, *, ssl_context: ssl.SSLContext | None = None, **config: Any) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config.setdefault("log_level", "warning")
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", **config))
    if ssl_context is not None:
        # uvicorn builds its own context from files; tests hand over a ready one instead.
        server.config.load()
        server.config.ssl = ssl_context
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    scheme = "https" if ssl_context is not None else "http"
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(START_TIMEOUT_S)
        sock.close()
