"""The gateway down or slow: what Okta does, what admins see, and how many SMS the user gets."""

from __future__ import annotations

import time

from tests.e2e.conftest import Chain, now_iso


def test_gateway_down_okta_falls_back_and_nothing_reaches_ezitxt(chain: Chain) -> None:
    since = now_iso()
    before = chain.report_total()
    chain.ezitxt.call("fault", "PUT", "/_mock/faults", json={"status": 503}, ok=(200, 204))
    flow = chain.flow()
    assert flow["outcome"] == "HTTP_ERROR" and flow["hook"]["httpStatus"] == 503
    assert flow["fallback"] is True
    failures = chain.logs("inline_hook.executed", since)
    assert failures and failures[-1]["debugContext"]["debugData"]["httpStatus"] == "503"
    assert chain.report_total() == before


def test_gateway_process_down_okta_falls_back(chain: Chain) -> None:
    since = now_iso()
    [ezitxt] = [s for s in chain.stack.servers if s.name == "mock EZITXT"]
    assert ezitxt.stop()
    try:
        flow = chain.flow()
        assert flow["hook"]["httpStatus"] == 503 and flow["fallback"] is True
        assert chain.logs("inline_hook.executed", since)
    finally:
        ezitxt.start()
        ezitxt.wait_ready()
    assert chain.flow()["outcome"] == "SUCCESSFUL"  # and back, with its SQLite intact


def test_connection_dropped_after_sending_is_pending_not_a_second_sms(chain: Chain) -> None:
    """The connector cannot know whether a request that left was sent; EZITXT has no
    idempotency key, so it answers PENDING rather than risk Okta sending a second SMS."""
    chain.ezitxt.call("fault", "PUT", "/_mock/faults", json={"drop": True}, ok=(200, 204))
    flow = chain.flow()
    assert flow["outcome"] == "PENDING" and flow["fallback"] is False


def test_gateway_slow_past_the_budget_is_pending_with_exactly_one_sms(chain: Chain) -> None:
    msisdn = "+64215550101"
    chain.ezitxt.call(
        "fault", "PUT", "/_mock/faults",
        json={"delay": {"fixedMs": 2800}, "accept": True, "destination": msisdn}, ok=(200, 204),
    )  # fmt: skip
    started = time.monotonic()
    flow = chain.flow(phone=msisdn)
    elapsed = time.monotonic() - started
    assert flow["outcome"] == "PENDING", flow
    assert flow["fallback"] is False
    assert flow["hook"]["durationMs"] < 3000 and elapsed < 3.5
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not chain.handset(msisdn):
        time.sleep(0.05)
    time.sleep(0.5)  # room for a second SMS, if there were one
    assert len(chain.handset(msisdn)) == 1
    fallback = chain.okta_control.call(
        "fallback outbox", "GET", "/_mock/fallback/messages", params={"phoneNumber": msisdn}
    )
    assert fallback == []
