"""The stack's event hook step against real servers: mock EZITXT and mock Okta in-process on free
ports, and a stand-in for the connector's ``/okta/events`` that speaks the EVENT AGREEMENT (the
verification GET, deliveries with the events secret). The connector's own endpoint is tested
with the connector; here, that the stack registers, verifies, re-registers on reset, reports a
failed verification with Okta's reason, and that a verified code reaches the receiver."""

from __future__ import annotations

import argparse
import hmac
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mocks.ezitxt.app import create_app as create_ezitxt
from mocks.okta.app import create_app as create_okta
from mocks.stack.cli import add_arguments
from mocks.stack.clients import okta_api
from mocks.stack.event_hook_wiring import (
    EVENT_TYPES,
    EventHookNotVerified,
    EventHookSetup,
    register,
)
from mocks.stack.reset import reset_and_wire
from mocks.stack.stack import Stack
from mocks.stack.state import StackInfo
from mocks.stack.wiring import wire
from tests.servers import serve

TOKEN = "stack-test-token"
SECRET = "events-secret-for-the-stack-test"


@dataclass
class StandIn:
    """The agreement's receiver: 404 when it has no secret (as the connector without
    EZITXT_HOOK_EVENTS_SECRET), 401 for a wrong header, else the challenge echoed / 200."""

    secret: str | None = SECRET
    field_name: str = "authorization"
    events: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def events(request: Request) -> Response:
            if self.secret is None:
                return Response(status_code=404)
            sent = request.headers.get(self.field_name, "")
            if not hmac.compare_digest(sent.encode(), self.secret.encode()):
                return Response(status_code=401)
            if request.method == "GET":
                challenge = request.headers.get("x-okta-verification-challenge", "")
                return JSONResponse({"verification": challenge})
            body = await request.json()
            with self.lock:
                self.events.extend(body["data"]["events"])
            return Response(status_code=200)

        return Starlette(routes=[Route("/okta/events", events, methods=["GET", "POST"])])


@dataclass
class Servers:
    ezitxt: str
    okta: str
    receiver: str
    stand_in: StandIn

    def setup(self, secret: str = SECRET, auth_field: str = "Authorization") -> EventHookSetup:
        return EventHookSetup(f"{self.receiver}/okta/events", auth_field, secret)

    def hooks(self) -> list[dict[str, Any]]:
        api = okta_api(self.okta, TOKEN)
        try:
            found: list[dict[str, Any]] = api.call("list", "GET", "/api/v1/eventHooks")
            return found
        finally:
            api.close()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    stand_in = StandIn()
    okta = create_okta(api_token=TOKEN, allow_http=True)
    ezitxt = create_ezitxt(db_path=str(tmp_path / "ezitxt.sqlite3"))
    with serve(stand_in.app()) as receiver, serve(okta) as okta_url, serve(ezitxt) as ezitxt_url:
        yield Servers(ezitxt_url, okta_url, receiver, stand_in)


def test_wire_registers_and_verifies_the_connectors_event_hook(servers: Servers) -> None:
    lines: list[str] = []
    wired = wire(servers.ezitxt, servers.okta, TOKEN, say=lines.append, event_hook=servers.setup())
    assert wired.event_hook is not None
    (hook,) = servers.hooks()
    assert hook["id"] == wired.event_hook.hook_id
    assert (hook["status"], hook["verificationStatus"]) == ("ACTIVE", "VERIFIED")
    assert hook["events"]["items"] == list(EVENT_TYPES)
    config = hook["channel"]["config"]
    assert config["uri"] == f"{servers.receiver}/okta/events"
    assert config["authScheme"] == {"type": "HEADER", "key": "Authorization"}
    assert any(line.startswith("6. Okta > Workflow > Event Hooks") for line in lines)
    assert SECRET not in "\n".join(lines)  # the setup printout never shows the secret

    # The demo user's verified code reaches the receiver, as the agreement's event.
    user_id = wired.user["id"]
    control = requests.Session()
    try:
        flow = control.post(
            f"{servers.okta}/_mock/flows",
            json={"user": user_id, "requestType": "mfa-verification"},
            timeout=10,
        ).json()
        messages = control.get(f"{servers.okta}/_mock/fallback/messages", timeout=10).json()
        code = re.search(r"\d{6}", messages[-1]["text"])
        assert code is not None
        verify = f"{servers.okta}/_mock/flows/{flow['id']}/verify"
        assert (
            control.post(verify, json={"otp": code.group(0)}, timeout=10).json()["result"]
            == "SUCCESS"
        )
        _settle(control, servers.okta)
    finally:
        control.close()
    (event,) = servers.stand_in.events
    assert event["eventType"] == "user.authentication.auth_via_mfa"
    assert event["target"][0]["id"] == user_id


def test_wiring_again_leaves_one_hook_and_reset_restores_it(servers: Servers) -> None:
    setup = servers.setup(auth_field="X-Events-Auth")
    servers.stand_in.field_name = "x-events-auth"
    register(okta_api(servers.okta, TOKEN), setup, say=lambda _: None)
    register(okta_api(servers.okta, TOKEN), setup, say=lambda _: None)
    assert len(servers.hooks()) == 1
    reset_and_wire(servers.ezitxt, servers.okta, TOKEN, say=lambda _: None, event_hook=setup)
    (hook,) = servers.hooks()
    assert hook["verificationStatus"] == "VERIFIED"
    assert hook["channel"]["config"]["authScheme"]["key"] == "X-Events-Auth"


@pytest.mark.parametrize(
    ("secret_held", "reason"),
    [
        (None, "answered HTTP 404"),  # a connector without /okta/events or without the secret
        ("another-secret", "answered HTTP 401"),  # a connector with a different secret
    ],
)
def test_a_failed_verification_is_a_start_up_error_with_the_reason(
    servers: Servers, secret_held: str | None, reason: str
) -> None:
    servers.stand_in.secret = secret_held
    with pytest.raises(EventHookNotVerified) as failed:
        wire(servers.ezitxt, servers.okta, TOKEN, say=lambda _: None, event_hook=servers.setup())
    message = str(failed.value)
    assert f"{servers.receiver}/okta/events" in message and reason in message
    assert "--no-event-hook" in message and SECRET not in message


def test_the_stack_gives_the_connector_the_secret_it_registers(tmp_path: Path) -> None:
    stack = Stack(port_base=20000, workdir=tmp_path / "s", http=True)
    setup = stack.event_hook_setup()
    assert setup is not None
    assert setup.uri == "http://127.0.0.1:20001/okta/events"
    assert setup.auth_field == "Authorization" and len(setup.secret) >= 32
    assert stack._connector_env["EZITXT_HOOK_EVENTS_SECRET"] == setup.secret
    info = stack.info()
    assert (info.events_hook, info.events_secret) == (setup.uri, setup.secret)
    assert "export EVENTS_SECRET=" + setup.secret in info.exports()
    custom = Stack(
        port_base=20000,
        workdir=tmp_path / "t",
        connector_env={"EZITXT_HOOK_AUTH_FIELD": "X-Events", "EZITXT_HOOK_EVENTS_SECRET": "s" * 40},
    )
    assert custom.event_hook_setup() == EventHookSetup(
        "https://127.0.0.1:20001/okta/events", "X-Events", "s" * 40
    )
    none = Stack(port_base=20000, workdir=tmp_path / "u", event_hook=False)
    assert none.event_hook_setup() is None and none.info().events_hook is None
    assert "EZITXT_HOOK_EVENTS_SECRET" not in none._connector_env


def test_an_older_stack_json_still_reads() -> None:
    """stack.json written before the event hook fields: readers get the defaults."""
    old = {
        "pid": 1, "port_base": 8400, "folder": "var/stack-8400", "ezitxt": "http://e",
        "connector": "https://c", "hook": "https://c/okta/telephony", "okta": "http://o",
        "api_token": "t", "ca_file": None, "challenge_interval_s": 30.0,
    }  # fmt: skip
    info = StackInfo(**old)  # type: ignore[arg-type]
    assert info.events_hook is None and info.events_secret is None
    assert not any(line.startswith("export EVENTS_SECRET") for line in info.exports())


def _settle(control: requests.Session, okta: str) -> None:
    for _ in range(200):
        if control.get(f"{okta}/_mock/event-hooks/deliveries", timeout=10).json()["pending"] == 0:
            return
        threading.Event().wait(0.05)
    raise AssertionError("the delivery never settled")


def test_the_cli_registers_the_event_hook_unless_told_not_to() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args([]).no_event_hook is False
    assert parser.parse_args(["--no-event-hook"]).no_event_hook is True
    assert "--no-event-hook" in parser.format_help()
