"""The hook's two promises under attack, over real sockets: an answer inside the budget, and never
two SMS for one Okta event (issue 9, items 3, 4 and 8). Each test reproduces a defect hostile
testing found; every call is bounded by the budget and a client timeout."""

from __future__ import annotations

import base64
import http.client
import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from connector.app import create_app
from connector.gateway import GatewayReceipt, OutboundSms
from connector.logs import CallLog
from connector.settings import load_settings
from tests.connector import payloads
from tests.connector.fakes import StandInGateway
from tests.contract import command_value, okta_answer
from tests.servers import serve

OTHER_PASSWORD = "Basic " + base64.b64encode(f"{payloads.APPLICATION}:rotated-pw".encode()).decode()


@dataclass
class DeafGateway:
    """Ignores ``timeout_s``: it takes ``delay_s`` whatever budget it is given, as a gateway
    client with a broken timeout would. Only the hook's own deadline can end such a call."""

    delay_s: float = 2.0
    calls: list[OutboundSms] = field(default_factory=list)

    async def send(
        self, sms: OutboundSms, *, authorization: str, timeout_s: float
    ) -> GatewayReceipt:
        import asyncio

        self.calls.append(sms)
        await asyncio.sleep(self.delay_s)
        return GatewayReceipt(http_status=202, message_id=f"late-{len(self.calls)}")

    async def ping(self, *, timeout_s: float) -> bool:
        return True


def post(url: str, body: bytes, authorization: str = payloads.AUTHORIZATION) -> requests.Response:
    headers = {"Authorization": authorization, "Content-Type": "application/json"}
    return requests.post(url, data=body, headers=headers, timeout=5)


def test_a_call_cut_by_the_budget_while_sending_is_remembered_as_maybe_sent() -> None:
    """Before: both calls PENDING and two sends, as the store was settled with 'sent nothing'."""
    gateway = DeafGateway()
    settings = load_settings(
        {}, gateway_url="http://127.0.0.1:9", budget_ms=300, **payloads.VELOCITY_OFF
    )
    body = payloads.body()
    with serve(create_app(settings, gateway=gateway)) as url:
        started = time.monotonic()
        first = post(url + "/okta/telephony", body)
        second = post(url + "/okta/telephony", body)
        elapsed = time.monotonic() - started
    for response in (first, second):
        assert response.status_code == 200
        assert command_value(okta_answer(response.content))["status"] == "PENDING"
    assert len(gateway.calls) == 1
    assert elapsed < 2.0  # both inside their budget, not the deaf gateway's 2 s


@pytest.fixture(scope="module")
def stand_in() -> Iterator[tuple[StandInGateway, str]]:
    gateway = StandInGateway()
    with serve(gateway.app()) as url:
        yield gateway, url


@dataclass
class Hook:
    url: str
    lines: io.BytesIO

    def log(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines.getvalue().splitlines()]


@pytest.fixture(scope="module")
def hook(stand_in: tuple[StandInGateway, str]) -> Iterator[Hook]:
    settings = load_settings({}, gateway_url=stand_in[1], budget_ms=800, **payloads.VELOCITY_OFF)
    lines = io.BytesIO()
    with serve(create_app(settings, call_log=CallLog("json", stream=lines))) as url:
        yield Hook(url + "/okta/telephony", lines)


@pytest.fixture(autouse=True)
def reset(stand_in: tuple[StandInGateway, str]) -> None:
    stand_in[0].reset()


def test_the_same_credential_and_message_is_replayed_without_a_second_send(
    hook: Hook, stand_in: tuple[StandInGateway, str]
) -> None:
    body = payloads.body()
    first, second = post(hook.url, body), post(hook.url, body)
    assert first.content == second.content
    assert command_value(okta_answer(second.content))["status"] == "SUCCESSFUL"
    assert len(stand_in[0].received) == 1
    assert hook.log()[-1]["outcome"] == "replayed"


def test_another_password_for_a_recent_event_is_checked_by_the_gateway(
    hook: Hook, stand_in: tuple[StandInGateway, str]
) -> None:
    """Before: the old password's answer came back, 200 SUCCESSFUL, the gateway never asked."""
    body = payloads.body()
    assert post(hook.url, body).status_code == 200
    stand_in[0].status = 401  # the gateway does not know this password
    stand_in[0].body = {"message": "Unauthorised", "statusCode": 401, "error": "unauthorised"}
    refused = post(hook.url, body, OTHER_PASSWORD)
    assert refused.status_code == 401
    assert [r["authorization"] for r in stand_in[0].received] == [
        payloads.AUTHORIZATION,
        OTHER_PASSWORD,
    ]
    stand_in[0].reset()
    # The first credential still gets its own answer back, without a send.
    assert command_value(okta_answer(post(hook.url, body).content))["status"] == "SUCCESSFUL"
    assert stand_in[0].received == []


@pytest.mark.parametrize(
    "change",
    [
        {"phoneNumber": "+64219876543"},
        {"msgTemplate": "Your verification code is 777111", "otpCode": "777111"},
    ],
    ids=["another-number", "another-code"],
)
def test_the_same_event_id_with_another_message_is_sent_and_logged_as_reused(
    hook: Hook, stand_in: tuple[StandInGateway, str], change: dict[str, str]
) -> None:
    """Before: the old answer came back and nothing was sent: the user never got the code."""
    document = payloads.request()
    first = post(hook.url, json.dumps(document).encode())
    document["data"]["messageProfile"].update(change)
    second = post(hook.url, json.dumps(document).encode())
    assert first.status_code == second.status_code == 200
    first_id = command_value(okta_answer(first.content))["transactionId"]
    second_id = command_value(okta_answer(second.content))["transactionId"]
    assert first_id != second_id
    assert len(stand_in[0].received) == 2
    last = hook.log()[-1]
    assert last["outcome"] == "sent" and last["event_id_reused"] is True
    # And the reused message, repeated, is a replay of its own first answer.
    third = post(hook.url, json.dumps(document).encode())
    assert third.content == second.content and len(stand_in[0].received) == 2


def raw_post(url: str, headers: list[tuple[str, bytes]], body: bytes) -> tuple[int, bytes, str]:
    """``http.client`` so that a header can be repeated or carry any byte."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        conn.putrequest("POST", parts.path)
        for name, value in headers:
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("content-type", "")
    finally:
        conn.close()


@pytest.mark.parametrize(
    "value", [b"Basic \xe9", b"Basic \xff\xfe", "Basic é".encode(), b"\xe9\xe9 abc"]
)
def test_a_non_ascii_credential_is_401_not_500(
    hook: Hook, stand_in: tuple[StandInGateway, str], value: bytes
) -> None:
    status, body, _ = raw_post(hook.url, [("Authorization", value)], payloads.body())
    assert status == 401
    assert okta_answer(body)["error"]["errorCauses"][0]["reason"] == "malformed_credential"
    assert stand_in[0].received == []


def test_two_credentials_are_ambiguous_and_refused(
    hook: Hook, stand_in: tuple[StandInGateway, str]
) -> None:
    """Before: the last one won."""
    headers = [
        ("Authorization", OTHER_PASSWORD.encode()),
        ("Authorization", payloads.AUTHORIZATION.encode()),
    ]
    status, body, _ = raw_post(hook.url, headers, payloads.body())
    assert status == 401
    assert okta_answer(body)["error"]["errorCauses"][0]["reason"] == "ambiguous_credential"
    assert stand_in[0].received == []


@pytest.mark.parametrize("where", ["data.userProfile.firstName", "extra", "data.messageProfile"])
@pytest.mark.parametrize("depth", [256, 1000])
def test_deep_nesting_is_400_not_500(
    hook: Hook, stand_in: tuple[StandInGateway, str], where: str, depth: int
) -> None:
    document = payloads.request()
    node: Any = document
    *parents, last = where.split(".")
    for step in parents:
        node = node[step]
    node[last] = "NESTED"
    nested = '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)
    body = json.dumps(document).replace('"NESTED"', nested).encode()
    status, answer, content_type = raw_post(
        hook.url, [("Authorization", payloads.AUTHORIZATION.encode())], body
    )
    assert status == 400, answer
    assert content_type == "application/json"
    okta_answer(answer)
    assert stand_in[0].received == []


def test_the_hook_path_with_a_trailing_slash_is_the_hook(
    hook: Hook, stand_in: tuple[StandInGateway, str]
) -> None:
    """Before: an empty 307, which Okta never follows (CONTRACT.md §1)."""
    response = requests.post(
        hook.url + "/",
        data=payloads.body(),
        headers={"Authorization": payloads.AUTHORIZATION},
        timeout=5,
        allow_redirects=False,
    )
    assert response.status_code == 200
    assert command_value(okta_answer(response.content))["status"] == "SUCCESSFUL"
    wrong_method = requests.get(hook.url + "/", timeout=5, allow_redirects=False)
    assert wrong_method.status_code == 405
    okta_answer(wrong_method.content)
