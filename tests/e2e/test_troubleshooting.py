"""The setup guide's troubleshooting list: each cause produces what the guide tells an admin to
look for."""

from __future__ import annotations

import time
from dataclasses import replace

from mocks.stack.wiring import generate_password
from tests.e2e.conftest import Chain, now_iso


def assert_rejected_by_hook_with_401(chain: Chain, since: str) -> None:
    flow = chain.flow()
    assert flow["outcome"] == "HTTP_ERROR", flow
    assert flow["hook"]["httpStatus"] == 401
    assert flow["fallback"] is True
    assert flow["delivery"]["via"] == "OKTA_FALLBACK"
    failures = chain.logs("inline_hook.executed", since)
    assert failures and failures[-1]["outcome"]["result"] == "FAILURE"
    assert failures[-1]["debugContext"]["debugData"]["httpStatus"] == "401"
    [sent] = chain.logs("system.sms.send_factor_verify_message", since)[-1:]
    assert sent["debugContext"]["debugData"]["is_sms_hook_failover"] == "true"


def test_secret_copied_wrongly(chain: Chain) -> None:
    since = now_iso()
    before = chain.report_total()
    chain.set_hook_secret(chain.wiring.auth_secret[:-4] + "AAA=")
    try:
        assert_rejected_by_hook_with_401(chain, since)
        assert chain.report_total() == before
    finally:
        chain.set_hook_secret(chain.wiring.auth_secret)
    assert chain.flow()["outcome"] == "SUCCESSFUL"


def test_new_password_in_ezitxt_not_in_okta_until_the_secret_is_updated(chain: Chain) -> None:
    assert chain.flow()["outcome"] == "SUCCESSFUL"  # works up to the moment of rotation
    rotated_at = now_iso()
    values = generate_password(chain.ezitxt, chain.wiring.application)
    try:
        assert_rejected_by_hook_with_401(chain, rotated_at)
    finally:
        # The fix the guide gives: paste the new secret into Okta's hook.
        chain.set_hook_secret(values["authenticationSecret"])
        chain.wiring = replace(chain.wiring, auth_secret=values["authenticationSecret"])
    fixed = chain.flow()
    assert fixed["outcome"] == "SUCCESSFUL" and fixed["fallback"] is False


def test_wrongly_formatted_phone_number(chain: Chain) -> None:
    before = chain.report_total()
    flow = chain.flow(phone="+64 21 12")
    assert flow["outcome"] == "ERROR"
    assert "phone number" in flow["endUserMessage"].lower()
    assert "21 12" not in flow["endUserMessage"]
    assert chain.report_total() == before  # nothing sent


def test_handset_or_carrier_blocking_sms(chain: Chain) -> None:
    rejecting = "+64210000001"  # mock EZITXT's test number that the carrier rejects
    flow = chain.flow(phone=rejecting)
    assert flow["outcome"] == "SUCCESSFUL"  # the gateway accepted it: Okta is content
    message_id = flow["hook"]["transactionId"]
    deadline = time.monotonic() + 10
    status = None
    while time.monotonic() < deadline:
        [row] = chain.report(id=message_id)["items"]
        status = row["status"]
        if status == "rejected":
            break
        time.sleep(0.05)
    assert status == "rejected"  # what the admin finds in the Mobile Report
    assert chain.handset(rejecting) == []
