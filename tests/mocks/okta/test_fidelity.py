"""Where mock Okta used to differ from Okta: the SDK's ``SSWS<token>``, an unknown hook ``type``
filter, ``execute`` bodies, the headers of ordinary answers, and the System Log's actor ids."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests

from tests.mocks.okta.conftest import TOKEN, FakeHook, Org, assert_valid, running_org

HOOKS = "/api/v1/inlineHooks"
OKTA_ID = re.compile(r"^[0-9A-Za-z]{20}$")
SAMPLE = {
    "eventId": "uS5871kJThSsU8qlA1LTcg",
    "eventType": "com.okta.telephony.provider",
    "requestType": "com.okta.user.telephony.mfa-verification",
    "data": {"messageProfile": {"phoneNumber": 9876543210, "otpCode": 11111}},
}


def error_code(response: requests.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert_valid("okta/error", body)
    code: str = body["errorCode"]
    return code


def test_ssws_token_without_a_space_is_accepted_as_okta_sdk_sends_it(org: Org) -> None:
    for header in (f"SSWS{TOKEN}", f"SSWS {TOKEN}"):
        response = requests.get(org.url + HOOKS, headers={"Authorization": header}, timeout=10)
        assert response.status_code == 200, header
    for header in ("SSWS", f"SSWS{TOKEN}x", f"ssws{TOKEN}", f"Bearer{TOKEN}", f"SSWS{TOKEN[:-1]}"):
        response = requests.get(org.url + HOOKS, headers={"Authorization": header}, timeout=10)
        assert error_code(response, 401) == "E0000011", header


def test_an_unknown_hook_type_filter_is_400(org: Org, fake_hook: FakeHook) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    assert len(org.api("GET", HOOKS, params={"type": "com.okta.telephony.provider"}).json()) == 1
    assert org.api("GET", HOOKS, params={"type": "com.okta.import.transform"}).json() == []
    for bad in ("com.okta.telephony", "telephony", ""):
        assert error_code(org.api("GET", HOOKS, params={"type": bad}), 400) == "E0000001"


@pytest.mark.parametrize(
    "body",
    [
        [SAMPLE],
        "com.okta.telephony.provider",
        {**SAMPLE, "data": "+64211234567"},
        {"data": {"messageProfile": ["+64211234567"]}},
        {"eventId": {"nested": True}},
    ],
)
def test_execute_refuses_a_body_okta_cannot_read_as_a_telephony_request(
    org: Org, fake_hook: FakeHook, body: Any
) -> None:
    hook = org.create_hook(f"{fake_hook.url}/successful")
    response = org.api("POST", f"{HOOKS}/{hook['id']}/execute", json=body)
    assert error_code(response, 400) == "E0000001"
    assert fake_hook.received == []


def test_execute_sends_a_readable_body_as_is_even_with_okta_numbers(
    org: Org, fake_hook: FakeHook
) -> None:
    hook = org.create_hook(f"{fake_hook.url}/successful")
    answer = org.api("POST", f"{HOOKS}/{hook['id']}/execute", json=SAMPLE)
    assert answer.status_code == 200, answer.text
    assert b'"phoneNumber":9876543210' in fake_hook.received[-1]["body"]


def test_execute_works_on_an_inactive_hook(org: Org, fake_hook: FakeHook) -> None:
    hook = org.create_hook(f"{fake_hook.url}/successful")
    org.api("POST", f"{HOOKS}/{hook['id']}/lifecycle/deactivate")
    answer = org.api("POST", f"{HOOKS}/{hook['id']}/execute", json=SAMPLE)
    assert answer.status_code == 200, answer.text
    assert answer.json()["commands"][0]["value"][0]["status"] == "SUCCESSFUL"
    assert org.api("GET", "/_mock/fallback/messages").json() == []


def test_ordinary_answers_carry_rate_limit_headers_and_a_request_id(org: Org) -> None:
    first = org.api("GET", "/api/v1/logs")
    second = org.api("GET", "/api/v1/logs")
    other = org.api("GET", HOOKS)
    for response in (first, second, other):
        assert re.fullmatch(r"[A-Za-z0-9_-]{20,}", response.headers["x-okta-request-id"])
        reset = int(response.headers["x-rate-limit-reset"])
        assert org.clock() < reset <= org.clock() + 60
    assert first.headers["x-okta-request-id"] != second.headers["x-okta-request-id"]
    # Okta's Workforce buckets: the System Log 120 a minute, most other management calls 1,200.
    assert first.headers["x-rate-limit-limit"] == "120"
    remaining = int(first.headers["x-rate-limit-remaining"])
    assert int(second.headers["x-rate-limit-remaining"]) == remaining - 1
    assert other.headers["x-rate-limit-limit"] == "1200"
    missing = org.api("GET", f"{HOOKS}/calNope")
    assert error_code(missing, 404) == "E0000007" and "x-okta-request-id" in missing.headers
    assert "x-rate-limit-limit" not in org.api("GET", "/_mock/flows").headers


def test_the_minute_window_resets_and_reset_empties_it(org: Org) -> None:
    before = int(org.api("GET", "/api/v1/logs").headers["x-rate-limit-remaining"])
    org.clock.advance(61)
    assert int(org.api("GET", "/api/v1/logs").headers["x-rate-limit-remaining"]) == 119
    org.api("GET", "/api/v1/logs")
    org.api("POST", "/_mock/reset")
    assert int(org.api("GET", "/api/v1/logs").headers["x-rate-limit-remaining"]) == 119
    assert before <= 119


def test_enforced_limits_answer_429_e0000047(ca_file: str) -> None:
    with running_org(ca_file, enforce_rate_limits=True) as org:
        org.clock.now = (int(time.time()) // 60) * 60 + 1.0
        statuses = [org.api("GET", "/api/v1/logs").status_code for _ in range(121)]
        assert statuses == [200] * 120 + [429]
        refused = org.api("GET", "/api/v1/logs")
        assert error_code(refused, 429) == "E0000047"
        assert refused.headers["x-rate-limit-remaining"] == "0"
        assert org.api("GET", HOOKS).status_code == 200  # another bucket
        org.clock.advance(60)
        assert org.api("GET", "/api/v1/logs").status_code == 200


def test_system_log_actor_and_target_ids_have_okta_s_20_characters(
    org: Org, fake_hook: FakeHook
) -> None:
    hook = org.create_hook(f"{fake_hook.url}/successful")
    org.flow(org.create_user())
    org.api("POST", f"{HOOKS}/{hook['id']}/lifecycle/deactivate")
    events = org.logs()
    assert {e["actor"]["type"] for e in events} >= {"User", "SystemPrincipal"}
    for event in events:
        assert OKTA_ID.match(event["actor"]["id"]), event["actor"]
        for target in event["target"]:
            assert OKTA_ID.match(target["id"]), target


def test_the_phone_authenticator_id_has_okta_s_20_characters(org: Org) -> None:
    """It had 19 (seen in the schemathesis run's GET /api/v1/authenticators answer)."""
    (phone,) = org.api("GET", "/api/v1/authenticators").json()
    assert OKTA_ID.match(phone["id"]), phone["id"]
    assert phone["_links"]["self"]["href"].endswith(f"/api/v1/authenticators/{phone['id']}")


def test_an_empty_after_is_no_cursor(org: Org) -> None:
    org.create_user()
    assert org.api("GET", "/api/v1/logs", params={"after": ""}).status_code == 200
    assert len(org.api("GET", "/api/v1/users", params={"after": ""}).json()) == 1


def test_execute_of_a_telephony_hook_is_not_retried(org: Org, fake_hook: FakeHook) -> None:
    """Okta's execute page promises one retry after a timeout or an error answer; its telephony
    hook page says a telephony hook "isn't retried". The mock follows the telephony page: an
    execute sends a real SMS, and a retry of a call that did send would send a second."""
    hook = org.create_hook(f"{fake_hook.url}/server-error")
    answer = org.api("POST", f"{HOOKS}/{hook['id']}/execute", json=SAMPLE)
    assert error_code(answer, 400) == "E0000001"
    assert [r["path"] for r in fake_hook.received] == ["server-error"]
