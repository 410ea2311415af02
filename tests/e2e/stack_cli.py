"""``ezitxt-okta stack`` run as QA runs it, in a process group of its own (as a terminal's
foreground job), its output collected by a thread; always stopped, even when a test fails."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

CLI = str(Path(sys.executable).with_name("ezitxt-okta"))
SERVING = "The stack is serving"
STOP_S = 30.0


class StackCli:
    def __init__(self, *args: str, cwd: Path) -> None:
        self.cwd = cwd
        self.process = subprocess.Popen(
            [CLI, "stack", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in iter(self.process.stdout.readline, ""):
            self._lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self._lines)

    def wait_for(self, marker: str, timeout_s: float = 60.0) -> str:
        """The output once it holds ``marker``; AssertionError (with the output) if it never
        does within ``timeout_s`` or the stack exits first."""
        deadline = time.monotonic() + timeout_s
        while marker not in self.output:
            if time.monotonic() > deadline or self.process.poll() is not None:
                time.sleep(0.2)  # the last lines
                if marker in self.output:
                    break
                raise AssertionError(f"{marker!r} never printed:\n{self.output[-4000:]}")
            time.sleep(0.05)
        return self.output

    def info(self, folder: Path) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads((self.cwd / folder / "stack.json").read_text())
        return doc

    def interrupt(self, *, whole_group: bool = True) -> None:
        """Ctrl-C at the terminal: SIGINT to the whole foreground process group."""
        if whole_group:
            os.killpg(self.process.pid, signal.SIGINT)
        else:
            self.process.send_signal(signal.SIGINT)

    def finish(self, timeout_s: float = STOP_S) -> int:
        """Wait for the exit (after ``interrupt`` or a refusal); the exit code."""
        try:
            code = self.process.wait(timeout_s)
        finally:
            self.close()
        self._reader.join(5)
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(STOP_S)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process.stdout:
            self._reader.join(5)
            self.process.stdout.close()

    def __enter__(self) -> StackCli:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
