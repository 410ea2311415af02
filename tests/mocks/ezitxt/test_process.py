"""``ezitxt-okta mock-ezitxt`` as a real process: killed with SIGKILL and restarted, it has lost
nothing it accepted, and messages that were on their way finish their walk."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from mocks.ezitxt.portal.console import DEFAULT_CONSOLE_PASSWORD, DEFAULT_CONSOLE_USER
from tests.servers import free_port

BIN = Path(sys.executable).parent / "ezitxt-okta"
START_S = 15.0
SCALE = "0.2"  # slow_s = 1 s: a slow test number is still on its way when the process dies
OTP = "Your code is 482913"


@contextmanager
def mock_process(port: int, db: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    command = [
        str(BIN), "mock-ezitxt", "--port", str(port), "--db", str(db),
        "--timing-scale", SCALE, "--log-level", "debug",
    ]  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=out)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_S
        while True:
            try:
                requests.get(f"{base}/_mock/stats", timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "mock EZITXT did not start"
                time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def test_help_is_quick() -> None:
    started = time.monotonic()
    out = subprocess.run([str(BIN), "mock-ezitxt", "--help"], capture_output=True, check=True)
    assert b"--hook-url" in out.stdout and b"--db" in out.stdout
    assert time.monotonic() - started < 5


@pytest.mark.slow
def test_nothing_accepted_is_lost_across_a_kill(tmp_path: Path) -> None:
    port, db, log = free_port(), tmp_path / "ezitxt.sqlite3", tmp_path / "server.log"
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/rest/sms/v2/messages"
    with requests.Session() as http:
        with mock_process(port, db, log) as process:
            http.post(f"{base}/api/applications", json={"name": "okta-hook"})
            setup = http.post(f"{base}/api/applications/okta-hook/password").json()
            auth = {"Authorization": setup["oktaSetupValues"]["authenticationSecret"]}
            accepted = [
                http.post(
                    url,
                    json={"destination": f"+6427{n:07d}", "content": OTP, "reference": str(n)},
                    headers=auth,
                ).json()["id"]
                for n in range(300)
            ]
            # Last, so that it is surely still between sent and received when the process dies.
            slow = http.post(
                url, json={"destination": "+64210000006", "content": OTP}, headers=auth
            ).json()["id"]
            process.send_signal(signal.SIGKILL)
            process.wait(10)
        with mock_process(port, db, log):
            for message_id in [slow, *accepted]:
                response = http.get(url, params={"id": message_id}, headers=auth)
                assert response.status_code == 200, message_id
            report = http.get(f"{base}/api/reports/mobile", params={"pageSize": 500}).json()
            assert report["total"] == len(accepted) + 1
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                inbox = http.get(f"{base}/_mock/handsets/+64210000006/messages").json()
                if inbox["messages"]:
                    break
                time.sleep(0.05)
            assert [m["id"] for m in inbox["messages"]] == [slow]
            entry = http.get(f"{base}/api/reports/mobile/{slow}").json()
            assert [s["status"] for s in entry["history"]][-2:] == ["sent", "received"]
            statuses = http.get(f"{base}/_mock/stats").json()["byStatus"]
            assert statuses == {"received": len(accepted) + 1}
    # The server logged at debug level throughout: still no secret, text or full number in it.
    text = log.read_text(errors="replace")
    assert "mocks.ezitxt.gateway" in text and "***006" in text  # the debug lines are there
    resumed = [int(n) for n in re.findall(r"(\d+) message\(s\) resumed", text)]
    assert resumed[0] == 0 and resumed[1] >= 1  # at least the slow one was still on its way
    assert "482913" not in text
    assert setup["password"] not in text
    assert setup["oktaSetupValues"]["authenticationSecret"].split()[1] not in text
    assert "+64210000006" not in text and "64210000006" not in text


@pytest.mark.slow
def test_console_account_comes_from_the_command_line(tmp_path: Path) -> None:
    help_text = subprocess.run(
        [str(BIN), "mock-ezitxt", "--help"], capture_output=True, check=True, text=True
    ).stdout
    assert "--console-user" in help_text and "--console-password" in help_text
    assert "--console-no-content" in help_text
    unwrapped = "".join(help_text.split())  # argparse wraps lines at hyphens
    assert DEFAULT_CONSOLE_USER in unwrapped and DEFAULT_CONSOLE_PASSWORD in unwrapped
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        str(BIN), "mock-ezitxt", "--port", str(port), "--db", ":memory:",
        "--console-user", "lead@qa.test", "--console-password", "s3cret-pass",
    ]  # fmt: skip
    log = tmp_path / "server.log"
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=out)
    try:
        with requests.Session() as http:
            deadline = time.monotonic() + START_S
            while True:
                try:
                    form = http.get(f"{base}/", timeout=1)
                    break
                except requests.ConnectionError:
                    assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                    time.sleep(0.05)
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
            assert csrf

            def sign_in(user: str, password: str) -> int:
                data = {"csrf": csrf.group(1), "username": user, "password": password}
                return http.post(f"{base}/", data=data, allow_redirects=False).status_code

            assert sign_in(DEFAULT_CONSOLE_USER, DEFAULT_CONSOLE_PASSWORD) == 401
            assert sign_in("lead@qa.test", "s3cret-pass") == 303
        assert "s3cret-pass" not in log.read_text()
    finally:
        process.kill()
        process.wait(10)
