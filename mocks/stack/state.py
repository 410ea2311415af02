"""A stack's state folder: its CA, SQLite database, logs and the facts a later command needs.

Each stack has its own folder (``var/stack-<port base>`` unless ``--workdir``), held for the
stack's life with an exclusive ``flock`` on ``stack.lock``, which names the holder's PID. The
kernel drops the lock when the holder dies, however it dies, so a lock left by a dead stack
never blocks a new one and a live one is never taken over. ``stack.json`` (mode 600: it holds
the Okta API token) lets ``ezitxt-okta stack reset`` find the running stack; ``env.sh`` holds
the same as ``export`` lines for a shell.

Only the stack's own process can restart its connector (it is the stack's child, watched by its
supervisor). So when ``stack reset`` has wired a mode whose connector settings change (``--auth
oauth``: a new client), it leaves them in ``connector-request.json`` (mode 600: they map the
client to the EZITXT secret) and waits for ``connector-answer.json`` with the same id, which the
stack writes once the connector answers with them (``mocks.stack.connector_requests``).
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

LOCK_FILE = "stack.lock"
INFO_FILE = "stack.json"
ENV_FILE = "env.sh"
REQUEST_FILE = "connector-request.json"
ANSWER_FILE = "connector-answer.json"


def default_folder(port_base: int) -> Path:
    return Path("var") / f"stack-{port_base}"


class FolderInUse(RuntimeError):
    def __init__(self, folder: Path, pid: int | None) -> None:
        holder = f"PID {pid}" if pid else "another process"
        super().__init__(
            f"{folder} is in use by a running stack ({holder}); stop it, or give this one "
            "another --port-base or --workdir"
        )
        self.folder = folder
        self.pid = pid


class NoStackRunning(RuntimeError):
    pass


@dataclass
class StackInfo:
    """What a running stack tells other commands (``stack.json``)."""

    pid: int
    port_base: int
    folder: str
    ezitxt: str
    connector: str
    hook: str
    okta: str
    api_token: str
    ca_file: str | None
    challenge_interval_s: float
    children: dict[str, int] = field(default_factory=dict)
    application: str = "okta-inline-hook"  # the EZITXT application the stack wires
    # The connector's event hook (None: the stack registers none, --no-event-hook), the header
    # Okta sends it in, and its secret (EZITXT_HOOK_EVENTS_SECRET): what ``stack reset`` needs
    # to register it again. Defaults, so that a stack.json written before them still reads.
    events_hook: str | None = None
    events_auth_field: str = "Authorization"
    events_secret: str | None = None
    auth: str = "header"  # how Okta authenticates to the connector (--auth): what reset wires

    def exports(self) -> list[str]:
        """``export`` lines for the QA guide's variables, ready to paste into a shell."""
        values = {"EZ": self.ezitxt, "HOOK": self.connector, "OKTA": self.okta}
        values["TOKEN"] = self.api_token
        if self.ca_file:
            values["CA"] = self.ca_file
        if self.events_secret:
            values["EVENTS_SECRET"] = self.events_secret
        values["STACK"] = self.folder
        return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]


class StateFolder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def lock_file(self) -> Path:
        return self.path / LOCK_FILE

    def acquire(self) -> None:
        """Hold the folder, or raise FolderInUse naming the holder, before anything in it is
        touched. Creates the folder and the lock file, nothing else."""
        self.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            raise FolderInUse(self.path, pid) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        for name in (INFO_FILE, ENV_FILE, REQUEST_FILE, ANSWER_FILE):
            (self.path / name).unlink(missing_ok=True)
        os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing the last descriptor drops the flock
        self._fd = None

    def write_info(self, info: StackInfo) -> None:
        _write_private(self.path / INFO_FILE, json.dumps(asdict(info), indent=2) + "\n")
        _write_private(self.path / ENV_FILE, "\n".join(info.exports()) + "\n")

    def write_private(self, name: str, doc: dict[str, Any]) -> None:
        _write_private(self.path / name, json.dumps(doc) + "\n")

    def take(self, name: str) -> dict[str, Any] | None:
        """The JSON document ``name`` holds, removed; None when there is none (or it is not a
        readable JSON object: a half-written file cannot be, they are written by rename)."""
        path = self.path / name
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        path.unlink(missing_ok=True)
        try:
            doc = json.loads(text)
        except ValueError:
            return None
        return doc if isinstance(doc, dict) else None


def stack_holds(folder: Path) -> bool:
    """Whether a running stack holds ``folder`` (its lock is taken)."""
    try:
        fd = os.open(folder / LOCK_FILE, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True  # held: a stack is running
    finally:
        os.close(fd)
    return False


def running_stack(folder: Path) -> StackInfo:
    """The stack holding ``folder``; NoStackRunning when none does (its lock is free)."""
    if not (folder / LOCK_FILE).exists():
        raise NoStackRunning(f"no stack has run in {folder}")
    if not stack_holds(folder):
        raise NoStackRunning(f"no stack is running in {folder}")
    try:
        doc: dict[str, Any] = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NoStackRunning(f"the stack in {folder} is still starting") from None
    return StackInfo(**doc)


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return int(text) if text.isdigit() else None


def _write_private(path: Path, text: str) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    temporary.replace(path)
