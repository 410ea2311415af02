"""``GET /metrics``: scraped before and after calls of each outcome, over real sockets (uvicorn
serving the app, a stand-in gateway on its own port); the counts' deltas are checked, and every
label value of the exposition is scanned for numbers, eventIds and users."""

from __future__ import annotations

import base64
import http.client
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from connector.app import create_app
from connector.metrics import CONTENT_TYPE, count_state_store_error
from connector.settings import load_settings
from tests.connector import payloads
from tests.connector.fakes import StandInGateway
from tests.contract import okta_answer
from tests.servers import serve

BUDGET_MS = 800
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module")
def gateway() -> Iterator[tuple[StandInGateway, str]]:
    stand_in = StandInGateway()
    with serve(stand_in.app()) as url:
        yield stand_in, url


@pytest.fixture(scope="module")
def base_url(gateway: tuple[StandInGateway, str]) -> Iterator[str]:
    # Every test posts to the same number: the velocity limits are not what is tested here
    # (their refusals are counted in test_velocity_refusals_are_counted_by_reason).
    settings = load_settings(
        {}, gateway_url=gateway[1], budget_ms=BUDGET_MS, **payloads.VELOCITY_OFF
    )
    with serve(create_app(settings)) as url:
        yield url


@pytest.fixture(autouse=True)
def reset(gateway: tuple[StandInGateway, str]) -> None:
    gateway[0].reset()


def scrape(base_url: str) -> Samples:
    response = requests.get(base_url + "/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE
    return parse(response.text)


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def post(base_url: str, body: bytes, **headers: str) -> requests.Response:
    headers.setdefault("Authorization", payloads.AUTHORIZATION)
    return requests.post(base_url + "/okta/telephony", data=body, headers=headers, timeout=5)


MFA = "mfa-verification"

# outcome → (what the stand-in gateway answers, the call, request type, country, the other
# counters that must move by one)
Call = Callable[[str], requests.Response]
CASES: dict[str, tuple[tuple[int, Any], Call, str, str, list[tuple[str, dict[str, str]]]]] = {
    "sent": (
        (202, None),
        lambda url: post(url, payloads.body()),
        MFA,
        "NZ",
        [("ezitxt_gateway_calls_total", {"status": "202", "result": "accepted"})],
    ),
    "pending": (
        (504, None),
        lambda url: post(url, payloads.body()),
        MFA,
        "NZ",
        [("ezitxt_gateway_calls_total", {"status": "504", "result": "no_answer"})],
    ),
    "rejected_by_gateway": (
        (400, {"errors": [{"field": "destination", "message": "invalid"}]}),
        lambda url: post(url, payloads.body()),
        MFA,
        "NZ",
        [("ezitxt_gateway_calls_total", {"status": "400", "result": "rejected_message"})],
    ),
    "unusable_number": (
        (202, None),
        lambda url: post(url, payloads.body(phoneNumber="not a number")),
        MFA,
        "none",
        [("ezitxt_hook_policy_refusals_total", {"reason": "unusable_number"})],
    ),
    "voice_not_offered": (
        (202, None),
        lambda url: post(url, payloads.body(deliveryChannel="Voice Call")),
        MFA,
        "none",
        [("ezitxt_hook_policy_refusals_total", {"reason": "voice_not_offered"})],
    ),
    "schema_invalid": (
        (202, None),
        lambda url: post(url, json.dumps({"eventId": payloads.event_id()}).encode()),
        "none",
        "none",
        [],
    ),
    "bad_json": ((202, None), lambda url: post(url, b"{not json"), "none", "none", []),
    "missing_credential": (
        (202, None),
        lambda url: post(url, payloads.body(), Authorization=""),
        "none",
        "none",
        [("ezitxt_hook_auth_refusals_total", {"reason": "missing_credential"})],
    ),
    "credential_rejected_by_gateway": (
        (401, {}),
        lambda url: post(url, payloads.body()),
        MFA,
        "NZ",
        [
            ("ezitxt_hook_auth_refusals_total", {"reason": "credential_rejected_by_gateway"}),
            ("ezitxt_gateway_calls_total", {"status": "401", "result": "rejected_credential"}),
        ],
    ),
    "gateway_unavailable": (
        (503, {}),
        lambda url: post(url, payloads.body()),
        MFA,
        "NZ",
        [("ezitxt_gateway_calls_total", {"status": "503", "result": "unavailable"})],
    ),
    "blocked_by_policy": (
        (202, None),
        lambda url: post(url, payloads.body(phoneNumber="+14155550123")),
        MFA,
        "US",
        [("ezitxt_hook_policy_refusals_total", {"reason": "blocked_by_policy"})],
    ),
    "number_type_refused": (
        (202, None),
        lambda url: post(url, payloads.body(phoneNumber="+64900012345")),
        MFA,
        "NZ",
        [("ezitxt_hook_policy_refusals_total", {"reason": "number_type_refused"})],
    ),
    "too_large": (
        (202, None),
        lambda url: post(url, payloads.body(firstName="x" * 70_000)),
        "none",
        "none",
        [],
    ),
    "malformed_credential": (
        (202, None),
        lambda url: post(url, payloads.body(), Authorization="Basic not base64!"),
        "none",
        "none",
        [("ezitxt_hook_auth_refusals_total", {"reason": "malformed_credential"})],
    ),
    "ambiguous_credential": (
        (202, None),
        lambda url: post_twice_authorized(url, payloads.body()),
        "none",
        "none",
        [("ezitxt_hook_auth_refusals_total", {"reason": "ambiguous_credential"})],
    ),
}
# Calls whose country is known but that never reach the gateway.
REFUSED_BEFORE_THE_GATEWAY = {"blocked_by_policy", "number_type_refused"}


def post_twice_authorized(base_url: str, body: bytes) -> requests.Response:
    """The auth field sent twice (requests merges a header it is given twice)."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        connection.putrequest("POST", "/okta/telephony")
        for header, value in (
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Authorization", payloads.AUTHORIZATION),
            ("Authorization", payloads.AUTHORIZATION),
        ):
            connection.putheader(header, value)
        connection.endheaders(body)
        answer = connection.getresponse()
        response = requests.Response()
        response.status_code, response._content = answer.status, answer.read()
        return response
    finally:
        connection.close()


def test_every_outcome_of_the_outcome_table_that_a_call_can_reach_is_scraped_here() -> None:
    """The README's table of outcomes, less those a test cannot cause through a well-behaved
    server (a bug, a body trickled past the budget) or that are not hook calls (404, 405)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| situation | HTTP | body | log `outcome` |") :]
    table = table[: table.index("\n\n")]
    outcomes = {
        name
        for row in table.splitlines()[2:]
        for name in re.findall(r"`([a-z_0-9]+)`", row.split("|")[-2])
    }
    # Tests of their own: below, and prefix_blocked in test_events_endpoint.py (the loop).
    elsewhere = {"replayed", "rate_limited_number", "body_timeout", "prefix_blocked"}
    rate_limits = {"rate_limited_prefix", "rate_limited_application", "rate_limited_user"}
    not_reachable = {"internal_error", "http_404", "http_405"}
    assert outcomes - set(CASES) - elsewhere - rate_limits - not_reachable == set()


@pytest.mark.parametrize("outcome", sorted(CASES))
def test_each_outcome_moves_its_counters_by_one(
    outcome: str, base_url: str, gateway: tuple[StandInGateway, str]
) -> None:
    (status, body), call, request_type, country, others = CASES[outcome]
    gateway[0].status, gateway[0].body = status, body
    before = scrape(base_url)
    call(base_url)
    after = scrape(base_url)
    calls = {"outcome": outcome, "request_type": request_type, "country": country}
    assert (
        value(after, "ezitxt_hook_calls_total", **calls)
        - value(before, "ezitxt_hook_calls_total", **calls)
        == 1
    ), (outcome, {k: v for k, v in after.items() if k[0] == "ezitxt_hook_calls_total"})
    for name, labels in others:
        assert value(after, name, **labels) - value(before, name, **labels) == 1, (name, labels)
    assert (
        value(after, "ezitxt_hook_answer_seconds_count")
        - value(before, "ezitxt_hook_answer_seconds_count")
        == 1
    )
    # Only calls that reach the gateway are gateway calls.
    gateway_calls = sum(v for k, v in after.items() if k[0] == "ezitxt_gateway_calls_total") - sum(
        v for k, v in before.items() if k[0] == "ezitxt_gateway_calls_total"
    )
    reached = country != "none" and outcome not in REFUSED_BEFORE_THE_GATEWAY
    assert gateway_calls == (1 if reached else 0)
    assert value(after, "ezitxt_hook_calls_in_flight") == 0


def test_a_body_that_stops_arriving_counts_as_body_timeout(base_url: str) -> None:
    """Headers and part of the body, then nothing: the budget ends the call with a 408."""
    body = payloads.body()
    parts = urlsplit(base_url)
    before = scrape(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as client:
        head = (
            "POST /okta/telephony HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: {payloads.AUTHORIZATION}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        client.sendall(head.encode() + body[:10])
        answer = client.recv(65536)  # waits for the budget's end, at most the socket timeout
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:80]
    after = scrape(base_url)
    calls = {"outcome": "body_timeout", "request_type": "none", "country": "none"}
    name = "ezitxt_hook_calls_total"
    assert value(after, name, **calls) - value(before, name, **calls) == 1
    assert value(after, "ezitxt_hook_calls_in_flight") == 0


def test_a_replay_counts_as_replayed_and_makes_no_gateway_call(base_url: str) -> None:
    body = payloads.body()
    assert post(base_url, body).status_code == 200
    before = scrape(base_url)
    assert post(base_url, body).status_code == 200
    after = scrape(base_url)
    calls = {"outcome": "replayed", "request_type": MFA, "country": "NZ"}

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("ezitxt_hook_calls_total", **calls) == 1
    assert delta("ezitxt_hook_replays_total", replay_of="accepted") == 1
    assert delta("ezitxt_gateway_calls_total", status="202", result="accepted") == 0
    assert delta("ezitxt_gateway_call_seconds_count") == 0


def test_answer_latency_histogram_has_buckets_around_the_budget(base_url: str) -> None:
    post(base_url, payloads.body())
    samples = scrape(base_url)
    buckets = {
        dict(labels)["le"]
        for name, labels in samples
        if name == "ezitxt_hook_answer_seconds_bucket"
    }
    assert {"0.5", "1.0", "2.0", "2.5", "3.0", "+Inf"} <= buckets
    assert value(samples, "ezitxt_gateway_call_seconds_count") >= 1


def test_state_store_errors_are_counted_by_the_exported_function(base_url: str) -> None:
    before = scrape(base_url)
    count_state_store_error("redis", "replay_claim")
    after = scrape(base_url)
    labels = {"store": "redis", "operation": "replay_claim"}
    name = "ezitxt_hook_state_store_errors_total"
    assert value(after, name, **labels) - value(before, name, **labels) == 1


def test_no_label_value_is_a_number_an_event_id_or_a_user(base_url: str) -> None:
    document = payloads.request(phoneNumber="+64 21 987 6543")
    sent = [json.dumps(document).encode(), payloads.body(phoneNumber="12345678901234")]
    for body in sent + [sent[0]]:  # the repeat is a replay
        post(base_url, body)
    post(base_url, payloads.body(phoneNumber="0800 DEAD BEEF"))
    text = requests.get(base_url + "/metrics", timeout=5).text
    user = document["data"]["userProfile"]
    forbidden = [document["eventId"], user["login"], user["userId"], "aroha", "987"]
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            for label, label_value in sample.labels.items():
                if label == "le":
                    continue  # a bucket's bound
                where = (sample.name, label, label_value)
                # HTTP statuses are 3 digits; any longer run of digits could be a number.
                assert not re.search(r"\d{4,}", label_value), where
                assert not any(bad.lower() in label_value.lower() for bad in forbidden), where
                assert re.fullmatch(r"[a-z0-9_.+-]+|[A-Z]{2}", label_value), where
    for bad in forbidden[:3]:
        assert bad not in text


def test_metrics_on_their_own_port_leave_the_hook_port_answering_okta_404(
    gateway: tuple[StandInGateway, str],
) -> None:
    settings = load_settings({}, gateway_url=gateway[1], metrics_port=9)
    with serve(create_app(settings)) as url:
        response = requests.get(url + "/metrics", timeout=5)
    assert response.status_code == 404
    okta_answer(response.content)  # the schema's error object, as for any unknown path
    assert b"ezitxt_hook_calls" not in response.content


def test_auth_mode_refusals_are_counted_by_their_reason(
    gateway: tuple[StandInGateway, str],
) -> None:
    okta_sends = "Basic " + base64.b64encode(b"okta:static-secret").decode()
    settings = load_settings(
        {},
        gateway_url=gateway[1],
        auth_modes="static",
        static_secrets=json.dumps({okta_sends: payloads.AUTHORIZATION}),
    )
    name = "ezitxt_hook_auth_refusals_total"
    with serve(create_app(settings)) as url:
        before = scrape(url)
        refused = post(url, payloads.body())  # the gateway's secret is not the one Okta holds
        accepted = post(url, payloads.body(), Authorization=okta_sends)
        after = scrape(url)
    assert refused.status_code == 401 and accepted.status_code == 200
    assert (
        value(after, name, reason="unknown_secret") - value(before, name, reason="unknown_secret")
        == 1
    )
    assert (
        sum(v for k, v in after.items() if k[0] == name)
        - sum(v for k, v in before.items() if k[0] == name)
        == 1
    )


def test_fraud_policy_refusals_are_counted_by_their_reason(
    gateway: tuple[StandInGateway, str],
) -> None:
    """Number types and velocity limits, under the production defaults; the labels name the
    reason alone, never the number or its prefix."""
    settings = load_settings({}, gateway_url=gateway[1], **payloads.PRODUCTION_LIMITS)
    name = "ezitxt_hook_policy_refusals_total"
    with serve(create_app(settings)) as url:
        before = scrape(url)
        premium = post(url, payloads.body(phoneNumber="+64900012345"))
        answers = [post(url, payloads.body(phoneNumber="+64221234567")) for _ in range(6)]
        after = scrape(url)
        text = requests.get(url + "/metrics", timeout=5).text
    assert premium.status_code == 200 and "error" in premium.json()
    assert [a.json().get("commands") is not None for a in answers] == [True] * 5 + [False]
    assert answers[-1].json()["error"]["errorCauses"][0]["reason"] == "rate_limited_number"
    for reason in ("number_type_refused", "rate_limited_number"):
        delta = value(after, name, reason=reason) - value(before, name, reason=reason)
        assert delta == 1, reason
    calls = {"outcome": "rate_limited_number", "request_type": MFA, "country": "NZ"}
    calls_name = "ezitxt_hook_calls_total"
    assert value(after, calls_name, **calls) - value(before, calls_name, **calls) == 1
    assert "+6422123" not in text and "221234567" not in text


def test_a_call_waiting_on_the_gateway_is_in_flight_until_answered(
    base_url: str, gateway: tuple[StandInGateway, str]
) -> None:
    gateway[0].delay_s = 0.4
    answers: list[requests.Response] = []
    caller = threading.Thread(target=lambda: answers.append(post(base_url, payloads.body())))
    caller.start()
    try:
        deadline = time.monotonic() + 5
        while not gateway[0].received and time.monotonic() < deadline:
            time.sleep(0.01)  # until the call is at the gateway
        during = scrape(base_url)
    finally:
        caller.join(timeout=10)
    assert value(during, "ezitxt_hook_calls_in_flight") == 1
    assert answers[0].status_code == 200
    assert value(scrape(base_url), "ezitxt_hook_calls_in_flight") == 0


def test_the_readme_names_every_state_store_operation_that_is_counted() -> None:
    """``ezitxt_hook_state_store_errors_total{operation}`` takes the operation name every
    ``SharedState`` call passes (connector/state.py counts a failed one under it): the README's
    row lists exactly those, the conversion feedback's included."""
    root = Path(__file__).resolve().parents[2]
    call = re.compile(r'state\.(?:command|commands|send|script|send_script|run)\(\s*"(\w+)"')
    counted = {
        name
        for module in (root / "connector").glob("*.py")
        for name in call.findall(module.read_text(encoding="utf-8"))
    }
    assert {"replay_claim", "velocity_admit", "conversion_record"} <= counted
    readme = (root / "README.md").read_text(encoding="utf-8")
    (row,) = [r for r in readme.splitlines() if r.startswith("| `ezitxt_hook_state_store_errors")]
    listed = set(re.findall(r"`([a-z_]+)`", row.split("|")[4]))
    assert listed == counted
