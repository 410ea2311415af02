"""Fixtures: the mock EZITXT served once per session on a free loopback port with short
life-cycle timings, reset before each test, and a client holding a fresh application."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator, FormatChecker

import schemas
from mocks.ezitxt.app import create_app
from mocks.ezitxt.lifecycle import Timings
from tests.servers import serve

# Short enough that the suite is quick, long enough that every step lands in its own tick.
TIMINGS = Timings(
    queue_s=0.01,
    submit_s=0.01,
    send_s=0.01,
    receive_s=0.01,
    slow_s=0.4,
    expire_s=0.25,
    retry_s=0.05,
    retries=3,
    callback_backoff_s=0.05,
)
WAIT_S = 5.0
APP = "okta-hook"
TERMINAL = {"received", "rejected", "expired", "frozen", "failed", "blocked"}


def assert_valid(name: str, document: Any) -> None:
    """``document`` satisfies ``schemas/ezitxt/<name>`` (reference implementation, formats on)."""
    checker = Draft202012Validator(schemas.load(f"ezitxt/{name}"), format_checker=FormatChecker())
    errors = [e.message for e in checker.iter_errors(document)]
    assert not errors, (name, errors)


def assert_error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    """An EZITXT error body with that status and code, and nothing else."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert_valid("error", body)
    assert body["statusCode"] == status
    assert body["error"] == code
    return body


@dataclass
class Gateway:
    """A client of the mock with one application and its credential."""

    base: str
    http: requests.Session
    secret: str
    password: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": self.secret}

    def send(self, **body: Any) -> requests.Response:
        body.setdefault("content", "Your code is 123456")
        return self.http.post(f"{self.base}/rest/sms/v2/messages", json=body, headers=self.auth)

    def accepted(self, **body: Any) -> str:
        response = self.send(**body)
        assert response.status_code == 202, response.text
        message_id: str = response.json()["id"]
        return message_id

    def entry(self, message_id: str) -> dict[str, Any]:
        response = self.http.get(f"{self.base}/api/reports/mobile/{message_id}")
        assert response.status_code == 200, response.text
        entry: dict[str, Any] = response.json()
        return entry

    def wait(self, message_id: str, statuses: set[str] | None = None) -> dict[str, Any]:
        """The report entry once its status is one of ``statuses`` (default: any terminal)."""
        wanted = statuses or TERMINAL
        deadline = time.monotonic() + WAIT_S
        while True:
            entry = self.entry(message_id)
            if entry["status"] in wanted or time.monotonic() > deadline:
                assert entry["status"] in wanted, entry
                return entry
            time.sleep(0.01)


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    with serve(create_app(db_path=":memory:", timings=TIMINGS)) as base:
        yield base


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False
        yield session


@pytest.fixture
def base(server: str, http: requests.Session) -> str:
    assert http.post(f"{server}/_mock/reset").status_code == 204
    return server


def new_application(base: str, http: requests.Session, name: str = APP) -> tuple[str, str]:
    """Create an application and generate its password: ``(secret, password)``."""
    assert http.post(f"{base}/api/applications", json={"name": name}).status_code == 201
    response = http.post(f"{base}/api/applications/{name}/password")
    assert response.status_code == 200, response.text
    body = response.json()
    return body["oktaSetupValues"]["authenticationSecret"], body["password"]


@pytest.fixture
def gw(base: str, http: requests.Session) -> Gateway:
    secret, password = new_application(base, http)
    return Gateway(base, http, secret, password)
