"""Settings of the shared state, ``serve --workers N`` without it, and ``/readyz``'s report."""

from __future__ import annotations

import logging
import os
import subprocess
import time
from pathlib import Path

import pytest
import requests

from connector.app import create_app
from connector.serve_cli import unshared_state_refusal
from connector.settings import SettingsError, load_settings
from connector.shared_state import SharedStateWiring
from tests.connector.fakes import FakeGateway
from tests.connector.test_serve_process import CLI
from tests.redis_server import RedisServer
from tests.servers import free_port, serve

GATEWAY = "http://127.0.0.1:9"
SECRET = "0123456789abcdef0123456789abcdef"


def test_redis_without_a_state_secret_refuses_naming_both_variables() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"EZITXT_HOOK_GATEWAY_URL": GATEWAY, "EZITXT_HOOK_REDIS_URL": "redis://h"})
    assert "EZITXT_HOOK_REDIS_URL" in str(caught.value)
    assert "EZITXT_HOOK_STATE_SECRET" in str(caught.value)


@pytest.mark.parametrize(
    "url", ["http://:hunter2@h:6379", "memcached://h", "hunter2", "redis+sentinel://h"]
)
def test_only_redis_urls_are_accepted_and_never_quoted(url: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({}, gateway_url=GATEWAY, redis_url=url, state_secret=SECRET)
    assert "EZITXT_HOOK_REDIS_URL" in str(caught.value) and "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    "url", ["redis://:pw@127.0.0.1:6379/2", "rediss://user:pw@redis.example:6380/0", "unix:///r.s"]
)
def test_redis_tls_and_unix_socket_urls_are_accepted(url: str) -> None:
    settings = load_settings({}, gateway_url=GATEWAY, redis_url=url, state_secret=SECRET)
    assert settings.redis_url == url
    assert "pw" not in repr(settings.state_secret) and SECRET not in repr(settings)


def test_a_short_state_secret_is_refused() -> None:
    with pytest.raises(SettingsError, match="at least 32 characters"):
        load_settings({}, gateway_url=GATEWAY, redis_url="redis://h", state_secret="short")


def test_the_state_secret_can_come_from_a_file_and_keys_every_replica_alike(
    tmp_path: Path,
) -> None:
    secret_file = tmp_path / "state-secret"
    secret_file.write_text(SECRET + "\n")
    env = {
        "EZITXT_HOOK_GATEWAY_URL": GATEWAY,
        "EZITXT_HOOK_REDIS_URL": "redis://127.0.0.1:1",
        "EZITXT_HOOK_STATE_SECRET_FILE": str(secret_file),
    }
    from_file = SharedStateWiring.from_settings(load_settings(env))
    direct = SharedStateWiring.from_settings(
        load_settings({}, gateway_url=GATEWAY, redis_url="redis://h", state_secret=SECRET)
    )
    other = SharedStateWiring.from_settings(
        load_settings({}, gateway_url=GATEWAY, redis_url="redis://h", state_secret="o" * 32)
    )
    assert from_file is not None and direct is not None and other is not None
    same = from_file.fingerprints.event_key("app", "evt-1")
    assert same == direct.fingerprints.event_key("app", "evt-1")
    assert same != other.fingerprints.event_key("app", "evt-1")
    with pytest.raises(SettingsError, match="not both"):
        load_settings({**env, "EZITXT_HOOK_STATE_SECRET": SECRET})


def test_without_redis_the_state_stays_in_process_memory() -> None:
    assert SharedStateWiring.from_settings(load_settings({}, gateway_url=GATEWAY)) is None


def test_several_workers_without_redis_refuse_unless_allowed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    refusal = unshared_state_refusal(2, None, allowed=False)
    assert refusal is not None and "EZITXT_HOOK_REDIS_URL" in refusal
    assert unshared_state_refusal(1, None, allowed=False) is None
    assert unshared_state_refusal(4, "redis://h", allowed=False) is None
    with caplog.at_level(logging.WARNING, logger="ezitxt.connector"):
        assert unshared_state_refusal(2, None, allowed=True) is None
    (warning,) = [r for r in caplog.records if r.getMessage() == "unshared_state"]
    assert warning.levelno == logging.WARNING


@pytest.mark.slow
def test_serve_with_two_workers_and_no_redis_exits_naming_the_variable() -> None:
    process = subprocess.run(
        [CLI, "serve", "--port", str(free_port()), "--workers", "2"],
        env={**os.environ, "EZITXT_HOOK_GATEWAY_URL": GATEWAY},
        capture_output=True,
        timeout=30,
    )
    assert process.returncode == 2
    assert b"EZITXT_HOOK_REDIS_URL" in process.stderr
    assert b"--allow-unshared-state" in process.stderr


def test_readyz_reports_redis_and_stays_ready_without_it(tmp_path: Path) -> None:
    """Ready either way: without Redis each replica still answers (fails open), and a balancer
    taking every replica out at once would be a full outage."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        settings = load_settings({}, gateway_url=GATEWAY, redis_url=server.url, state_secret=SECRET)
        with serve(create_app(settings, gateway=FakeGateway())) as url:
            up = requests.get(url + "/readyz", timeout=5)
            server.stop()
            time.sleep(2.1)  # past the readiness cache
            down = requests.get(url + "/readyz", timeout=5)
    finally:
        server.stop()
    assert up.status_code == 200 and up.json()["state"] == "redis_up"
    assert down.status_code == 200 and down.json()["state"] == "redis_unavailable"
    memory = load_settings({}, gateway_url=GATEWAY)
    with serve(create_app(memory, gateway=FakeGateway())) as url:
        assert requests.get(url + "/readyz", timeout=5).json()["state"] == "process_memory"
