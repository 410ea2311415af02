"""One real stack (three servers on free loopback ports, the connector over TLS) for the admin
tools, with its ``stack.json`` published as ``ezitxt-okta stack`` publishes it; each test starts
from a freshly reset and wired stack, so it breaks exactly one thing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connector import cli
from mocks.stack.clients import Api, okta_api
from mocks.stack.reset import reset_and_wire
from mocks.stack.stack import Stack, free_port_base
from mocks.stack.wiring import Wiring
from tests.connector.payloads import VELOCITY_OFF_ENV

WAIT_S = 15.0


@dataclass
class Admin:
    stack: Stack
    workdir: Path
    okta: Api
    control: Api
    ezitxt: Api
    wiring: Wiring | None = None

    def run(self, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
        code = cli.main([argv[0], "--workdir", str(self.workdir), *argv[1:]])
        return code, capsys.readouterr().out

    def hook(self) -> dict[str, Any]:
        assert self.wiring is not None
        found: dict[str, Any] = self.okta.call(
            "hook", "GET", f"/api/v1/inlineHooks/{self.wiring.hook_id}"
        )
        return found

    def put_hook(self, *, uri: str | None = None, key: str | None = None) -> None:
        """Replace the hook with the wired values but ``uri`` or ``key``; the secret kept."""
        assert self.wiring is not None
        hook = self.hook()
        config = hook["channel"]["config"]
        config["uri"] = uri or config["uri"]
        config["authScheme"] = {
            "type": "HEADER",
            "key": key or self.wiring.auth_field,
            "value": self.wiring.auth_secret,
        }
        body = {k: hook[k] for k in ("name", "type", "version", "channel")}
        self.okta.call("replace hook", "PUT", f"/api/v1/inlineHooks/{hook['id']}", json=body)

    def telephony_hooks(self) -> list[dict[str, Any]]:
        params = {"type": "com.okta.telephony.provider"}
        hooks: list[dict[str, Any]] = self.okta.call(
            "hooks", "GET", "/api/v1/inlineHooks", params=params
        )
        return hooks

    def wait_status(self, message_id: str, status: str) -> None:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            entry = self.ezitxt.call("report", "GET", f"/api/reports/mobile/{message_id}")
            if entry["status"] == status:
                return
            time.sleep(0.1)
        raise AssertionError(f"message {message_id} never {status}")


@pytest.fixture(scope="session")
def admin_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Admin]:
    workdir = tmp_path_factory.mktemp("admin-stack")
    # The connector's velocity limits off: they are not what these tests test, and the
    # connector keeps their counts across tests (one user's number signs in many times).
    stack = Stack(
        port_base=free_port_base(),
        workdir=workdir,
        timing_scale=0.2,
        challenge_interval_s=0.0,
        connector_env=dict(VELOCITY_OFF_ENV),
    )
    with stack:
        stack.publish()
        admin = Admin(
            stack,
            workdir,
            okta_api(stack.urls.okta, stack.api_token),
            Api(stack.urls.okta),
            Api(stack.urls.ezitxt),
        )
        try:
            yield admin
        finally:
            for api in (admin.okta, admin.control, admin.ezitxt):
                api.close()


@pytest.fixture
def admin(admin_stack: Admin) -> Admin:
    urls = admin_stack.stack.urls
    admin_stack.wiring = reset_and_wire(
        urls.ezitxt, urls.okta, admin_stack.stack.api_token, say=lambda _: None
    )
    return admin_stack
