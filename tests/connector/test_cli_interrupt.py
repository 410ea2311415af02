"""Ctrl-C at any moment of an ``ezitxt-okta`` command ends it with exit status 130 and one line,
never a traceback (issue 15: Ctrl-C in the first half second of ``stack``, while its modules
were still being imported, printed a ``KeyboardInterrupt`` traceback)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from connector import cli, interrupts


def interrupting_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, at: str) -> None:
    """A subcommand whose module is interrupted while imported (``at="import"``) or while it
    runs (``at="run"``), as a Ctrl-C lands in either."""
    module = tmp_path / "interrupted_command.py"
    body = "raise KeyboardInterrupt\n" if at == "import" else ""
    body += "HELP = 'a command'\n"
    body += "def add_arguments(parser):\n    pass\n"
    body += "def run(args):\n    raise KeyboardInterrupt\n"
    module.write_text(body)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "interrupted_command", raising=False)
    monkeypatch.setattr(cli, "discover", lambda: [cli.Command("slow", "interrupted_command")])


@pytest.mark.parametrize("at", ["import", "run"])
def test_ctrl_c_ends_a_command_with_130_and_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], at: str
) -> None:
    interrupting_command(tmp_path, monkeypatch, at=at)
    assert cli.main(["slow"]) == 130
    captured = capsys.readouterr()
    assert captured.err == "ezitxt-okta: interrupted (Ctrl-C)\n"
    assert "Traceback" not in captured.out + captured.err


def test_ctrl_c_inside_a_finalizer_while_a_command_imports_is_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGINT landing while the garbage collector runs a finalizer during an import: Python
    swallows an exception raised there ("Exception ignored"), so the Ctrl-C was lost and the
    command ran (seen: ``stack`` interrupted 0.2 s after start went on to serve)."""
    module = tmp_path / "finalized_command.py"
    module.write_text(
        "import os, signal\n"
        "class Finalized:\n"
        "    def __del__(self):\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        sum(range(1000))  # the handler runs here, inside __del__\n"
        "leftover = Finalized()\n"
        "del leftover\n"
        "HELP = 'a command'\n"
        "def add_arguments(parser):\n    pass\n"
        "def run(args):\n    print('ran')\n    return 0\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "finalized_command", raising=False)
    monkeypatch.setattr(cli, "discover", lambda: [cli.Command("slow", "finalized_command")])
    assert cli.main(["slow"]) == 130
    captured = capsys.readouterr()
    assert "ran" not in captured.out
    assert captured.err == "ezitxt-okta: interrupted (Ctrl-C)\n"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_deferred_notes_a_signal_and_puts_the_handler_back() -> None:
    before = signal.getsignal(signal.SIGINT)
    with interrupts.deferred() as noted:
        os.kill(os.getpid(), signal.SIGINT)
        sum(range(1000))  # a point where Python runs the handler
    assert noted == [signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is before
    with interrupts.deferred() as noted:
        pass
    assert noted == []


class _Stop(BaseException):
    pass


def test_replay_raises_the_noted_signal_again_once_the_block_is_done() -> None:
    """What ``stack`` does around spawning a server: a Ctrl-C during the fork would run the
    stack's handler inside logging's after-fork hook, where its exception is swallowed."""

    def stop(signum: int, frame: object) -> None:
        raise _Stop(signum)

    before = signal.signal(signal.SIGTERM, stop)
    reached = []
    try:
        with pytest.raises(_Stop):
            with interrupts.deferred(interrupts.STOP_SIGNALS, replay=True):
                os.kill(os.getpid(), signal.SIGTERM)
                sum(range(1000))
                reached.append("the block's end")
            sum(range(1000))
        assert reached == ["the block's end"]
        assert signal.getsignal(signal.SIGTERM) is stop
    finally:
        signal.signal(signal.SIGTERM, before)
