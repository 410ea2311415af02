"""The README's QA guide works as written, as QA meets it: against a stack started as
``make run`` starts it (TLS, the demo sign-in, Okta's one challenge per number per 30 s), its
``sh`` blocks run in order with bash right after the start, each twice in a row (issue 15: it
got DENY, a TypeError from its own helper, then INVALID with exit status 0). Then
``stack reset`` brings both mocks back to the freshly wired state."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mocks.common.ports import free_port_base
from tests.e2e.stack_cli import CLI, SERVING, StackCli

README = Path(__file__).resolve().parents[2] / "README.md"
RUNS = 2


def guide_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    guide = text.split("## QA guide", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", guide, flags=re.S)


@pytest.fixture(scope="module")
def make_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StackCli, Path, Path]]:
    """The stack as ``make run`` starts it (only the port base differs), and a folder laid out
    as the repository is for the guide's ``.venv/bin/ezitxt-okta``."""
    root = tmp_path_factory.mktemp("qa")
    shell_dir = root / "repo"
    (shell_dir / ".venv/bin").mkdir(parents=True)
    (shell_dir / ".venv/bin/ezitxt-okta").symlink_to(CLI)
    folder = root / "stack"
    with StackCli("--port-base", str(free_port_base()), "--workdir", str(folder), cwd=root) as cli:
        cli.wait_for(SERVING)
        yield cli, folder, shell_dir


def run_guide(folder: Path, shell_dir: Path) -> subprocess.CompletedProcess[str]:
    # Each block twice in a row: what QA does when a block's output scrolled away.
    script = "set -euo pipefail\n" + "".join(block * RUNS for block in guide_blocks())
    env = {k: v for k, v in os.environ.items() if k not in ("EZ", "HOOK", "OKTA", "TOKEN", "CA")}
    return subprocess.run(
        ["bash", "-c", script],
        cwd=shell_dir,
        env={**env, "STACK": str(folder)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_every_block_of_the_qa_guide_works_right_after_start_and_twice(
    make_run: tuple[StackCli, Path, Path],
) -> None:
    cli, folder, shell_dir = make_run
    assert "verifies in Okta: SUCCESS" in cli.output  # the demo ran: its number is now held
    blocks = guide_blocks()
    assert len(blocks) >= 10
    for block in blocks:
        for line in block.splitlines():
            if line.lstrip().startswith("curl "):
                assert "-sS --fail-with-body" in line, line  # errors show the server's answer
    done = run_guide(folder, shell_dir)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    out = done.stdout
    for shown in (  # each block shows what it is about, once per run
        "outcome = SUCCESSFUL",  # the sign-in
        "result = SUCCESS",  # the code read off the handset verifies
        "hook.status = PENDING",  # the delay fault, with a sign-in inside it
        "items.0.status = rejected",  # the test number's delivery outcome
        "0.eventType = inline_hook.executed",  # the System Log finds the failure it describes
    ):
        assert out.count(shown) == RUNS, shown
    assert len(re.findall(r"^0\.phoneNumber = \+64\d+$", out, flags=re.M)) == RUNS  # fallback
    assert '\n  "outcome": "SUCCESSFUL",\n' in out  # JSON printed readably
    for wrong in ("DENY", "Traceback", "INVALID", "expected "):
        assert wrong not in out + done.stderr, wrong


@pytest.mark.slow
def test_stack_reset_brings_both_mocks_back_to_the_freshly_wired_state(
    make_run: tuple[StackCli, Path, Path],
) -> None:
    cli, folder, _ = make_run
    info = cli.info(folder)
    okta, ezitxt, token = info["okta"], info["ezitxt"], info["api_token"]
    admin = {"Authorization": f"SSWS {token}"}
    flow = {"user": "aroha.ngata@example.co.nz", "requestType": "mfa-verification",
            "phoneNumber": "+64210000002"}  # fmt: skip
    requests.post(f"{okta}/_mock/flows", json=flow, timeout=10).raise_for_status()
    requests.put(f"{ezitxt}/_mock/faults", json={"status": 503}, timeout=5).raise_for_status()
    assert requests.post(f"{okta}/_mock/flows", json=flow, timeout=10).json()["outcome"] == "DENY"

    done = subprocess.run(
        [CLI, "stack", "reset", "--workdir", str(folder)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "freshly wired state" in done.stdout

    assert requests.get(f"{ezitxt}/api/reports/mobile", timeout=5).json()["total"] == 0
    assert requests.get(f"{ezitxt}/_mock/faults", timeout=5).json()["rules"] == []
    hooks = requests.get(f"{okta}/api/v1/inlineHooks", headers=admin, timeout=5).json()
    assert [(h["name"], h["status"]) for h in hooks] == [("EZITXT SMS", "ACTIVE")]
    events = requests.get(f"{okta}/api/v1/logs", headers=admin, timeout=5).json()
    # The wiring's own events only: the telephony hook, and the connector's event hook made and
    # verified again (its verification is a call Okta logs).
    assert [e["eventType"] for e in events] == [
        "inline_hook.created",
        "event_hook.created",
        "event_hook.verified",
    ]
    event_hooks = requests.get(f"{okta}/api/v1/eventHooks", headers=admin, timeout=5).json()
    assert [(h["status"], h["verificationStatus"]) for h in event_hooks] == [("ACTIVE", "VERIFIED")]
    assert requests.get(f"{okta}/_mock/flows", timeout=5).json() == []
    # Wired again: the number Okta held a moment ago is challenged at once, through the hook
    # with the new password.
    again = requests.post(f"{okta}/_mock/flows", json=flow, timeout=10).json()
    assert again["outcome"] == "SUCCESSFUL", again

    idle = subprocess.run(
        [CLI, "stack", "reset", "--workdir", str(folder / "none")], capture_output=True, text=True
    )
    assert idle.returncode == 1 and "no stack" in idle.stdout
