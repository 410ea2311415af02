"""Free ports on 127.0.0.1, for tests, benchmarks and stacks that must not collide with a
server already running (the stack's defaults are 8400-8402)."""

from __future__ import annotations

import random
import socket

HOST = "127.0.0.1"


def free_port() -> int:
    """A port the kernel says is free now (it may be taken again before it is bound: prefer
    binding port 0 yourself where the server lets you)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def free_port_base(low: int = 20_000, high: int = 60_000) -> int:
    """A base B with B, B+1 and B+2 all free on 127.0.0.1 (bounded tries), for tests and
    load runs that must not collide with a stack already running on the default ports."""
    for _ in range(50):
        base = random.randrange(low, high)
        sockets: list[socket.socket] = []
        try:
            for port in (base, base + 1, base + 2):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind((HOST, port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no three consecutive free ports")
