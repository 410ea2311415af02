"""One real stack for the end-to-end tests, wired exactly as ``ezitxt-okta stack`` wires it:
three server processes on free loopback ports, the connector over TLS with a local CA."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from mocks.stack.clients import Api, okta_api
from mocks.stack.stack import Stack, free_port_base
from mocks.stack.wiring import Wiring, wire

WAIT_S = 15.0
# The tests sign the one wired user in again and again, to the demo number: the connector's
# per-number and per-user limits (5 and 10 in 15 minutes) are raised for them, and only those
# (countries, number types, prefix and application limits stay at production defaults).
E2E_CONNECTOR = {
    "EZITXT_HOOK_LIMIT_NUMBER_15M": "100000",
    "EZITXT_HOOK_LIMIT_NUMBER_DAY": "100000",
    "EZITXT_HOOK_LIMIT_USER_15M": "100000",
    "EZITXT_HOOK_LIMIT_USER_DAY": "100000",
}


@dataclass
class Chain:
    """The running stack and clients for each of its APIs; ``seen`` collects every OTP and
    message text the tests produced, for the final search of the servers' logs."""

    stack: Stack
    wiring: Wiring
    ezitxt: Api
    okta: Api
    okta_control: Api
    seen: set[str] = field(default_factory=set)

    def flow(self, phone: str | None = None, **spec: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "user": self.wiring.user["profile"]["login"],
            "requestType": "mfa-verification",
            "channel": "SMS",
            **spec,
        }
        if phone:
            body["phoneNumber"] = phone
        result: dict[str, Any] = self.okta_control.call("flow", "POST", "/_mock/flows", json=body)
        return result

    def handset(self, msisdn: str) -> list[dict[str, Any]]:
        path = f"/_mock/handsets/{quote(msisdn, safe='')}/messages"
        messages: list[dict[str, Any]] = self.ezitxt.call("handset", "GET", path)["messages"]
        for message in messages:
            self.seen.add(message["content"])
        return messages

    def wait_sms(self, msisdn: str, message_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            for message in self.handset(msisdn):
                if message["id"] == message_id:
                    return message
            time.sleep(0.05)
        raise AssertionError(f"message {message_id} never reached {msisdn[:-3]}***")

    def report(self, **filters: Any) -> dict[str, Any]:
        found: dict[str, Any] = self.ezitxt.call(
            "report", "GET", "/api/reports/mobile", params=filters
        )
        return found

    def report_total(self) -> int:
        return int(self.report(pageSize=1)["total"])

    def logs(self, event_type: str, since: str) -> list[dict[str, Any]]:
        params = {"filter": f'eventType eq "{event_type}"', "since": since, "limit": 200}
        events: list[dict[str, Any]] = self.okta.call("logs", "GET", "/api/v1/logs", params=params)
        return events

    def set_hook_secret(self, secret: str) -> None:
        config = {"authScheme": {"type": "HEADER", "key": "Authorization", "value": secret}}
        path = f"/api/v1/inlineHooks/{self.wiring.hook_id}"
        hook = self.okta.call("hook", "GET", path)
        hook["channel"]["config"]["authScheme"] = config["authScheme"]
        self.okta.call("update hook", "PUT", path, json=hook)


def now_iso() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


@pytest.fixture(scope="session")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    workdir: Path = tmp_path_factory.mktemp("stack")
    stack = Stack(
        port_base=free_port_base(),
        workdir=workdir,
        timing_scale=0.2,  # a normal SMS is on the handset in ~0.15 s
        challenge_interval_s=0.0,  # the tests sign the same user in again and again
        max_hooks_in_flight=1000,  # the concurrency test's 200 sign-ins
        connector_env=E2E_CONNECTOR,
    )
    with stack:
        lines: list[str] = []
        wiring = wire(stack.urls.ezitxt, stack.urls.okta, stack.api_token, say=lines.append)
        chain = Chain(
            stack=stack,
            wiring=wiring,
            ezitxt=Api(stack.urls.ezitxt),
            okta=okta_api(stack.urls.okta, stack.api_token),
            okta_control=Api(stack.urls.okta),
        )
        try:
            yield chain
        finally:
            for api in (chain.ezitxt, chain.okta, chain.okta_control):
                api.close()


@pytest.fixture(autouse=True)
def healthy_gateway(chain: Chain) -> Iterator[None]:
    """Every test starts and ends with no gateway fault and the wired secret in Okta."""
    chain.ezitxt.call("clear faults", "DELETE", "/_mock/faults", ok=(200, 204))
    yield
    chain.ezitxt.call("clear faults", "DELETE", "/_mock/faults", ok=(200, 204))
