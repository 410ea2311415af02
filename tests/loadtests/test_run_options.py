"""``python -m loadtests.run``'s command line: a help that describes every option (it said
``usage: run.py`` and showed literal reST), and the Locust commands each option makes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from loadtests import run

ROOT = Path(__file__).resolve().parents[2]


def test_help_names_the_command_and_describes_every_option() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "loadtests.run", "--help"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=30,
    ).stdout  # fmt: skip
    assert shown.startswith("usage: python -m loadtests.run")
    assert "``" not in shown and "run.py" not in shown
    for option in ("--shape", "--fault", "--rate", "--users", "--duration", "--target",
                   "--secret", "--auth-field", "--workers", "--connector-workers",
                   "--port-base", "--out", "--budgets"):  # fmt: skip
        assert option in shown, option
    parser_actions = run.build_parser()._actions
    assert all(action.help for action in parser_actions), [
        a.option_strings for a in parser_actions if not a.help
    ]
    assert "Exit status" in shown and "130" in shown
    # The pumping bot's range is an NZ mobile range (phonenumbers: MOBILE), not a premium one.
    words = " ".join(shown.split())  # argparse wraps lines
    assert "premium-looking" not in words and "one NZ mobile range (not premium" in words


def test_target_needs_a_secret_and_takes_no_fault(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run.parse_args(["--target", "https://staging.example.com", "--secret", ""])
    assert "--secret" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run.parse_args(["--target", "https://x.example", "--secret", "Basic x", "--fault", "slow"])
    assert "--fault" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run.parse_args(["--rate", "5", "--users", "5"])


def test_a_target_run_calls_the_connector_alone_with_the_shape_scaled(tmp_path: Path) -> None:
    args = run.parse_args(
        ["--target", "https://staging.example.com/", "--secret", "Basic x", "--rate", "50",
         "--duration", "30", "--workers", "2"]
    )  # fmt: skip
    target = {"connector": "https://staging.example.com", "okta": "", "ezitxt": ""}
    master, workers = run.locust_commands(args, {**target, "auth_field": "Authorization"}, tmp_path)
    assert master[-1] == "OktaHookCaller" and all(w[-1] == "OktaHookCaller" for w in workers)
    assert len(workers) == 2 and "--master" in master
    assert master[master.index("--rate") + 1] == "50.0"
    assert master[master.index("--duration") + 1] == "30.0"
    assert "Basic x" not in " ".join(master)  # the secret goes through the environment
    shape = run.chosen_shape(args)
    assert (shape.peak_rate, shape.seconds, shape.peak_users) == (50, 30, 50)


def test_the_pumping_shape_needs_the_stack(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run.parse_args(["--shape", "pumping", "--target", "https://x.example", "--secret", "B x"])
    assert "needs the stack's mock Okta and EZITXT" in capsys.readouterr().err


def test_a_stack_run_hands_locust_the_connector_s_log(tmp_path: Path) -> None:
    args = run.parse_args(["--shape", "pumping"])
    target = {"connector": "http://127.0.0.1:1", "okta": "http://127.0.0.1:3"}
    target |= {"ezitxt": "http://127.0.0.1:2", "auth_field": "Authorization"}
    target["connector_log"] = str(tmp_path / "stack" / "logs" / "connector.log")
    master, workers = run.locust_commands(args, target, tmp_path)
    assert master[master.index("--connector-log") + 1] == target["connector_log"]
    assert master[master.index("--shape") + 1] == "pumping" and workers == []
    assert "OktaHookCaller" not in master  # the shape picks its own classes
    shape = run.chosen_shape(args)
    assert (shape.peak_rate, shape.peak_users, shape.seconds) == (10, 28, 80)
