"""``doctor``'s Okta checks against the shapes a real org answers with, where mock Okta has its own
(a stub server serving the management OpenAPI's examples): the Phone authenticator's
``settings.allowedFor`` and its ``sms`` method, and System Log failures of other inline hooks."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from connector.admin import checks as c
from connector.admin.diagnose import failure_causes, sms_uses
from connector.admin.okta_client import Okta

PHONE_ID = "aut1nd8PQhGcQtSxB0g4"


class Org(ThreadingHTTPServer):
    daemon_threads = True
    routes: dict[str, tuple[int, Any]]


class Handler(BaseHTTPRequestHandler):
    server: Org

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        status, body = self.server.routes.get(
            self.path, (404, {"errorCode": "E0000007", "errorSummary": "Not found"})
        )
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def org() -> Iterator[Org]:
    server = Org(("127.0.0.1", 0), Handler)
    server.routes = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def phone(allowed_for: str | None, sms_status: str | None) -> dict[str, tuple[int, Any]]:
    """``GET /api/v1/authenticators`` and ``…/methods`` as the OpenAPI's examples show them."""
    authenticator: dict[str, Any] = {
        "type": "phone",
        "id": PHONE_ID,
        "key": "phone_number",
        "status": "ACTIVE",
        "name": "Phone",
    }
    if allowed_for is not None:
        authenticator["settings"] = {"allowedFor": allowed_for}
    routes: dict[str, tuple[int, Any]] = {"/api/v1/authenticators": (200, [authenticator])}
    if sms_status is not None:
        methods = [{"type": "sms", "status": sms_status}, {"type": "voice", "status": "INACTIVE"}]
        routes[f"/api/v1/authenticators/{PHONE_ID}/methods"] = (200, methods)
    return routes


def check(org: Org) -> tuple[str, str, Any]:
    okta = Okta(f"http://127.0.0.1:{org.server_address[1]}", "t0ken")
    try:
        found = sms_uses(okta)
    finally:
        okta.close()
    return found.status, found.fix if found.status == "fail" else "", found.data.get("off")


@pytest.mark.parametrize(
    ("allowed_for", "sms_status", "expected"),
    [
        ("any", "ACTIVE", ("pass", "", None)),
        ("recovery", "ACTIVE", ("fail", c.FIX_SMS_USE, ["sign-in"])),
        ("sso", "ACTIVE", ("fail", c.FIX_SMS_USE, ["recovery"])),
        ("none", "ACTIVE", ("fail", c.FIX_SMS_USE, ["sign-in", "recovery"])),
        ("any", "INACTIVE", ("fail", "Activate SMS in Okta: Security > Authenticators > Phone"
                             " > Actions > SMS", ["sign-in", "recovery"])),
        ("any", None, ("pass", "", None)),  # no methods API (404): allowedFor alone
        (None, None, ("pass", "", None)),  # nothing per use exposed
    ],
)  # fmt: skip
def test_sms_uses_are_read_from_a_real_orgs_phone_authenticator(
    org: Org, allowed_for: str | None, sms_status: str | None, expected: tuple[str, str, Any]
) -> None:
    org.routes = phone(allowed_for, sms_status)
    assert check(org) == expected


def test_an_org_without_the_authenticators_api_skips_the_check(org: Org) -> None:
    org.routes = {}  # Okta Classic Engine: 404
    assert check(org)[0] == "skip"


def failure(hook_id: str, reason: str, published: str) -> dict[str, Any]:
    return {
        "eventType": "inline_hook.executed",
        "published": published,
        "outcome": {"result": "FAILURE", "reason": reason},
        "target": [{"id": hook_id, "type": "InlineHook", "displayName": "a hook"}],
        "debugContext": {"debugData": {"inlineHookId": hook_id}},
    }


def test_failures_of_the_orgs_other_inline_hooks_are_not_the_telephony_hooks() -> None:
    events = [
        failure("calTelephony00000001", "No answer within 3 s", "2026-12-03T10:00:00.000Z"),
        failure("calTokenHook00000001", "No answer within 3 s", "2026-12-03T10:00:01.000Z"),
        failure("calTokenHook00000001", "Hook answered HTTP 500", "2026-12-03T10:00:02.000Z"),
        {  # no InlineHook target: cannot be told apart, so counted
            "eventType": "inline_hook.response.processed",
            "published": "2026-12-03T10:00:03.000Z",
            "outcome": {"result": "FAILURE", "reason": "Could not read the answer"},
        },
    ]
    causes = failure_causes(events, {"calTelephony00000001"})
    assert causes == {"timeout: " + c.FIX_TIMEOUT: 1, "error: Could not read the answer": 1}


def test_an_inactive_phone_authenticator(org: Org) -> None:
    org.routes = phone("any", "ACTIVE")
    org.routes["/api/v1/authenticators"][1][0]["status"] = "INACTIVE"
    assert check(org)[:2] == ("fail", "Activate it in Okta: Security > Authenticators > Phone")
