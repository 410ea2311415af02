"""``ezitxt-okta stack --auth oauth`` as QA runs it (issue 12: "the demo works in both"): the
CLI wires OAuth, its demo signs in through the OAUTH hook, and ``stack reset`` is carried out
by the CLI's own loop (the connector restarted with the new client), after which a sign-in
still goes through the hook, not Okta's fallback."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import requests

from mocks.stack.stack import free_port_base
from tests.e2e.stack_cli import CLI, SERVING, StackCli

pytestmark = pytest.mark.slow


def sign_in(okta: str, login: str) -> dict[str, object]:
    answer = requests.post(
        f"{okta}/_mock/flows", json={"user": login, "requestType": "mfa-verification"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    flow: dict[str, object] = answer.json()
    return flow


def test_the_oauth_stack_demo_and_reset_through_the_cli(tmp_path: Path) -> None:
    base = free_port_base()
    folder = tmp_path / "stack"
    args = ["--auth", "oauth", "--port-base", str(base), "--workdir", str(folder)]
    with StackCli(*args, "--challenge-interval", "0", "--timing-scale", "0.2", cwd=tmp_path) as cli:
        printed = cli.wait_for(SERVING, timeout_s=90)
        assert "verifies in Okta: SUCCESS" in printed, printed[-3000:]
        assert "HTTP 200 SUCCESSFUL" in printed
        info = json.loads((folder / "stack.json").read_text())
        assert info["auth"] == "oauth"
        login = re.search(r"/signin\s+username ([^\s,]+)", printed)
        assert login is not None, printed[-3000:]
        okta = f"http://127.0.0.1:{base + 2}"

        reset = subprocess.run(
            [CLI, "stack", "reset", "--workdir", str(folder)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert reset.returncode == 0, reset.stdout + reset.stderr
        assert "by the running stack" in reset.stdout
        cli.wait_for("restarting the connector with the settings of the new wiring", timeout_s=10)
        hooks = requests.get(
            f"{okta}/api/v1/inlineHooks",
            headers={"Authorization": f"SSWS {info['api_token']}"},
            timeout=10,
        ).json()
        assert [hook["channel"]["type"] for hook in hooks] == ["OAUTH"]
        flow = sign_in(okta, login.group(1))
        assert flow["outcome"] == "SUCCESSFUL", flow
        assert flow["fallback"] is False
        cli.interrupt()
        assert cli.finish() == 0, cli.output[-3000:]
