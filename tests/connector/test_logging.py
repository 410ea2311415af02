"""One structured line per hook call, and never a secret in it: a run through every outcome is
captured from every logger in the process and searched for each secret."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
from collections.abc import Iterator

import pytest
import requests

from connector.app import create_app
from connector.logs import CallLog, JsonFormatter
from connector.settings import load_settings
from tests.connector import payloads
from tests.connector.fakes import StandInGateway
from tests.servers import serve

# Numbers in the forms Okta and admins use; none may appear whole in a log.
NUMBERS = ["+64211234567", "021 123 4567", "+61412345678", "9876543210"]
LIMITED = "+64221239876"  # a number of its own for the velocity limit's refusal


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[Capture]:
    handler = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def run_every_outcome(url: str, stand_in: StandInGateway) -> None:
    def post(body: bytes, authorization: str = payloads.AUTHORIZATION) -> None:
        requests.post(url, data=body, headers={"Authorization": authorization}, timeout=5)

    for number in NUMBERS:
        post(payloads.body(phoneNumber=number))  # sent, or unusable number
    post(payloads.body(deliveryChannel="voice call"))
    post(payloads.body(phoneNumber="+16502530000"))  # blocked by policy
    post(payloads.body(phoneNumber="+64900012345"))  # a premium-rate number: its type refused
    for n in range(6):  # production's 5 a number in 15 minutes, then rate limited
        document = payloads.request(phoneNumber=LIMITED)
        document["data"]["userProfile"]["userId"] = f"00ulimited{n}"  # not the others' user
        post(json.dumps(document).encode())
    post(payloads.body(), authorization="")
    post(payloads.body(), authorization="Basic " + base64.b64encode(b"broken").decode())
    post(b"{not json " + payloads.MESSAGE.encode())
    document = payloads.request(otpCode=[123456], phoneNumber=[64211234567])
    post(json.dumps(document).encode())  # schema failure carrying the secrets as numbers
    post(payloads.body(otpCode=482915, phoneNumber=64211234567))  # sent: integers are accepted
    post(json.dumps({**payloads.request(), "pad": "x" * 5000}).encode())  # too large
    for status, body in [(401, {}), (400, {"message": "bad destination"}), (500, {})]:
        stand_in.status, stand_in.body = status, body
        post(payloads.body())
    stand_in.status, stand_in.body, stand_in.delay_s = 202, None, 2.0
    post(payloads.body())  # pending
    stand_in.reset()


def test_log_has_one_complete_line_per_call_and_no_secret(captured: Capture) -> None:
    stand_in = StandInGateway()
    with serve(stand_in.app()) as gateway_url:
        settings = load_settings(
            {},
            gateway_url=gateway_url,
            budget_ms=600,
            max_body_bytes=4096,
            allowed_regions="NZ,AU",
        )
        calls = io.BytesIO()
        with serve(create_app(settings, call_log=CallLog("json", stream=calls))) as url:
            run_every_outcome(url + "/okta/telephony", stand_in)

    call_lines = calls.getvalue().decode().splitlines()
    text = "\n".join(captured.lines + call_lines)
    hook_lines = [json.loads(line) for line in call_lines]
    outcomes = {line["outcome"] for line in hook_lines}
    assert outcomes >= {
        "sent",
        "unusable_number",
        "voice_not_offered",
        "blocked_by_policy",
        "number_type_refused",
        "rate_limited_number",
        "missing_credential",
        "malformed_credential",
        "bad_json",
        "schema_invalid",
        "too_large",
        "credential_rejected_by_gateway",
        "rejected_by_gateway",
        "gateway_unavailable",
        "pending",
    }
    assert len(hook_lines) == 23  # one per call made above
    limited = next(line for line in hook_lines if line["outcome"] == "rate_limited_number")
    assert limited["prefix"] == "+6422123" and limited["number"] == "***876"
    refused_type = next(line for line in hook_lines if line["outcome"] == "number_type_refused")
    assert refused_type["number_type"] == "premium_rate"
    sent = next(line for line in hook_lines if line["outcome"] == "sent")
    for key in ("event_id", "okta_request_id", "request_type", "channel", "country", "number"):
        assert sent[key], key
    assert sent["number"] == "***567"
    assert sent["message_id"] and sent["gateway_status"] == 202
    assert isinstance(sent["duration_ms"], float) and sent["http_status"] == 200

    token = payloads.AUTHORIZATION.split()[1]
    secrets = [payloads.OTP, "123456", payloads.MESSAGE, token, payloads.PASSWORD, "broken"]
    secrets += [number for number in NUMBERS] + ["64211234567", "211234567", "412345678"]
    secrets += [LIMITED, LIMITED[1:], "221239876", "900012345"]
    for secret in secrets:
        assert secret not in text, f"log holds {secret!r}"


def test_call_log_writes_whole_lines_to_stdout_at_the_end_of_the_loop_turn(
    capfd: pytest.CaptureFixture[str],
) -> None:
    call_log = CallLog("json")

    async def main() -> str:
        for n in range(300):
            call_log.write({"event_id": f"e{n}", "outcome": "sent", "pad": "x" * 40})
        before = capfd.readouterr().out  # nothing yet: the turn has not ended
        await asyncio.sleep(0)
        return before

    assert asyncio.run(main()) == ""
    lines = capfd.readouterr().out.splitlines()
    assert [json.loads(line)["event_id"] for line in lines] == [f"e{n}" for n in range(300)]


def test_call_log_pretty_format() -> None:
    stream = io.BytesIO()
    CallLog("pretty", stream=stream).write({"event_id": "e1", "outcome": "sent", "none": None})
    line = stream.getvalue().decode()
    assert "telephony hook event_id=e1 outcome=sent" in line and "none" not in line


def test_a_json_call_line_is_the_time_the_fixed_keys_and_the_fields_in_that_order() -> None:
    stream = io.BytesIO()
    log = CallLog("json", stream=stream)
    log.write({"event_id": "e1", "outcome": "sent", "http_status": 200, "duration_ms": 1.5})
    log.write({})
    first, empty = (json.loads(line) for line in stream.getvalue().splitlines())
    assert list(first) == [
        "ts", "level", "logger", "msg", "event_id", "outcome", "http_status", "duration_ms",
    ]  # fmt: skip
    assert first["level"] == "info" and first["msg"] == "telephony hook"
    assert first["event_id"] == "e1" and first["duration_ms"] == 1.5
    assert list(empty) == ["ts", "level", "logger", "msg"]


@pytest.mark.parametrize(
    ("created", "text"),
    [
        (1765056600.0, "2025-12-06T21:30:00.000Z"),
        (1765056600.0004, "2025-12-06T21:30:00.000Z"),
        (1765056600.0011, "2025-12-06T21:30:00.001Z"),
        (1765056600.999, "2025-12-06T21:30:00.999Z"),
        (1765056601.25, "2025-12-06T21:30:01.250Z"),
        (1765056600.5, "2025-12-06T21:30:00.500Z"),  # back in time: formatted afresh
    ],
)
def test_timestamps_are_right_in_the_same_millisecond_and_across_seconds(
    created: float, text: str
) -> None:
    formatter = JsonFormatter()
    # The same formatter first sees other times, so that its kept texts are in play.
    for earlier in (1765056600.0, 1765056600.0004, 1765056601.25, created):
        formatter.timestamp(earlier)
    assert formatter.timestamp(created) == text
    assert JsonFormatter().timestamp(created) == text


def test_call_fields_never_name_the_keys_the_line_puts_first() -> None:
    # CallLog splices ts, level, logger and msg in front of the fields' own dump: a field of
    # the same name would make a duplicate key.
    import time

    from connector.call_fields import call_fields
    from connector.hook import HookCall, TelephonyHook
    from connector.validation import RequestValidator
    from tests.connector.fakes import FakeGateway

    hook = TelephonyHook(
        load_settings({}, gateway_url="http://127.0.0.1:9"), FakeGateway(), RequestValidator()
    )
    calls = [
        HookCall((payloads.AUTHORIZATION,), payloads.body(), time.monotonic()),
        HookCall((), payloads.body(), time.monotonic()),
        HookCall((payloads.AUTHORIZATION,), b"{", time.monotonic()),
        HookCall((payloads.AUTHORIZATION,), payloads.body(deliveryChannel="voice"), 0.0),
    ]
    for call in calls:
        fields = call_fields(asyncio.run(hook.handle(call)), duration_ms=1.0)
        assert fields.keys().isdisjoint({"ts", "level", "logger", "msg"}), fields
