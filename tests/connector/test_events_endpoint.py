"""``/okta/events`` over real sockets: Okta's verification call, the header secret (and an
application's own secret judged by a mock EZITXT gateway), deliveries counted once, and the
whole loop: a prefix whose codes are never entered blocked, nothing sent to it."""

from __future__ import annotations

import copy
import http.client
import json
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis

from connector import logs
from connector.app import create_app
from connector.events_endpoint import EVENTS_PATH
from connector.settings import load_settings
from tests.connector import payloads
from tests.connector.fakes import FakeGateway
from tests.connector.okta_events import delivery, log_event
from tests.contract import okta_answer
from tests.redis_server import RedisServer
from tests.servers import serve

EVENTS_SECRET = "Basic " + secrets.token_urlsafe(24)
STATE_SECRET = "s" * 32
BOT_PREFIX_NUMBER = "+6422555{:04d}"  # one prefix of 5 national digits: +6422555


def settings(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "gateway_url": "http://127.0.0.1:9",
        "events_secret": EVENTS_SECRET,
        "conversion_min_sends": 5,
    }
    values.update(overrides)
    return load_settings({}, **values)


@pytest.fixture(scope="module")
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture(scope="module")
def base_url(gateway: FakeGateway) -> Iterator[str]:
    with serve(create_app(settings(), gateway=gateway)) as url:
        yield url


def deliver(url: str, body: Any, secret: str | None = EVENTS_SECRET, **headers: str) -> Any:
    if secret is not None:
        headers.setdefault("Authorization", secret)
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers.setdefault("Content-Type", "application/json")
    return requests.post(url + EVENTS_PATH, data=data, headers=headers, timeout=5)


def verify(url: str, challenge: str | None, secret: str | None = EVENTS_SECRET) -> Any:
    headers = {}
    if secret is not None:
        headers["Authorization"] = secret
    if challenge is not None:
        headers["X-Okta-Verification-Challenge"] = challenge
    return requests.get(url + EVENTS_PATH, headers=headers, timeout=5)


def sign_in(url: str, user: str, phone: str) -> Any:
    document = payloads.request(phoneNumber=phone)
    document["data"]["userProfile"]["userId"] = user
    return requests.post(
        url + "/okta/telephony",
        data=json.dumps(document).encode(),
        headers={"Authorization": payloads.AUTHORIZATION, "Content-Type": "application/json"},
        timeout=5,
    )


def log_lines(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    """Every line the connector wrote: the hook's call lines (straight to fd 1) and the
    logging records (formatted as the JSON handler writes them)."""
    formatter = logs.JsonFormatter()
    records = [formatter.format(record) for record in caplog.records]
    caplog.clear()
    return capfd.readouterr().out + "\n".join(records) + "\n"


def metric(url: str, name: str, **labels: str) -> float:
    text = requests.get(url + "/metrics", timeout=5).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


def wait_for(condition: Any, timeout_s: float = 5.0) -> None:
    """Sends are recorded in the background, after the answer: wait (bounded) for one."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.02)


def test_without_the_events_secret_the_path_is_an_okta_shaped_404() -> None:
    with serve(create_app(settings(events_secret=None), gateway=FakeGateway())) as url:
        for response in (verify(url, "abc"), deliver(url, delivery())):
            assert response.status_code == 404
            okta_answer(response.content)  # the same Okta-shaped error as every unknown path


def test_okta_verification_echoes_the_challenge(base_url: str) -> None:
    challenge = secrets.token_urlsafe(30)
    response = verify(base_url, challenge)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"verification": challenge}


@pytest.mark.parametrize("challenge", [None, "", "x" * 1025, "tab\there"])
def test_a_verification_without_a_usable_challenge_is_400(
    base_url: str, challenge: str | None
) -> None:
    response = verify(base_url, challenge)
    assert response.status_code == 400
    assert response.json()["error"]["errorCauses"][0]["reason"] == "events_no_challenge"


@pytest.mark.parametrize(
    "secret",
    [
        None,  # missing
        "Basic wrong",
        EVENTS_SECRET[:-1],  # near misses: one character short, one more, one changed
        EVENTS_SECRET + "x",
        EVENTS_SECRET[:-1] + ("A" if EVENTS_SECRET[-1] != "A" else "B"),
        EVENTS_SECRET.lower(),
        EVENTS_SECRET.removeprefix("Basic "),  # the value without its scheme
    ],
)
def test_verification_and_delivery_need_the_whole_secret(base_url: str, secret: str | None) -> None:
    for response in (verify(base_url, "abc", secret), deliver(base_url, delivery(), secret)):
        assert response.status_code == 401
        error = okta_answer(response.content)["error"]
        assert error["errorCauses"][0]["reason"] == "events_unauthorized"
        assert "verification" not in response.text


def test_the_secret_twice_is_refused(base_url: str) -> None:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        connection.putrequest("GET", EVENTS_PATH)
        for _ in range(2):  # which one would be meant?
            connection.putheader("Authorization", EVENTS_SECRET)
        connection.putheader("X-Okta-Verification-Challenge", "abc")
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 401
        assert b"verification" not in response.read()
    finally:
        connection.close()


def test_the_auth_field_setting_names_the_header() -> None:
    app = create_app(settings(auth_field="X-Ezitxt-Secret"), gateway=FakeGateway())
    with serve(app) as url:
        assert deliver(url, delivery()).status_code == 401  # Authorization is not the field
        assert deliver(url, delivery(), None, **{"X-Ezitxt-Secret": EVENTS_SECRET}).ok


def test_bad_bodies(base_url: str) -> None:
    assert deliver(base_url, b"{not json").status_code == 400
    wrong = deliver(base_url, {"eventType": "com.okta.event_hook", "data": {"events": [{}]}})
    assert wrong.status_code == 400
    locations = {c["location"] for c in wrong.json()["error"]["errorCauses"]}
    assert "$.data.events[0].uuid" in locations
    huge = delivery(*[log_event() for _ in range(1)])
    huge["padding"] = "x" * 1_100_000
    assert deliver(base_url, huge).status_code == 413


def test_a_delivery_is_answered_200_with_an_empty_body(base_url: str) -> None:
    before = metric(
        base_url, "ezitxt_hook_events_total", event_type="other", outcome="ignored_type"
    )
    response = deliver(base_url, delivery(log_event("user.session.start"), log_event()))
    assert response.status_code == 200 and response.content == b""
    after = metric(base_url, "ezitxt_hook_events_total", event_type="other", outcome="ignored_type")
    assert after == before + 1  # an unknown type is ignored, and counted


def test_the_loop_blocks_a_pumped_prefix_and_spares_the_verified_ones(
    base_url: str,
    gateway: FakeGateway,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Legitimate users enter their codes (Okta tells /okta/events); a bot asks for codes to
    one prefix and enters none: after ``conversion_min_sends`` of its sends, the prefix is
    refused, nothing more is sent to it, and the legitimate users still get theirs."""
    blocks = metric(base_url, "ezitxt_hook_prefix_blocks_started_total", country="NZ")
    refused = {"reason": "prefix_blocked"}
    calls = {"outcome": "prefix_blocked", "request_type": "mfa-verification", "country": "NZ"}
    refusals = metric(base_url, "ezitxt_hook_policy_refusals_total", **refused)
    refused_calls = metric(base_url, "ezitxt_hook_calls_total", **calls)
    users = [f"00uLegit{n:04d}{secrets.token_hex(3)}" for n in range(3)]
    for n, user in enumerate(users):
        assert sign_in(base_url, user, f"+6421{n}234567").json()["commands"]
        event = log_event(user=user)
        assert deliver(base_url, delivery(event)).status_code == 200
        assert deliver(base_url, delivery(event)).status_code == 200  # Okta's redelivery
    before = len(gateway.calls)
    answers = []
    for n in range(8):
        bot = f"00uBot{n:04d}{secrets.token_hex(3)}"
        answers.append(sign_in(base_url, bot, BOT_PREFIX_NUMBER.format(n)).json())
        if n == 4:  # the fifth send judges the prefix: wait for its background recording
            wait_for(
                lambda: (
                    metric(base_url, "ezitxt_hook_prefix_blocks_started_total", country="NZ")
                    > blocks
                )
            )
    sent_to_bot = len(gateway.calls) - before
    assert sent_to_bot == 5
    assert all("commands" in a for a in answers[:5])
    for answer in answers[5:]:
        assert answer["error"]["errorCauses"][0]["reason"] == "prefix_blocked"
    # Counted as the README's Metrics say: a policy refusal, and the call's outcome.
    assert metric(base_url, "ezitxt_hook_policy_refusals_total", **refused) == refusals + 3
    assert metric(base_url, "ezitxt_hook_calls_total", **calls) == refused_calls + 3
    # A legitimate user on another prefix is not affected.
    assert sign_in(base_url, users[0], "+64271234567").json()["commands"]
    out = log_lines(capfd, caplog)
    assert '"outcome":"prefix_blocked"' in out  # the refused calls' own lines
    blocked = [json.loads(line) for line in out.splitlines() if '"prefix_blocked"' in line]
    assert any(
        line.get("event") == "prefix_blocked" and line["prefix"] == "+6422555" for line in blocked
    )
    line = next(line for line in blocked if line.get("event") == "prefix_blocked")
    assert (line["sent"], line["verified"], line["conversion"], line["block_level"]) == (
        5,
        0,
        0.0,
        1,
    )
    assert_safe(out, users, secrets_=[EVENTS_SECRET, payloads.PASSWORD, payloads.AUTHORIZATION])


def assert_safe(out: str, users: list[str], secrets_: list[str]) -> None:
    """No log line carries a secret, a user id, an OTP or a whole phone number."""
    for secret in secrets_:
        assert secret not in out
        assert secret.removeprefix("Basic ") not in out
    for user in users:
        assert user not in out
    assert payloads.OTP not in out
    assert not re.search(r"\+?64(21|22|27)\d{6,}", out)


def test_an_applications_own_secret_is_judged_by_the_gateway_and_cached(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Passthrough mode: a hosted org registers its event hook with its own Authentication
    Secret; the connector asks mock EZITXT (a read that sends nothing) and caches the verdict."""
    import asyncio

    from mocks.ezitxt.app import create_app as create_mock_ezitxt
    from mocks.ezitxt.backend import EzitxtBackend
    from mocks.ezitxt.credentials import basic_secret

    backend = EzitxtBackend(db_path=str(tmp_path / "ezitxt.db"))
    with serve(create_mock_ezitxt(backend)) as ezitxt_url:
        backend.applications.create("org-one")
        password = asyncio.run(backend.applications.generate_password("org-one")).password
        own = basic_secret("org-one", password)
        app = create_app(settings(gateway_url=ezitxt_url))
        endpoint = next(r for r in app.routes if getattr(r, "path", "") == EVENTS_PATH)
        authenticator = endpoint.endpoint.__self__.authenticator  # type: ignore[attr-defined]
        with serve(app) as url:
            assert verify(url, "c1", own).json() == {"verification": "c1"}
            assert deliver(url, delivery(log_event()), own).status_code == 200
            assert authenticator.gateway_checks == 1  # the verdict was cached
            wrong = basic_secret("org-one", password[:-1] + ("x" if password[-1] != "x" else "y"))
            assert deliver(url, delivery(), wrong).status_code == 401
            assert deliver(url, delivery(), wrong).status_code == 401
            assert authenticator.gateway_checks == 2
            assert deliver(url, delivery(), basic_secret("org-two", password)).status_code == 401
    out = log_lines(capfd, caplog)
    assert '"application":"org-one"' in out.replace(" ", "")
    assert_safe(out, [], secrets_=[own, password, EVENTS_SECRET])


def test_an_unreachable_gateway_cannot_vouch_for_an_application_secret() -> None:
    own = payloads.AUTHORIZATION  # well-formed, but no gateway listens on port 9
    with serve(create_app(settings())) as url:
        response = deliver(url, delivery(), own)
        assert response.status_code == 503  # Okta retries a failed delivery once
        assert deliver(url, delivery()).status_code == 200  # the events secret needs no gateway


def test_static_mode_takes_no_application_secret() -> None:
    table = json.dumps({"Basic c3RhdGljOnNlY3JldA==": payloads.AUTHORIZATION})
    app = create_app(settings(auth_modes="static", static_secrets=table), gateway=FakeGateway())
    with serve(app) as url:
        assert deliver(url, delivery(), payloads.AUTHORIZATION).status_code == 401


def test_two_replicas_sharing_redis_count_one_delivery_once(
    redis: RedisServer, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    if redis.process is None or redis.process.poll() is not None:
        redis.start()
    assert redis.command("FLUSHALL") == "+OK"
    shared = settings(redis_url=redis.url, state_secret=STATE_SECRET, redis_timeout_ms=1000)
    user = f"00uTwo{secrets.token_hex(4)}"
    with serve(create_app(shared, gateway=FakeGateway())) as one:
        with serve(create_app(shared, gateway=FakeGateway())) as two:
            assert sign_in(one, user, "+64211234567").json()["commands"]
            body = delivery(log_event(user=user))
            log_lines(capfd, caplog)
            client = Redis.from_url(redis.url)
            try:  # the send is recorded in the background: wait for it (bounded)
                wait_for(lambda: bool(list(client.scan_iter(match=b"ezitxt-okta:conv:user:*"))))
            finally:
                client.close()
            assert deliver(one, body).status_code == 200
            assert deliver(two, copy.deepcopy(body)).status_code == 200
            assert deliver(two, body).status_code == 200
    out = log_lines(capfd, caplog)
    assert_safe(out, [user], secrets_=[EVENTS_SECRET, STATE_SECRET])
    lines = [json.loads(line) for line in out.splitlines() if "okta_events" in line]
    counted = [line["counted"] for line in lines if line.get("event") == "okta_events"]
    assert counted == [{"verified": 1}, {"duplicate": 1}, {"duplicate": 1}]


def test_with_redis_down_a_delivery_is_503_for_okta_to_retry_and_the_hook_still_sends() -> None:
    down = settings(
        redis_url="redis://127.0.0.1:9/0", state_secret=STATE_SECRET, redis_timeout_ms=100
    )
    gateway = FakeGateway()
    with serve(create_app(down, gateway=gateway)) as url:
        response = deliver(url, delivery(log_event()))
        assert response.status_code == 503
        error = okta_answer(response.content)["error"]
        assert error["errorCauses"][0]["reason"] == "events_state_unavailable"
        assert sign_in(url, "00uDown0000000000000", "+64211234567").json()["commands"]
        assert len(gateway.calls) == 1  # fails open: no block read, the send not counted
        assert deliver(url, delivery(log_event("user.session.start"))).status_code == 200


def test_head_is_the_verification_call_without_a_body(base_url: str) -> None:
    headers = {"Authorization": EVENTS_SECRET, "X-Okta-Verification-Challenge": "abc"}
    response = requests.head(base_url + EVENTS_PATH, headers=headers, timeout=5)
    assert response.status_code == 200 and response.content == b""
    assert requests.put(base_url + EVENTS_PATH, headers=headers, timeout=5).status_code == 405


def test_a_block_started_on_one_replica_is_kept_by_the_other(redis: RedisServer) -> None:
    if redis.process is None or redis.process.poll() is not None:
        redis.start()
    assert redis.command("FLUSHALL") == "+OK"
    shared = settings(redis_url=redis.url, state_secret=STATE_SECRET, redis_timeout_ms=1000)
    gateway_one, gateway_two = FakeGateway(), FakeGateway()
    with serve(create_app(shared, gateway=gateway_one)) as one:
        with serve(create_app(shared, gateway=gateway_two)) as two:
            user = f"00uRep{secrets.token_hex(4)}"
            assert sign_in(one, user, "+64211234567").json()["commands"]
            client = Redis.from_url(redis.url)
            try:  # the send is recorded in the background: wait for it (bounded)
                wait_for(lambda: bool(list(client.scan_iter(match=b"ezitxt-okta:conv:user:*"))))
                assert deliver(two, delivery(log_event(user=user))).status_code == 200
                for n in range(5):
                    bot = f"00uRepBot{n}{secrets.token_hex(3)}"
                    assert sign_in(one, bot, BOT_PREFIX_NUMBER.format(n)).json()["commands"]
                wait_for(lambda: client.exists(b"ezitxt-okta:conv:block:+6422555:okta-hook") == 1)
            finally:
                client.close()
            refused = sign_in(two, "00uRepBot9", BOT_PREFIX_NUMBER.format(9)).json()
            assert refused["error"]["errorCauses"][0]["reason"] == "prefix_blocked"
            assert gateway_two.calls == []  # replica two sent nothing to the prefix
