"""Metrics under ``ezitxt-okta serve --workers 2`` (prometheus-client's multiprocess mode), on a
port of their own, and the rules file checked by Prometheus' own ``promtool``."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.connector import payloads
from tests.connector.fakes import StandInGateway
from tests.connector.test_metrics import parse, value
from tests.contract import okta_answer
from tests.servers import free_port, serve

CLI = str(Path(sys.executable).with_name("ezitxt-okta"))
DEPLOY = Path(__file__).resolve().parents[2] / "connector" / "deploy"
START_TIMEOUT_S = 30.0
CALLS = 40


@pytest.fixture(scope="module")
def gateway_url() -> Iterator[str]:
    with serve(StandInGateway().app()) as url:
        yield url


def wait_ready(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else b""
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


SERVE = [CLI, "serve", "--host", "127.0.0.1"]


def process_files(folder: str, *, at_least: int) -> set[str]:
    """The processes with files in the multiprocess folder (``counter_<pid>.db`` ...), waited
    for: a worker makes its files when it imports the metrics, and on a loaded machine the
    second worker may still be starting when the first has answered every call."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        found = {Path(name).name.rsplit("_", 1)[-1] for name in os.listdir(folder)}
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@pytest.mark.slow
def test_two_workers_are_summed_on_the_metrics_port_and_the_folder_is_removed(
    gateway_url: str,
) -> None:
    port, metrics_port = free_port(), free_port()
    tmp = tempfile.mkdtemp(prefix="metrics-test-")
    env = {
        **os.environ,
        "EZITXT_HOOK_GATEWAY_URL": gateway_url,
        "EZITXT_HOOK_METRICS_PORT": str(metrics_port),
        **payloads.VELOCITY_OFF_ENV,  # many codes to one number: not what is tested here
        "TMPDIR": tmp,  # where serve makes its multiprocess folder
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = subprocess.Popen(
        # No Redis here: each worker de-duplicating alone is fine for counting metrics.
        [*SERVE, "--port", str(port), "--workers", "2", "--allow-unshared-state"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
    try:
        wait_ready(process, f"http://127.0.0.1:{port}/healthz")
        wait_ready(process, metrics_url)
        [folder] = glob.glob(os.path.join(tmp, "ezitxt-okta-metrics-*"))
        before = parse(requests.get(metrics_url, timeout=5).text)
        for _ in range(CALLS):
            # A new connection each call, so that both workers take some.
            response = requests.post(
                f"http://127.0.0.1:{port}/okta/telephony",
                data=payloads.body(),
                headers={"Authorization": payloads.AUTHORIZATION, "Connection": "close"},
                timeout=5,
            )
            assert response.status_code == 200
        after = parse(requests.get(metrics_url, timeout=5).text)
        hook_port = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        workers_files = process_files(folder, at_least=3)
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
        leftover = glob.glob(os.path.join(tmp, "ezitxt-okta-metrics-*"))
        shutil.rmtree(tmp, ignore_errors=True)
    assert process.returncode == 0, stderr.decode()
    sent = {"outcome": "sent", "request_type": "mfa-verification", "country": "NZ"}
    name = "ezitxt_hook_calls_total"
    assert value(after, name, **sent) - value(before, name, **sent) == CALLS
    gateway = {"status": "202", "result": "accepted"}
    assert (
        value(after, "ezitxt_gateway_calls_total", **gateway)
        - value(before, "ezitxt_gateway_calls_total", **gateway)
        == CALLS
    )
    # Each process keeps its own files (counter_<pid>.db ...): the workers and the supervisor.
    assert len(workers_files) >= 3, workers_files
    assert hook_port.status_code == 404
    okta_answer(hook_port.content)
    assert leftover == []  # the folder does not outlive its server


def promtool() -> str:
    found = shutil.which("promtool") or (
        "/usr/bin/promtool" if os.path.exists("/usr/bin/promtool") else None
    )
    if found is None:
        pytest.fail("promtool missing: `make test` installs Debian's prometheus package")
    return found


def test_the_alert_rules_pass_promtool_check() -> None:
    result = subprocess.run(
        [promtool(), "check", "rules", str(DEPLOY / "prometheus-rules.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 6 rules found" in result.stdout + result.stderr


def test_the_alert_rules_fire_on_synthetic_series_as_their_unit_tests_say() -> None:
    result = subprocess.run(
        [promtool(), "test", "rules", "prometheus-rules.test.yml"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=DEPLOY,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def test_the_alert_rules_name_only_metrics_the_connector_exports() -> None:
    import re

    from connector import metrics

    exported = {
        sample_name
        for metric in metrics.REGISTRY.collect()
        for sample_name in (
            metric.name,
            metric.name + "_total",
            metric.name + "_bucket",
            metric.name + "_count",
            metric.name + "_sum",
        )
    }
    rules = (DEPLOY / "prometheus-rules.yml").read_text(encoding="utf-8")
    named = set(re.findall(r"\b(ezitxt_[a-z_]+)\b", rules))
    assert named and named <= exported, named - exported
