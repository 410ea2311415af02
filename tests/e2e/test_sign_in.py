"""Each request type over SMS through the whole chain, and voice (which EZITXT does not offer)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import Chain, now_iso

OTP = re.compile(r"\b(\d{6})\b")


@pytest.mark.parametrize(
    "request_type", ["mfa-verification", "pre-enrollment", "account-unlock", "password-reset"]
)
def test_sms_sign_in_through_the_whole_chain(chain: Chain, request_type: str) -> None:
    msisdn = chain.wiring.user["profile"]["mobilePhone"]
    flow = chain.flow(requestType=request_type)
    assert flow["outcome"] == "SUCCESSFUL", flow
    assert flow["fallback"] is False
    assert flow["hook"]["httpStatus"] == 200 and flow["hook"]["durationMs"] < 3000
    message_id = flow["hook"]["transactionId"]

    sms = chain.wait_sms(msisdn, message_id)
    [row] = chain.report(id=message_id)["items"]
    assert row["messageId"] == message_id
    assert row["application"] == chain.wiring.application
    assert row["destination"] == msisdn and row["class"] == "MT"
    assert row["status"] == "received"

    code = OTP.search(sms["content"])
    assert code, "the SMS carries a 6-digit code"
    chain.seen.add(code.group(1))
    verified = chain.okta_control.call(
        "verify", "POST", f"/_mock/flows/{flow['id']}/verify", json={"otp": code.group(1)}
    )
    assert verified["result"] == "SUCCESS"


def test_a_wrong_code_does_not_verify(chain: Chain) -> None:
    flow = chain.flow()
    chain.wait_sms(chain.wiring.user["profile"]["mobilePhone"], flow["hook"]["transactionId"])
    verified = chain.okta_control.call(
        "verify", "POST", f"/_mock/flows/{flow['id']}/verify", json={"otp": "000000"}
    )
    assert verified["result"] == "INVALID"


def test_voice_is_refused_clearly_and_okta_falls_back(chain: Chain) -> None:
    since = now_iso()
    before = chain.report_total()
    flow = chain.flow(channel="voice call")
    assert flow["outcome"] == "ERROR"
    assert flow["fallback"] is True
    assert "Voice calls are not available" in flow["endUserMessage"]
    assert chain.report_total() == before  # nothing went to EZITXT

    [sent] = chain.logs("system.voice.send_mfa_challenge_call", since)
    debug = sent["debugContext"]["debugData"]
    assert debug["is_call_hook_failover"] == "true"
    assert "Voice calls are not available" in debug["hook_error_message"]
    assert debug["phone_number"].endswith("567") and "211234" not in debug["phone_number"]
    processed = chain.logs("inline_hook.response.processed", since)
    assert processed and processed[-1]["outcome"]["result"] == "FAILURE"
