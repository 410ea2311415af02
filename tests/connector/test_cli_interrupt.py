"""Ctrl-C at any moment of an ``ezitxt-okta`` command ends it with exit status 130 and one line,
never a traceback (issue 15: Ctrl-C in the first half second of ``stack``, while its modules
were still being imported, printed a ``KeyboardInterrupt`` traceback)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from connector import cli


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
