"""A small event hook endpoint for the tests: it answers Okta's verification and deliveries in
the way its path says, and records every call it gets."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.mocks.okta.conftest import Org
from tests.servers import serve

CHALLENGE = "x-okta-verification-challenge"
SECRET = "events-secret-0123456789abcdef"
WAIT_S = 10.0


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _seen: dict[str, int] = field(default_factory=dict)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._seen.clear()

    def posts(self, path: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == "POST" and path in (None, c.path)]

    def gets(self) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == "GET"]

    def _count(self, key: str) -> int:
        with self._lock:
            self._seen[key] = self._seen.get(key, 0) + 1
            return self._seen[key]

    def app(self) -> Starlette:
        async def handle(request: Request) -> Response:
            path = request.path_params["behaviour"]
            call = Call(request.method, path, dict(request.headers), await request.body())
            with self._lock:
                self.calls.append(call)
            if request.method == "GET":
                return self._verification(path, request.headers.get(CHALLENGE, ""))
            return await self._delivery(path)

        return Starlette(routes=[Route("/{behaviour}", handle, methods=["GET", "POST"])])

    def _verification(self, path: str, challenge: str) -> Response:
        if path == "wrong":
            return JSONResponse({"verification": "not-the-challenge"})
        if path == "text":
            return PlainTextResponse(challenge)
        if path == "error":
            return Response(status_code=500)
        if path == "flaky" and self._count("verify") == 1:
            return Response(status_code=503)
        return JSONResponse({"verification": challenge})

    async def _delivery(self, path: str) -> Response:
        if path in ("error", "broken"):  # "broken" verifies, then fails every delivery
            return Response(status_code=500)
        if path == "refuse":
            return Response(status_code=400)
        if path == "flaky" and self._count("post") == 1:
            return Response(status_code=502)
        if path == "slow" and self._count("post") == 1:
            await asyncio.sleep(2.0)  # past the test org's 0.5 s: a timeout, then a retry
        return Response(status_code=200)


@contextmanager
def running_receiver(server_tls: Any) -> Iterator[Receiver]:
    receiver = Receiver()
    with serve(receiver.app(), ssl_context=server_tls) as url:
        receiver.url = url
        yield receiver


def event_hook_body(uri: str, *event_types: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "EZITXT conversion feedback",
        "events": {
            "type": "EVENT_TYPE",
            "items": list(event_types or ["user.authentication.auth_via_mfa"]),
        },
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": uri,
                "headers": [{"key": "X-Tenant", "value": "acme"}],
                "authScheme": {"type": "HEADER", "key": "Authorization", "value": SECRET},
            },
        },
    }
    body.update(overrides)
    return body


def create(org: Org, uri: str, *event_types: str) -> dict[str, Any]:
    response = org.api("POST", "/api/v1/eventHooks", json=event_hook_body(uri, *event_types))
    assert response.status_code == 200, response.text
    hook: dict[str, Any] = response.json()
    return hook


def verified(org: Org, uri: str, *event_types: str) -> dict[str, Any]:
    """A hook created and verified: ACTIVE and VERIFIED, so it receives events."""
    hook = create(org, uri, *event_types)
    response = org.api("POST", f"/api/v1/eventHooks/{hook['id']}/lifecycle/verify")
    assert response.status_code == 200, response.text
    done: dict[str, Any] = response.json()
    assert (done["status"], done["verificationStatus"]) == ("ACTIVE", "VERIFIED")
    return done


def settled(org: Org) -> list[dict[str, Any]]:
    """The delivery attempts once none is pending (bounded wait)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        doc = requests.get(org.url + "/_mock/event-hooks/deliveries", timeout=10).json()
        if doc["pending"] == 0 or time.monotonic() > deadline:
            assert doc["pending"] == 0, "deliveries still pending"
            attempts: list[dict[str, Any]] = doc["attempts"]
            return attempts
        time.sleep(0.05)
