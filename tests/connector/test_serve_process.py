"""``ezitxt-okta serve`` as a real process, configured only by the environment."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.connector import payloads
from tests.connector.fakes import StandInGateway
from tests.contract import command_value, okta_answer
from tests.redis_server import RedisServer
from tests.servers import free_port, serve

CLI = str(Path(sys.executable).with_name("ezitxt-okta"))
START_TIMEOUT_S = 20.0


@pytest.fixture(scope="module")
def gateway_url() -> Iterator[str]:
    with serve(StandInGateway().app()) as url:
        yield url


def start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_healthy(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else b""
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("ezitxt-okta serve did not become healthy")


@pytest.mark.slow
def test_serve_answers_okta_and_logs_one_json_line(gateway_url: str) -> None:
    port = free_port()
    process = start({"EZITXT_HOOK_GATEWAY_URL": gateway_url}, port)
    try:
        wait_healthy(process, port)
        response = requests.post(
            f"http://127.0.0.1:{port}/okta/telephony",
            data=payloads.body(),
            headers={"Authorization": payloads.AUTHORIZATION},
            timeout=5,
        )
        assert response.status_code == 200
        assert command_value(okta_answer(response.content))["status"] == "SUCCESSFUL"
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr.decode()
    lines = [json.loads(line) for line in stdout.decode().splitlines() if line.startswith("{")]
    [hook_line] = [line for line in lines if line.get("msg") == "telephony hook"]
    assert hook_line["outcome"] == "sent" and hook_line["http_status"] == 200
    assert payloads.OTP not in stdout.decode() + stderr.decode()


@pytest.mark.slow
def test_serve_refuses_to_start_naming_the_bad_variable() -> None:
    process = start(
        {"EZITXT_HOOK_GATEWAY_URL": "ftp://nowhere", "EZITXT_HOOK_BUDGET_MS": "5000"}, free_port()
    )
    _, stderr = process.communicate(timeout=15)
    assert process.returncode == 2
    assert b"EZITXT_HOOK_GATEWAY_URL" in stderr and b"EZITXT_HOOK_BUDGET_MS" in stderr


@pytest.mark.slow
def test_velocity_counters_survive_a_restart_of_serve_with_redis(
    gateway_url: str, redis: RedisServer
) -> None:
    """Production's 5 codes a number in 15 minutes, counted in Redis: 3 before a restart of
    the process, 2 more after, and the sixth is refused: a deploy never resets the limits."""
    assert redis.command("FLUSHALL") == "+OK"
    env = {
        "EZITXT_HOOK_GATEWAY_URL": gateway_url,
        "EZITXT_HOOK_REDIS_URL": redis.url,
        "EZITXT_HOOK_STATE_SECRET": "r" * 32,
        "EZITXT_HOOK_REDIS_TIMEOUT_MS": "1000",  # a loaded machine's Redis is not down
    }
    outcomes = []
    for calls in (3, 3):
        port = free_port()
        process = start(env, port)
        try:
            wait_healthy(process, port)
            for _ in range(calls):
                response = requests.post(
                    f"http://127.0.0.1:{port}/okta/telephony",
                    data=payloads.body(phoneNumber="+64275550123"),
                    headers={"Authorization": payloads.AUTHORIZATION},
                    timeout=5,
                )
                document = okta_answer(response.content)
                outcomes.append(
                    "sent"
                    if "commands" in document
                    else document["error"]["errorCauses"][0]["reason"]
                )
        finally:
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=15)
    assert outcomes == ["sent"] * 5 + ["rate_limited_number"]
