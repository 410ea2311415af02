"""``ezitxt-okta stack`` as QA runs it: setup and demo printed, serving until Ctrl-C, then all
three servers shut down cleanly, none left behind."""

from __future__ import annotations

import argparse
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from mocks.stack.cli import ENDPOINTS_HEADING, add_arguments
from mocks.stack.consoles import DEMO_CONSOLE_PASSWORD, DEMO_CONSOLE_USER
from mocks.stack.stack import free_port_base

CLI = str(Path(sys.executable).with_name("ezitxt-okta"))
SERVING = "The stack is serving"
BANNER_END = "server logs:"  # the banner's last line
# Passed with "=": a password may start with "-".
CONSOLE_USER, CONSOLE_PASSWORD = "qa-stack@example.com", "-Dash-Pass-2026"
# What QA do first with the pasted lines: the connector over TLS with the stack's CA (a CA
# another stack rewrote failed exactly here), and Okta's API with the token.
PASTED_CHECK = """set -eu
curl -sS --fail-with-body --cacert "$CA" "$HOOK/healthz"; echo
curl -sS --fail-with-body -H "Authorization: SSWS $TOKEN" "$OKTA/api/v1/inlineHooks"
test -f "$STACK/env.sh"
"""


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


def signs_in(form_url: str, csrf_field: str, user: str, password: str) -> bool:
    """Whether a console's sign-in form, filled as a browser does, lets ``user`` in."""
    with requests.Session() as http:
        http.trust_env = False
        form = http.get(form_url, timeout=10)
        token = re.search(rf'name="{csrf_field}" value="([^"]+)"', form.text)
        assert token is not None, form.text
        fields = {"username": user, "password": password, csrf_field: token.group(1), "next": ""}
        answer = http.post(form.url, data=fields, timeout=10)
        return answer.status_code == 200 and "Sign out" in answer.text


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
def test_stack_wires_demonstrates_serves_and_stops_cleanly(tmp_path: Path) -> None:
    base = free_port_base()
    process = subprocess.Popen(
        [
            CLI,
            "stack",
            "--port-base",
            str(base),
            "--workdir",
            str(tmp_path / "stack"),
            "--console-user",
            CONSOLE_USER,
            f"--console-password={CONSOLE_PASSWORD}",
        ],  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        printed = read_until(process, BANNER_END, timeout_s=60)
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
        # The banner's export lines work as pasted into a shell, and it points to the guide.
        assert "For the QA guide (README.md, 'QA guide'), paste into your shell" in printed
        assert f"{ENDPOINTS_HEADING}:\n  start a sign-in:" in printed
        exports = [line.strip() for line in printed.splitlines() if line.startswith("  export ")]
        assert {line.split("=", 1)[0] for line in exports} >= {
            f"export {name}" for name in ("EZ", "HOOK", "OKTA", "TOKEN", "CA", "STACK")
        }
        pasted = "\n".join([*exports, PASTED_CHECK])
        shell = subprocess.run(["bash", "-c", pasted], capture_output=True, text=True, timeout=30)
        assert shell.returncode == 0, shell.stdout + shell.stderr
        assert '"status":"ok"' in shell.stdout.replace(" ", "") and '"ACTIVE"' in shell.stdout
        # The banner's consoles, and the sign-in it prints works on both.
        ez, okta = f"http://127.0.0.1:{base}", f"http://127.0.0.1:{base + 2}"
        sign_in = f"sign in as {CONSOLE_USER} / {CONSOLE_PASSWORD}"
        assert f"EZITXT portal:         {ez}/   {sign_in}" in printed
        assert f"Okta Admin Console:    {okta}/admin   {sign_in}" in printed
        assert f"Okta end-user sign-in: {okta}/signin   username aroha.ngata@" in printed
        assert signs_in(f"{ez}/", "csrf", CONSOLE_USER, CONSOLE_PASSWORD)
        assert signs_in(f"{okta}/admin/signin", "csrf_token", CONSOLE_USER, CONSOLE_PASSWORD)
        assert not signs_in(f"{okta}/admin/signin", "csrf_token", CONSOLE_USER, "wrong-1234")
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0, rest
    assert "Stopped: mock Okta cleanly, connector cleanly, mock EZITXT cleanly" in rest
    assert not any(port_in_use(p) for p in (base, base + 1, base + 2))
    assert "Application shutdown complete" in (tmp_path / "stack/logs/mock-ezitxt.log").read_text()


def test_stack_console_sign_in_defaults() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args([])
    assert (args.console_user, args.console_password) == (
        DEMO_CONSOLE_USER,
        DEMO_CONSOLE_PASSWORD,
    )
    assert DEMO_CONSOLE_USER in parser.format_help()
