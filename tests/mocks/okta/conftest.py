"""Fixtures: a fake clock, small fake hooks over HTTPS (trustme), and the mock Okta org served on
a free loopback port."""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import trustme
from jsonschema import Draft202012Validator, FormatChecker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

import schemas
from mocks.okta.app import create_app
from tests.servers import serve

TOKEN = "test-api-token-00"
AUTH_KEY = "Authorization"
AUTH_VALUE = "Basic ZXppdHh0OnMzY3JldC1wYXNzd29yZA=="
SHORT_TIMEOUT_S = 0.5


class FakeClock:
    """Wall time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schemas.load(name), format_checker=FormatChecker())


def assert_valid(name: str, document: Any) -> None:
    errors = [e.message for e in validator(name).iter_errors(document)]
    assert not errors, (name, errors)


def commands(status: str, **extra: str) -> dict[str, Any]:
    value = {"status": status, "provider": "EZITXT", **extra}
    return {"commands": [{"type": "com.okta.telephony.action", "value": [value]}]}


@dataclass
class FakeHook:
    """Hooks answering each way Okta tells apart; records what they received."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    gate: threading.Event = field(default_factory=threading.Event)
    entered: threading.Event = field(default_factory=threading.Event)

    def reset(self) -> None:
        self.received.clear()
        self.gate.clear()
        self.entered.clear()

    def app(self) -> Starlette:
        async def handle(request: Request) -> Response:
            behaviour = request.path_params["behaviour"]
            body = await request.body()
            self.received.append(
                {"path": behaviour, "headers": dict(request.headers), "body": body}
            )
            return await self._answer(behaviour, request)

        return Starlette(routes=[Route("/{behaviour}", handle, methods=["POST"])])

    async def _answer(self, behaviour: str, request: Request) -> Response:
        if behaviour == "successful":
            return JSONResponse(commands("SUCCESSFUL", transactionId="txn-ok-1"))
        if behaviour == "pending":
            return JSONResponse(commands("PENDING", transactionId="txn-pending-1"))
        if behaviour == "failed":
            return JSONResponse(commands("FAILED"))
        if behaviour == "error":
            return JSONResponse({"error": {"errorSummary": "This number cannot receive SMS"}})
        if behaviour == "error-empty":
            return JSONResponse({"error": {}})
        if behaviour == "unauthorized":
            return JSONResponse({"error": {"errorSummary": "Unauthorized"}}, status_code=401)
        if behaviour == "server-error":
            return Response("oops", status_code=500)
        if behaviour == "slow":
            await asyncio.sleep(float(request.query_params.get("s", "1")))
            return JSONResponse(commands("SUCCESSFUL", transactionId="txn-late"))
        if behaviour == "redirect":
            return RedirectResponse("/successful", status_code=302)
        if behaviour == "malformed":
            return Response(b'{"commands": [', media_type="application/json")
        if behaviour == "unknown-status":
            return JSONResponse(commands("DELIVERED"))
        if behaviour == "oversized":
            return JSONResponse(commands("SUCCESSFUL", transactionMetadata="x" * 300_000))
        if behaviour == "oversized-stream":

            async def chunks() -> Any:
                for _ in range(40):
                    yield b" " * 8192
                yield b"{}"

            return StreamingResponse(chunks(), media_type="application/json")
        if behaviour == "gated":
            self.entered.set()
            for _ in range(400):
                if self.gate.is_set():
                    break
                await asyncio.sleep(0.01)
            return JSONResponse(commands("SUCCESSFUL"))
        return Response(status_code=404)


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture(scope="session")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture(scope="session")
def fake_hook(server_tls: ssl.SSLContext) -> Iterator[FakeHook]:
    hook = FakeHook()
    with serve(hook.app(), ssl_context=server_tls) as url:
        hook.url = url
        yield hook
        hook.gate.set()


@dataclass
class Org:
    """A running mock org and a client holding its API token."""

    url: str
    clock: FakeClock
    http: requests.Session

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, self.url + path, timeout=10, **kwargs)

    def create_user(self, login: str = "ana@example.com", phone: str = "+64211234567") -> str:
        profile = {
            "firstName": "Ana",
            "lastName": "Ngata",
            "email": login,
            "login": login,
            "mobilePhone": phone,
        }
        response = self.api("POST", "/api/v1/users?activate=true", json={"profile": profile})
        assert response.status_code == 200, response.text
        user_id: str = response.json()["id"]
        return user_id

    def create_hook(self, uri: str, **overrides: Any) -> dict[str, Any]:
        response = self.api("POST", "/api/v1/inlineHooks", json=hook_body(uri, **overrides))
        assert response.status_code == 200, response.text
        hook: dict[str, Any] = response.json()
        return hook

    def flow(self, user: str, **fields: Any) -> requests.Response:
        body = {"user": user, "requestType": "mfa-verification", "channel": "SMS", **fields}
        return self.api("POST", "/_mock/flows", json=body)

    def logs(self, **params: str) -> list[dict[str, Any]]:
        response = self.api("GET", "/api/v1/logs", params=params)
        assert response.status_code == 200, response.text
        events: list[dict[str, Any]] = response.json()
        return events


def hook_body(uri: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "EZITXT SMS",
        "type": "com.okta.telephony.provider",
        "version": "1.0.0",
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": uri,
                "headers": [{"key": "X-Tenant", "value": "acme"}],
                "method": "POST",
                "authScheme": {"type": "HEADER", "key": AUTH_KEY, "value": AUTH_VALUE},
            },
        },
    }
    body.update(overrides)
    return body


@contextmanager
def running_org(ca_file: str | None, **settings: Any) -> Iterator[Org]:
    """A mock org of its own, for tests that need other settings than the shared one."""
    clock = FakeClock()
    settings.setdefault("hook_timeout_s", SHORT_TIMEOUT_S)
    app = create_app(api_token=TOKEN, ca_file=ca_file, clock=clock, **settings)
    with serve(app) as url, requests.Session() as http:
        http.trust_env = False
        http.headers["Authorization"] = f"SSWS {TOKEN}"
        yield Org(url, clock, http)


@pytest.fixture(scope="session")
def shared_org(ca_file: str) -> Iterator[Org]:
    with running_org(ca_file) as org:
        yield org


@pytest.fixture
def org(shared_org: Org, fake_hook: FakeHook) -> Org:
    """The shared org, emptied, with its clock and the fake hooks' records reset."""
    assert shared_org.api("POST", "/_mock/reset").status_code == 204
    shared_org.clock.now = time.time()
    fake_hook.reset()
    return shared_org
