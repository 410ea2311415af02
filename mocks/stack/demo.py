"""One demo MFA sign-in through the whole chain: Okta's flow calls the hook, the connector
sends through the gateway, the handset receives the SMS, the Mobile Report shows the message,
and the code read off the handset verifies in Okta."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from mocks.stack.clients import Api
from mocks.stack.wiring import Say

HANDSET_WAIT_S = 15.0
OTP = re.compile(r"\b(\d{4,10})\b")


@dataclass(frozen=True)
class DemoResult:
    flow: dict[str, Any]
    sms: dict[str, Any] | None
    report_row: dict[str, Any] | None
    verification: str | None


def wait_for_sms(
    ezitxt: Api, msisdn: str, message_id: str, timeout_s: float = HANDSET_WAIT_S
) -> dict[str, Any] | None:
    """The message with ``message_id`` once the handset has it, polling (bounded)."""
    deadline = time.monotonic() + timeout_s
    path = f"/_mock/handsets/{quote(msisdn, safe='')}/messages"
    while time.monotonic() < deadline:
        inbox = ezitxt.call("read handset", "GET", path)
        for message in inbox["messages"]:
            if message["id"] == message_id:
                found: dict[str, Any] = message
                return found
        time.sleep(0.1)
    return None


def report_row(ezitxt: Api, message_id: str) -> dict[str, Any] | None:
    found = ezitxt.call("Mobile Report", "GET", "/api/reports/mobile", params={"id": message_id})
    items: list[dict[str, Any]] = found["items"]
    return items[0] if items else None


def sign_in(
    ezitxt_url: str, okta_url: str, user_login: str, msisdn: str, *, say: Say
) -> DemoResult:
    ezitxt, okta = Api(ezitxt_url), Api(okta_url)
    try:
        say(f"Demo: MFA sign-in of {user_login}, code by SMS")
        flow = okta.call(
            "start flow", "POST", "/_mock/flows",
            json={"user": user_login, "requestType": "mfa-verification", "channel": "SMS"},
        )  # fmt: skip
        hook = flow.get("hook") or {}
        say(
            f"  Okta saw the hook answer: HTTP {hook.get('httpStatus')} {hook.get('status')} "
            f"transactionId={hook.get('transactionId')} in {hook.get('durationMs')} ms "
            f"(outcome {flow['outcome']}, fallback {flow['fallback']})"
        )
        message_id = hook.get("transactionId")
        if not message_id:
            say("  no message id came back: nothing to follow on the handset")
            return DemoResult(flow, None, None, None)
        sms = wait_for_sms(ezitxt, msisdn, message_id)
        if sms is None:
            say(f"  the handset did not receive message {message_id} in {HANDSET_WAIT_S:g} s")
            return DemoResult(flow, None, None, None)
        say(f'  handset {msisdn[:-3]}*** received: "{sms["content"]}" at {sms["receivedAt"]}')
        row = report_row(ezitxt, message_id)
        if row:
            say(
                "  Mobile Report: "
                + ", ".join(f"{k}={row[k]}" for k in ("messageId", "dateTime", "application",
                    "class", "destination", "status", "units", "characterSet"))
            )  # fmt: skip
        code = OTP.search(sms["content"])
        verification = None
        if code:
            verified = okta.call(
                "verify", "POST", f"/_mock/flows/{flow['id']}/verify", json={"otp": code.group(1)}
            )
            verification = verified["result"]
            say(f"  the code from the handset verifies in Okta: {verification}")
        return DemoResult(flow, sms, row, verification)
    finally:
        ezitxt.close()
        okta.close()
