"""The auth modes end to end: the connector under uvicorn, a stand-in gateway and a stand-in
Okta authorization server (its own keys and JWKS) on free loopback ports, ``requests`` as Okta.

Each refused token is a 401 with its reason as the log line's outcome, and the gateway is never
called; an accepted caller's SMS goes out with the EZITXT secret its mode maps it to.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests

from connector.app import create_app
from connector.logs import CallLog, JsonFormatter
from tests.connector import payloads
from tests.connector.fakes import StandInGateway
from tests.connector.issuer import (
    APP_SECRET,
    CLIENT_ID,
    OTHER_APP_SECRET,
    OTHER_CLIENT_ID,
    SCOPE,
    SERVER_PATH,
    SigningKey,
    StandInIssuer,
    claims,
    hs256_with_public_key,
    mint,
    with_payload,
)
from tests.servers import free_port, serve

BUDGET_MS = 800
CLIENTS = json.dumps({CLIENT_ID: APP_SECRET, OTHER_CLIENT_ID: OTHER_APP_SECRET})
OLD_STATIC = "Basic " + base64.b64encode(b"okta:old-connector-secret").decode()
NEW_STATIC = "Basic " + base64.b64encode(b"okta:new-connector-secret").decode()
STATICS = json.dumps({OLD_STATIC: APP_SECRET, NEW_STATIC: APP_SECRET})


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="module", autouse=True)
def captured() -> Iterator[Capture]:
    handler = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


@pytest.fixture(scope="module")
def keys() -> tuple[SigningKey, SigningKey]:
    return SigningKey.rsa("rsa-1"), SigningKey.ec("ec-1")


@pytest.fixture(scope="module")
def gateway() -> Iterator[tuple[StandInGateway, str]]:
    stand_in = StandInGateway()
    with serve(stand_in.app()) as url:
        yield stand_in, url


@pytest.fixture(scope="module")
def issuer(keys: tuple[SigningKey, SigningKey]) -> Iterator[tuple[StandInIssuer, str]]:
    stand_in = StandInIssuer(keys=list(keys))
    with serve(stand_in.app()) as url:
        yield stand_in, url + SERVER_PATH


@pytest.fixture(scope="module")
def calls() -> io.BytesIO:
    return io.BytesIO()


@contextmanager
def connector(gateway_url: str, calls: io.BytesIO, **settings: Any) -> Iterator[tuple[str, Any]]:
    """The connector on a free port; yields the hook URL and the app's authenticator."""
    from connector.settings import load_settings

    values = load_settings({}, gateway_url=gateway_url, budget_ms=BUDGET_MS, **settings)
    app = create_app(values, call_log=CallLog("json", stream=calls))
    with serve(app) as url:
        yield url + "/okta/telephony", app.hook_endpoint.hook.authenticator


def oauth_settings(issuer_url: str) -> dict[str, Any]:
    return {
        "auth_modes": "oauth",
        "oauth_issuer": issuer_url,
        "oauth_scope": SCOPE,
        "oauth_clients": CLIENTS,
    }


@pytest.fixture(scope="module")
def oauth_hook(
    gateway: tuple[StandInGateway, str], issuer: tuple[StandInIssuer, str], calls: io.BytesIO
) -> Iterator[str]:
    with connector(gateway[1], calls, **oauth_settings(issuer[1])) as (url, _):
        yield url


@pytest.fixture(autouse=True)
def reset(gateway: tuple[StandInGateway, str]) -> None:
    gateway[0].reset()


def post(url: str, authorization: str | None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return requests.post(url, data=payloads.body(), headers=headers, timeout=5)


def last_outcome(calls: io.BytesIO) -> str:
    line = calls.getvalue().decode().splitlines()[-1]
    outcome: str = json.loads(line)["outcome"]
    return outcome


@pytest.mark.parametrize("which", [0, 1], ids=["RS256", "ES256"])
def test_a_valid_token_sends_with_its_clients_secret(
    which: int,
    oauth_hook: str,
    issuer: tuple[StandInIssuer, str],
    gateway: tuple[StandInGateway, str],
    keys: tuple[SigningKey, SigningKey],
    calls: io.BytesIO,
) -> None:
    token = mint(keys[which], claims(issuer[1]))
    answer = post(oauth_hook, f"Bearer {token}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["commands"][0]["value"][0]["status"] == "SUCCESSFUL"
    assert [call["authorization"] for call in gateway[0].received] == [APP_SECRET]
    assert last_outcome(calls) == "sent"


def test_each_client_sends_with_its_own_secret(
    oauth_hook: str,
    issuer: tuple[StandInIssuer, str],
    gateway: tuple[StandInGateway, str],
    keys: tuple[SigningKey, SigningKey],
) -> None:
    token = mint(keys[0], claims(issuer[1], cid=OTHER_CLIENT_ID, sub=OTHER_CLIENT_ID))
    assert post(oauth_hook, f"Bearer {token}").status_code == 200
    assert [call["authorization"] for call in gateway[0].received] == [OTHER_APP_SECRET]


def _forged(kind: str, issuer_url: str, keys: tuple[SigningKey, SigningKey]) -> str:
    rsa_key = keys[0]
    good = claims(issuer_url)
    if kind == "alg_none":
        header = base64.urlsafe_b64encode(b'{"alg":"none","kid":"rsa-1"}').rstrip(b"=")
        body = base64.urlsafe_b64encode(json.dumps(good).encode()).rstrip(b"=")
        return f"{header.decode()}.{body.decode()}."
    if kind == "hs256_public_key":
        return hs256_with_public_key(rsa_key, good)
    if kind == "tampered":
        signed = mint(rsa_key, claims(issuer_url, cid=OTHER_CLIENT_ID))
        return with_payload(signed, good)
    if kind == "foreign_key":
        return mint(SigningKey.rsa(rsa_key.kid), good)  # right kid, someone else's key
    if kind == "es256_header_rsa_kid":
        return mint(SigningKey(rsa_key.kid, "ES256", keys[1].private), good)
    raise AssertionError(kind)


REFUSED_CLAIMS = [
    ("expired", {"exp": -120, "iat": -3720}, "token_expired"),
    ("not_yet_valid", {"nbf": 600}, "token_not_yet_valid"),
    ("issued_in_future", {"iat": 600, "exp": 4200}, "token_issued_in_future"),
    ("wrong_issuer", {"iss": "https://other.okta.com/oauth2/default"}, "token_issuer"),
    ("wrong_audience", {"aud": "api://other"}, "token_audience"),
    ("scope_missing", {"scp": ["openid"]}, "token_scope"),
    ("unknown_client", {"cid": "0oa-stranger"}, "token_client"),
]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [case[1:] for case in REFUSED_CLAIMS],
    ids=[case[0] for case in REFUSED_CLAIMS],
)
def test_refused_claims_are_401_with_the_reason_logged(
    overrides: dict[str, Any],
    reason: str,
    oauth_hook: str,
    issuer: tuple[StandInIssuer, str],
    gateway: tuple[StandInGateway, str],
    keys: tuple[SigningKey, SigningKey],
    calls: io.BytesIO,
) -> None:
    values = claims(issuer[1])
    now = values["iat"]
    for name, value in overrides.items():  # times are seconds from now
        values[name] = now + value if name in ("exp", "nbf", "iat") else value
    answer = post(oauth_hook, f"Bearer {mint(keys[0], values)}")
    assert answer.status_code == 401
    assert gateway[0].received == []
    assert last_outcome(calls) == reason


FORGERIES = [
    ("alg_none", "token_algorithm"),
    ("hs256_public_key", "token_algorithm"),
    ("tampered", "token_signature"),
    ("foreign_key", "token_signature"),
    ("es256_header_rsa_kid", "token_algorithm"),
]


@pytest.mark.parametrize(("kind", "reason"), FORGERIES, ids=[f[0] for f in FORGERIES])
def test_forged_tokens_are_401(
    kind: str,
    reason: str,
    oauth_hook: str,
    issuer: tuple[StandInIssuer, str],
    gateway: tuple[StandInGateway, str],
    keys: tuple[SigningKey, SigningKey],
    calls: io.BytesIO,
) -> None:
    answer = post(oauth_hook, f"Bearer {_forged(kind, issuer[1], keys)}")
    assert answer.status_code == 401
    assert gateway[0].received == []
    assert last_outcome(calls) == reason


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        (None, "missing_credential"),
        (payloads.AUTHORIZATION, "token_missing"),  # oauth alone: the Basic secret is no token
        ("Bearer not.a.jwt", "token_malformed"),
        ("Bearer ", "token_malformed"),
    ],
)
def test_no_token_is_401(
    authorization: str | None,
    reason: str,
    oauth_hook: str,
    gateway: tuple[StandInGateway, str],
    calls: io.BytesIO,
) -> None:
    assert post(oauth_hook, authorization).status_code == 401
    assert gateway[0].received == []
    assert last_outcome(calls) == reason


def test_unknown_kid_then_rotation_is_picked_up(
    gateway: tuple[StandInGateway, str], keys: tuple[SigningKey, SigningKey], calls: io.BytesIO
) -> None:
    stand_in = StandInIssuer(keys=[keys[0]])
    rotated = SigningKey.rsa("rsa-rotated")
    with serve(stand_in.app()) as base:
        issuer_url = base + SERVER_PATH
        with connector(gateway[1], calls, **oauth_settings(issuer_url)) as (url, auth):
            token = mint(rotated, claims(issuer_url))
            assert post(url, f"Bearer {token}").status_code == 401
            assert last_outcome(calls) == "token_key_unknown"
            stand_in.keys = [keys[0], rotated]  # Okta publishes the new key
            auth.verifier.jwks.min_refresh_s = 0.0  # the interval has passed
            assert post(url, f"Bearer {token}").status_code == 200
            assert last_outcome(calls) == "sent"
            fetches = stand_in.key_fetches
            assert post(url, f"Bearer {token}").status_code == 200  # cached now
            assert stand_in.key_fetches == fetches == 2


def test_jwks_down_is_401_jwks_unavailable(
    gateway: tuple[StandInGateway, str], keys: tuple[SigningKey, SigningKey], calls: io.BytesIO
) -> None:
    issuer_url = f"http://127.0.0.1:{free_port()}{SERVER_PATH}"
    with connector(gateway[1], calls, **oauth_settings(issuer_url)) as (url, _):
        answer = post(url, f"Bearer {mint(keys[0], claims(issuer_url))}")
    assert answer.status_code == 401
    assert last_outcome(calls) == "jwks_unavailable"
    assert gateway[0].received == []


def test_jwks_slow_past_the_budget_is_answered_in_the_budget(
    gateway: tuple[StandInGateway, str], keys: tuple[SigningKey, SigningKey], calls: io.BytesIO
) -> None:
    stand_in = StandInIssuer(keys=list(keys), delay_s=2.5)
    with serve(stand_in.app()) as base:
        issuer_url = base + SERVER_PATH
        with connector(gateway[1], calls, **oauth_settings(issuer_url)) as (url, _):
            answer = post(url, f"Bearer {mint(keys[0], claims(issuer_url))}")
            # Answered while the issuer still held the key fetch: the answer did not wait.
            assert stand_in.in_flight == 1
    assert answer.status_code == 401
    assert last_outcome(calls) == "jwks_unavailable"


def test_static_rotation_two_secrets_live_at_once(
    gateway: tuple[StandInGateway, str], calls: io.BytesIO
) -> None:
    with connector(gateway[1], calls, auth_modes="static", static_secrets=STATICS) as (url, _):
        assert post(url, OLD_STATIC).status_code == 200
        assert post(url, NEW_STATIC).status_code == 200
        assert [c["authorization"] for c in gateway[0].received] == [APP_SECRET, APP_SECRET]
        # Neither the mapped-to secret nor a near miss is one of the connector's secrets. (No
        # trailing-space miss: a header's trailing whitespace is not part of its value, RFC 9110
        # §5.5, and httptools 0.9 strips it before the app sees it.)
        for value in (
            APP_SECRET,
            OLD_STATIC + "A",
            OLD_STATIC[:-1],
            OLD_STATIC.lower(),
            "Bearer x",
        ):
            assert post(url, value).status_code == 401
            assert last_outcome(calls) == "unknown_secret"
    assert len(gateway[0].received) == 2


def test_static_with_passthrough_forwards_what_is_no_static_secret(
    gateway: tuple[StandInGateway, str], calls: io.BytesIO
) -> None:
    modes = {"auth_modes": "static,passthrough", "static_secrets": STATICS}
    with connector(gateway[1], calls, **modes) as (url, _):
        assert post(url, NEW_STATIC).status_code == 200
        assert post(url, payloads.AUTHORIZATION).status_code == 200
    assert [c["authorization"] for c in gateway[0].received] == [
        APP_SECRET,
        payloads.AUTHORIZATION,
    ]


def test_oauth_and_static_together(
    gateway: tuple[StandInGateway, str],
    issuer: tuple[StandInIssuer, str],
    keys: tuple[SigningKey, SigningKey],
    calls: io.BytesIO,
) -> None:
    settings = {
        **oauth_settings(issuer[1]),
        "auth_modes": "oauth,static",
        "static_secrets": STATICS,
    }
    with connector(gateway[1], calls, **settings) as (url, _):
        assert post(url, f"Bearer {mint(keys[1], claims(issuer[1]))}").status_code == 200
        assert post(url, OLD_STATIC).status_code == 200
        assert post(url, payloads.AUTHORIZATION).status_code == 401
        assert last_outcome(calls) == "unknown_secret"


def test_no_secret_or_token_in_any_log_line(
    captured: Capture,
    gateway: tuple[StandInGateway, str],
    issuer: tuple[StandInIssuer, str],
    keys: tuple[SigningKey, SigningKey],
    calls: io.BytesIO,
) -> None:
    """Runs last in this module (pytest keeps file order): every line the module left."""
    settings = {
        **oauth_settings(issuer[1]),
        "auth_modes": "oauth,static,passthrough",
        "static_secrets": STATICS,
    }
    tokens = [mint(keys[0], claims(issuer[1])), mint(keys[0], claims(issuer[1], aud="x"))]
    with connector(gateway[1], calls, **settings) as (url, _):
        for value in [f"Bearer {t}" for t in tokens] + [OLD_STATIC, NEW_STATIC]:
            post(url, value)
    text = "\n".join(captured.lines + calls.getvalue().decode().splitlines())
    assert "auth_modes" in text  # the start line is among them
    secrets = [APP_SECRET, OTHER_APP_SECRET, OLD_STATIC, NEW_STATIC, *tokens]
    basics = [s.split(" ", 1)[1] for s in secrets[:4]]  # without the scheme, too
    for secret in secrets + basics + [t.split(".")[2] for t in tokens]:
        assert secret not in text
