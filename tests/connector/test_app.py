"""The connector over real sockets: uvicorn serving the app, a stand-in gateway on its own free
port, ``requests`` as Okta. Every answer validates against the response schema."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connector.app import create_app
from connector.settings import load_settings
from tests.connector import payloads
from tests.connector.fakes import StandInGateway
from tests.contract import command_value, okta_answer
from tests.servers import free_port, serve

BUDGET_MS = 800


@pytest.fixture(scope="module")
def gateway() -> Iterator[tuple[StandInGateway, str]]:
    stand_in = StandInGateway()
    with serve(stand_in.app()) as url:
        yield stand_in, url


@pytest.fixture(scope="module")
def hook_url(gateway: tuple[StandInGateway, str]) -> Iterator[str]:
    settings = load_settings({}, gateway_url=gateway[1], budget_ms=BUDGET_MS, max_body_bytes=4096)
    with serve(create_app(settings)) as url:
        yield url + "/okta/telephony"


@pytest.fixture(autouse=True)
def reset(gateway: tuple[StandInGateway, str]) -> None:
    gateway[0].reset()


def post(url: str, body: bytes, **headers: str) -> requests.Response:
    headers.setdefault("Authorization", payloads.AUTHORIZATION)
    headers.setdefault("Content-Type", "application/json")
    return requests.post(url, data=body, headers=headers, timeout=5)


def test_gateway_202_is_successful_with_its_message_id(
    hook_url: str, gateway: tuple[StandInGateway, str]
) -> None:
    okta_request = payloads.request(phoneNumber="021 123 4567")
    response = post(hook_url, json.dumps(okta_request).encode())
    assert response.status_code == 200
    value = command_value(okta_answer(response.content))
    assert value["status"] == "SUCCESSFUL"
    [received] = gateway[0].received
    assert received["json"] == {
        "destination": "+64211234567",
        "content": payloads.MESSAGE,
        "reference": okta_request["eventId"],
    }
    assert received["authorization"] == payloads.AUTHORIZATION
    assert value["transactionId"]  # the stand-in's uuid
    assert response.headers["content-type"] == "application/json"


def test_custom_auth_field(gateway: tuple[StandInGateway, str]) -> None:
    settings = load_settings({}, gateway_url=gateway[1], auth_field="X-Okta-Secret")
    with serve(create_app(settings)) as url:
        ok = post(
            url + "/okta/telephony",
            payloads.body(),
            **{"X-Okta-Secret": payloads.AUTHORIZATION, "Authorization": ""},
        )
        missing = post(url + "/okta/telephony", payloads.body())
    assert ok.status_code == 200
    assert missing.status_code == 401
    assert okta_answer(missing.content)["error"]["errorCauses"][0]["location"] == "X-Okta-Secret"


@pytest.mark.parametrize(
    ("status", "body", "expected_status", "expected"),
    [
        (401, {"message": "Unauthorised", "statusCode": 401, "error": "unauthorised"}, 401, None),
        (403, {"message": "Forbidden", "statusCode": 403, "error": "forbidden"}, 401, None),
        (
            400,
            {"message": "Invalid destination", "statusCode": 400, "error": "invalid_attrib"},
            200,
            "$.data.messageProfile.phoneNumber",
        ),
        (
            422,
            {"message": "content too long", "statusCode": 422, "error": "invalid_attrib"},
            200,
            "$.data.messageProfile.msgTemplate",
        ),
        (500, {"message": "boom"}, 503, None),
        (502, "<html>bad gateway</html>", 200, None),  # a proxy's: PENDING (issue 9 item 11)
        (503, {"message": "unavailable"}, 503, None),
        (404, {}, 503, None),
        (400, {"message": "Invalid JSON", "statusCode": 400, "error": "invalid_json"}, 503, None),
    ],
)
def test_gateway_answers_map_to_okta_outcomes(
    hook_url: str,
    gateway: tuple[StandInGateway, str],
    status: int,
    body: Any,
    expected_status: int,
    expected: str | None,
) -> None:
    gateway[0].status, gateway[0].body = status, body
    response = post(hook_url, payloads.body())
    assert response.status_code == expected_status
    document = okta_answer(response.content)
    if expected:
        assert document["error"]["errorCauses"][0]["location"] == expected
    # No gateway text ever reaches an answer Okta may show.
    assert "boom" not in response.text and "Invalid destination" not in response.text


def test_slow_gateway_is_pending_inside_the_budget(
    hook_url: str, gateway: tuple[StandInGateway, str]
) -> None:
    gateway[0].delay_s = 3.0
    started = time.monotonic()
    response = post(hook_url, payloads.body())
    elapsed_ms = (time.monotonic() - started) * 1000
    assert response.status_code == 200
    assert command_value(okta_answer(response.content))["status"] == "PENDING"
    assert len(gateway[0].received) == 1  # sent once, never retried
    # Correctness bound, not a benchmark: the answer must not wait for the gateway's 3 s.
    assert elapsed_ms < BUDGET_MS + 400


def test_unreachable_gateway_is_503() -> None:
    settings = load_settings({}, gateway_url=f"http://127.0.0.1:{free_port()}")
    with serve(create_app(settings)) as url:
        response = post(url + "/okta/telephony", payloads.body())
    assert response.status_code == 503
    assert okta_answer(response.content)["error"]["errorCauses"][0]["reason"] in (
        "gateway_unreachable",
        "no_time_left",
    )


def test_gateway_that_accepts_and_never_answers_is_pending() -> None:
    """A gateway that reads the request and then holds the connection open: sent, unconfirmed."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        listener.settimeout(5)
        try:
            conn, _ = listener.accept()
            conn.recv(65536)
            held.append(conn)
        except OSError:
            pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    settings = load_settings({}, gateway_url=f"http://127.0.0.1:{port}", budget_ms=500)
    try:
        with serve(create_app(settings)) as url:
            response = post(url + "/okta/telephony", payloads.body())
    finally:
        thread.join(5)
        for conn in held:
            conn.close()
        listener.close()
    assert response.status_code == 200
    assert command_value(okta_answer(response.content))["status"] == "PENDING"


def test_body_over_the_cap_is_413(hook_url: str, gateway: tuple[StandInGateway, str]) -> None:
    document = payloads.request()
    document["padding"] = "x" * 5000
    response = post(hook_url, json.dumps(document).encode())
    assert response.status_code == 413
    okta_answer(response.content)
    chunked = requests.post(
        hook_url,
        data=iter([b"{" + b" " * 3000, b" " * 3000 + b"}"]),
        headers={"Authorization": payloads.AUTHORIZATION},
        timeout=5,
    )
    assert chunked.status_code == 413
    assert gateway[0].received == []


def test_not_json_and_schema_failures_are_400(hook_url: str) -> None:
    assert post(hook_url, b"{not json").status_code == 400
    document = payloads.request()
    del document["data"]["messageProfile"]["deliveryChannel"]
    response = post(hook_url, json.dumps(document).encode())
    assert response.status_code == 400
    causes = okta_answer(response.content)["error"]["errorCauses"]
    assert causes[0]["location"] == "$.data.messageProfile.deliveryChannel"


def test_missing_credential_is_401_without_calling_the_gateway(
    hook_url: str, gateway: tuple[StandInGateway, str]
) -> None:
    response = post(hook_url, payloads.body(), Authorization="")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    okta_answer(response.content)
    assert gateway[0].received == []


def test_unknown_route_and_wrong_method_are_okta_shaped(hook_url: str) -> None:
    base = hook_url.rsplit("/okta/", 1)[0]
    not_found = requests.get(base + "/nope", timeout=5)
    wrong_method = requests.get(hook_url, timeout=5)
    assert not_found.status_code == 404 and wrong_method.status_code == 405
    okta_answer(not_found.content)
    okta_answer(wrong_method.content)


def test_health_and_readiness(hook_url: str) -> None:
    base = hook_url.rsplit("/okta/", 1)[0]
    assert requests.get(base + "/healthz", timeout=5).json() == {"status": "ok"}
    ready = requests.get(base + "/readyz", timeout=5)
    assert ready.status_code == 200 and ready.json()["gateway"] is True


def test_readiness_fails_when_the_gateway_is_down() -> None:
    settings = load_settings({}, gateway_url=f"http://127.0.0.1:{free_port()}")
    with serve(create_app(settings)) as url:
        ready = requests.get(url + "/readyz", timeout=5)
        health = requests.get(url + "/healthz", timeout=5)
    assert ready.status_code == 503 and ready.json()["status"] == "not_ready"
    assert health.status_code == 200
