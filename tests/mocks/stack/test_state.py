"""The state folder's lock: one holder at a time, named by PID, released by the kernel when the
holder dies however it dies; ``stack.json`` found only while its stack runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mocks.stack.state import (
    FolderInUse,
    NoStackRunning,
    StackInfo,
    StateFolder,
    default_folder,
    running_stack,
)

HOLD = """
import sys, time
from pathlib import Path
from mocks.stack.state import StateFolder
StateFolder(Path(sys.argv[1])).acquire()
print("held", flush=True)
time.sleep(60)
"""


def info(folder: Path) -> StackInfo:
    return StackInfo(
        pid=os.getpid(), port_base=8400, folder=str(folder), ezitxt="http://127.0.0.1:8400",
        connector="https://127.0.0.1:8401", hook="https://127.0.0.1:8401/okta/telephony",
        okta="http://127.0.0.1:8402", api_token="t0k'en", ca_file="/x/ca.pem",
        challenge_interval_s=30.0,
    )  # fmt: skip


def test_each_port_base_has_its_own_folder() -> None:
    assert default_folder(8400) != default_folder(8410)
    assert default_folder(8400) == Path("var/stack-8400")


def test_a_held_folder_is_refused_naming_the_folder_and_the_holders_pid(tmp_path: Path) -> None:
    first = StateFolder(tmp_path / "s")
    first.acquire()
    try:
        with pytest.raises(FolderInUse) as refused:
            StateFolder(tmp_path / "s").acquire()
        assert refused.value.pid == os.getpid()
        assert str(tmp_path / "s") in str(refused.value) and f"PID {os.getpid()}" in str(
            refused.value
        )
    finally:
        first.release()
    again = StateFolder(tmp_path / "s")
    again.acquire()  # free once released
    again.release()


def test_the_lock_of_a_holder_killed_by_sigkill_does_not_block(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path / "s")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(FolderInUse) as refused:
            StateFolder(tmp_path / "s").acquire()
        assert refused.value.pid == holder.pid
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        if holder.stdout:
            holder.stdout.close()
    assert (tmp_path / "s" / "stack.lock").read_text().strip() == str(holder.pid)  # left behind
    folder = StateFolder(tmp_path / "s")
    folder.acquire()  # yet free: the kernel dropped the dead holder's lock
    folder.release()


def test_stack_json_and_env_sh_are_private_and_found_only_while_held(tmp_path: Path) -> None:
    with pytest.raises(NoStackRunning):
        running_stack(tmp_path / "s")
    folder = StateFolder(tmp_path / "s")
    folder.acquire()
    try:
        folder.write_info(info(tmp_path / "s"))
        assert running_stack(tmp_path / "s") == info(tmp_path / "s")
        for name in ("stack.json", "env.sh"):
            assert (tmp_path / "s" / name).stat().st_mode & 0o077 == 0  # the token is in there
        env = (tmp_path / "s" / "env.sh").read_text()
        assert "export TOKEN='t0k'\"'\"'en'" in env  # quoted for the shell
        printed = subprocess.run(
            ["bash", "-c", f". {tmp_path / 's' / 'env.sh'}; echo \"$TOKEN|$OKTA|$CA|$STACK\""],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert printed.stdout.strip() == f"t0k'en|http://127.0.0.1:8402|/x/ca.pem|{tmp_path}/s"
    finally:
        folder.release()
    with pytest.raises(NoStackRunning):
        running_stack(tmp_path / "s")
    assert not (tmp_path / "s" / "stack.json").exists()
