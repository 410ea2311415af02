"""Okta's limits (one challenge per number, hooks in flight, the fallback's own limit) and the
transport rules of the hook call: TLS trust, the real 3-second timeout, secrets kept out of logs."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from typing import Any

import pytest
import requests

from tests.mocks.okta.conftest import AUTH_VALUE, FakeHook, running_org


def test_hooks_in_flight_limit_answers_429(ca_file: str, fake_hook: FakeHook) -> None:
    fake_hook.reset()
    with running_org(ca_file, max_hooks_in_flight=1, hook_timeout_s=5.0) as org:
        hook = org.create_hook(f"{fake_hook.url}/gated")
        first_user = org.create_user()
        second_user = org.create_user("bo@example.com", "+64219876543")
        results: dict[str, Any] = {}
        worker = threading.Thread(target=lambda: results.update(r=org.flow(first_user)))
        worker.start()
        try:
            assert fake_hook.entered.wait(5), "the gated hook was never called"
            blocked = org.flow(second_user)
            assert blocked.status_code == 429
            body = blocked.json()
            assert body["errorCode"] == "E0000047"
            assert blocked.headers["X-Rate-Limit-Limit"] == "1"
            assert blocked.headers["X-Rate-Limit-Remaining"] == "0"
            execute = org.api("POST", f"/api/v1/inlineHooks/{hook['id']}/execute", json={})
            assert execute.status_code == 429
        finally:
            fake_hook.gate.set()
            worker.join(10)
        assert results["r"].json()["outcome"] == "SUCCESSFUL"
        # The refused flow did not use up the number's challenge.
        assert org.flow(second_user).json()["outcome"] == "SUCCESSFUL"
    fake_hook.reset()


def test_fallback_provider_is_rate_limited(ca_file: str, fake_hook: FakeHook) -> None:
    with running_org(ca_file, fallback_limit=2, fallback_window_s=60) as org:
        org.create_hook(f"{fake_hook.url}/server-error")
        flows = []
        for i in range(3):
            user = org.create_user(f"u{i}@example.com", f"+6421000{i:04d}")
            flows.append(org.flow(user).json())
        assert [f["delivery"]["sent"] for f in flows] == [True, True, False]
        assert all(f["fallback"] for f in flows)
        sends = [e for e in org.logs(filter='eventType eq "system.sms.send_factor_verify_message"')]
        assert [e["outcome"]["result"] for e in sends] == ["SUCCESS", "SUCCESS", "DENY"]
        assert len(org.api("GET", "/_mock/fallback/messages").json()) == 2
        org.clock.advance(60)
        user = org.create_user("late@example.com", "+64210009999")
        assert org.flow(user).json()["delivery"]["sent"] is True


def test_untrusted_certificate_is_unreachable(fake_hook: FakeHook) -> None:
    with running_org(None) as org:
        org.create_hook(f"{fake_hook.url}/successful")
        flow = org.flow(org.create_user()).json()
        assert flow["outcome"] == "UNREACHABLE"
        assert flow["hook"]["errorSummary"].startswith("TLS failure")
        assert flow["fallback"] is True and flow["delivery"]["sent"] is True


@pytest.mark.slow
def test_okta_waits_three_seconds(ca_file: str, fake_hook: FakeHook) -> None:
    with running_org(ca_file, hook_timeout_s=3.0) as org:
        org.create_hook(f"{fake_hook.url}/slow?s=3.4")
        started = time.monotonic()
        flow = org.flow(org.create_user()).json()
        assert time.monotonic() - started < 3.4
        assert flow["outcome"] == "TIMEOUT" and flow["fallback"] is True
        assert 2900 <= flow["hook"]["durationMs"] < 3400
        (executed,) = org.logs(filter='eventType eq "inline_hook.executed"')
        assert executed["outcome"] == {"result": "FAILURE", "reason": "No answer within 3 s"}


def test_logs_hold_no_secrets(
    ca_file: str, fake_hook: FakeHook, caplog: pytest.LogCaptureFixture
) -> None:
    fake_hook.reset()
    caplog.set_level(logging.DEBUG)
    with running_org(ca_file) as org:
        org.create_hook(f"{fake_hook.url}/successful")
        user = org.create_user()
        org.flow(user)
        org.clock.advance(30)
        hook_id = org.api("GET", "/api/v1/inlineHooks").json()[0]["id"]
        change = {"channel": {"config": {"uri": f"{fake_hook.url}/error"}}}
        assert org.api("POST", f"/api/v1/inlineHooks/{hook_id}", json=change).ok
        assert org.flow(user, channel="voice call").json()["outcome"] == "ERROR"
        system_log = json.dumps(org.logs())
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert text.count("flow id=") == 2
    assert "+********567" in text
    secrets = [AUTH_VALUE, "+64211234567", "64211234567"]
    for call in fake_hook.received:
        message = json.loads(call["body"])["data"]["messageProfile"]
        secrets += [message["otpCode"], message["msgTemplate"]]
    for secret in secrets:
        # Standalone only: a 6-digit code may occur by chance inside a random id.
        pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])")
        assert not pattern.search(text), secret
        assert not pattern.search(system_log), secret
    fake_hook.reset()


def test_server_refuses_without_token(ca_file: str) -> None:
    with running_org(ca_file) as org:
        response = requests.get(f"{org.url}/api/v1/inlineHooks", timeout=10)
        assert response.status_code == 401
