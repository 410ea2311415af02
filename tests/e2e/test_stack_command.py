"""``ezitxt-okta stack`` as QA runs it: setup and demo printed, serving until Ctrl-C, then all
three servers shut down cleanly, none left behind."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mocks.stack.stack import free_port_base

CLI = str(Path(sys.executable).with_name("ezitxt-okta"))
SERVING = "The stack is serving"


def read_until(process: subprocess.Popen[str], marker: str, timeout_s: float) -> str:
    """What the process printed until ``marker`` (or the timeout, or its exit). A thread
    reads, so that lines buffered in the pipe's reader are never waited on twice."""
    assert process.stdout is not None
    stdout = process.stdout
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in iter(stdout.readline, ""):
            lines.put(line)
            if marker in line:
                return

    threading.Thread(target=pump, daemon=True).start()
    seen = ""
    deadline = time.monotonic() + timeout_s
    while marker not in seen and time.monotonic() < deadline:
        try:
            seen += lines.get(timeout=0.2)
        except queue.Empty:
            if process.poll() is not None:
                break
    return seen


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
def test_stack_wires_demonstrates_serves_and_stops_cleanly(tmp_path: Path) -> None:
    base = free_port_base()
    process = subprocess.Popen(
        [CLI, "stack", "--port-base", str(base), "--workdir", str(tmp_path / "stack")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        printed = read_until(process, SERVING, timeout_s=60)
        assert SERVING in printed, printed
        for step in ("1. EZITXT", "2. EZITXT > Generate New Password", "3. EZITXT > Okta Setup",
                     "4. Okta > Workflow > Inline Hooks", "5. Okta > Directory"):  # fmt: skip
            assert step in printed
        assert "HTTP 200 SUCCESSFUL" in printed  # the hook's answer as Okta saw it
        assert "handset +64211234*** received" in printed
        assert "Mobile Report: messageId=" in printed and "status=received" in printed
        assert "verifies in Okta: SUCCESS" in printed
        assert f"https://127.0.0.1:{base + 1}/okta/telephony" in printed
        assert all(port_in_use(p) for p in (base, base + 1, base + 2))
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0, rest
    assert "Stopped: mock Okta cleanly, connector cleanly, mock EZITXT cleanly" in rest
    assert not any(port_in_use(p) for p in (base, base + 1, base + 2))
    assert "Application shutdown complete" in (tmp_path / "stack/logs/mock-ezitxt.log").read_text()
