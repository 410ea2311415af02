"""A real ``redis-server`` (Debian's package) for tests: a free port on 127.0.0.1, no
persistence, stopped after, even when a test fails; and the troubles Redis can be put in
(paused with SIGSTOP, stopped and started again on the same port)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mocks.common.ports import free_port

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0


def redis_server_binary() -> str:
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if found is None:
        raise RuntimeError("redis-server is not installed: `make test` installs it")
    return found


class RedisServer:
    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_file = workdir / f"redis-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            redis_server_binary(),
            "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--enable-debug-command", "local",
            "--dir", str(self.workdir), "--logfile", str(self.log_file),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited at start; see {self.log_file}")
            if self.command("PING") == "+PONG":
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("redis-server did not answer PING")

    def command(self, *words: str, timeout_s: float = 1.0) -> str | None:
        """One inline command; the first line of the reply, or None when Redis does not answer."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=timeout_s) as sock:
                sock.sendall(" ".join(words).encode() + b"\r\n")
                reply = b""
                while not reply.endswith(b"\r\n"):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
                return reply.decode().split("\r\n", 1)[0]
        except OSError:
            return None

    def info(self, section: str) -> dict[str, str]:
        """``INFO section`` as a dict (a bulk reply, read whole)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(f"INFO {section}\r\n".encode())
            head = b""
            while b"\r\n" not in head:
                head += sock.recv(1)
            size = int(head[1:-2])
            body = b""
            while len(body) < size + 2:
                body += sock.recv(65536)
        pairs = (line.split(":", 1) for line in body.decode().splitlines() if ":" in line)
        return {key: value for key, value in pairs}

    def pause(self) -> None:
        """SIGSTOP: connections are accepted by the kernel and never answered."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused server cannot take SIGTERM
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT_S)
        self.process = None


@contextmanager
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    server = RedisServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
