"""One server of the stack as a child process: started with its output in a log file, waited
for until it answers, stopped with SIGTERM (then SIGKILL), never left behind.

Each child runs in a session of its own, so a Ctrl-C at the terminal reaches the stack alone,
which then stops its children in order (Okta first, EZITXT last) instead of all dying at once.
"""

from __future__ import annotations

import ctypes
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from connector import interrupts
from mocks.common.timestamps import iso

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
CLI = str(Path(sys.executable).with_name("ezitxt-okta"))
ADDRESS_IN_USE = "address already in use"


class PortBusy(RuntimeError):
    def __init__(self, name: str, port: int) -> None:
        super().__init__(f"port {port} ({name}) is already in use on 127.0.0.1")
        self.port = port


def _die_with_parent() -> None:
    # Linux: the child gets SIGTERM if the stack itself dies, even by SIGKILL: no orphans.
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class ServerProcess:
    def __init__(
        self,
        name: str,
        args: list[str],
        *,
        ready_url: str,
        log_file: Path,
        env: dict[str, str] | None = None,
        ca_file: Path | None = None,
        port: int | None = None,
    ) -> None:
        self.name = name
        self.port = port
        self.command = [CLI, *args]
        self.ready_url = ready_url
        self.log_file = log_file
        self.env = env or {}
        self.ca_file = ca_file
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, note: str | None = None) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            if note:
                stamp = iso(time.time())
                log.write(f"--- {stamp} {note}\n".encode())
                log.flush()
            # Ctrl-C meanwhile is raised once the process is ours to stop (connector.interrupts).
            with interrupts.deferred(interrupts.STOP_SIGNALS, replay=True):
                self.process = subprocess.Popen(
                    self.command,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env={**os.environ, **self.env},
                    preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                    start_new_session=True,
                )

    def wait_ready(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Until ``ready_url`` answers any HTTP status; fails early if the process died."""
        context = ssl.create_default_context(cafile=str(self.ca_file)) if self.ca_file else None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                if self.port is not None and ADDRESS_IN_USE in self._log_tail():
                    raise PortBusy(self.name, self.port)
                raise RuntimeError(f"{self.name} exited at start; see {self.log_file}")
            try:
                with urllib.request.urlopen(self.ready_url, timeout=1, context=context):
                    return
            except urllib.error.HTTPError:
                return  # it answered: up
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer {self.ready_url} in {timeout_s:g} s")

    def _log_tail(self) -> str:
        try:
            with self.log_file.open("rb") as log:
                log.seek(max(0, log.seek(0, os.SEEK_END) - 4096))
                return log.read().decode(errors="replace")
        except OSError:
            return ""

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def exit_status(self) -> str:
        """How it ended, in words: ``killed by SIGKILL``, ``exit status 1``."""
        code = self.process.poll() if self.process else None
        if code is None:
            return "running"
        if code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exit status {code}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> bool:
        """SIGTERM, then SIGKILL after STOP_TIMEOUT_S. True when it shut down cleanly: uvicorn
        finishes its shutdown, then re-raises the SIGTERM, so -SIGTERM is a clean end."""
        if self.process is None:
            return True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT_S)
                return False
        return self.process.returncode in (0, -signal.SIGTERM)
