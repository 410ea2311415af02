"""Logs never carry message content, an OTP, a credential, a password or a full phone number."""

from __future__ import annotations

import logging

import pytest

from .conftest import APP, Gateway
from .test_lifecycle import Receiver, receiving

NUMBER = "+64211239876"
OTP = "731904"
CONTENT = f"Your code is {OTP}"


def test_exercising_the_gateway_logs_no_secrets(
    gw: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with receiving(gw, Receiver(failures=2)) as receiver:
        message_id = gw.accepted(destination=NUMBER, content=CONTENT, reference="evt-secret-ref")
        gw.wait(message_id)
        receiver.wait(3)
    gw.send(destination=NUMBER, content=CONTENT * 200)  # too long
    gw.http.post(
        f"{gw.base}/rest/sms/v2/messages",
        json={"destination": NUMBER, "content": CONTENT},
        headers={"Authorization": gw.secret + "x"},
    )
    gw.http.put(f"{gw.base}/_mock/faults", json={"status": 503, "destination": NUMBER})
    gw.send(destination=NUMBER, content=CONTENT)
    gw.http.put(f"{gw.base}/_mock/faults", json={"drop": True, "accept": True})
    try:
        gw.send(destination=NUMBER, content=CONTENT)
    except Exception:
        pass
    gw.http.delete(f"{gw.base}/_mock/faults")
    gw.http.get(f"{gw.base}/_mock/handsets/{NUMBER}/messages")
    gw.http.post(f"{gw.base}/api/applications/{APP}/password")

    # The server's records only: the test's own HTTP client (urllib3) logs the URLs it calls.
    server = [r for r in caplog.records if not r.name.startswith("urllib3")]
    text = "\n".join([r.getMessage() for r in server] + [str(r.args) for r in server])
    assert any(r.name.startswith("mocks.ezitxt") for r in server), (
        "expected the mock to log something at debug level"
    )
    for secret in (OTP, CONTENT, gw.password, gw.secret.split()[1], NUMBER, NUMBER[1:]):
        assert secret not in text, secret
