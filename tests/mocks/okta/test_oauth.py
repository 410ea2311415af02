"""Mock Okta's authorization server, Hook Keys API and OAUTH inline-hook channels (issue 12):
tokens as Okta issues them, Okta's OAuth error bodies, key rotation, and flows that get a token
before they call the hook (a stub hook checks it with PyJWT against the JWKS)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.mocks.okta.conftest import Org, assert_valid, commands, hook_body, running_org
from tests.servers import serve

SCOPE = "ezitxt.hook"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class BearerHook:
    """A telephony hook that accepts a call only with a Bearer token valid for its issuer."""

    issuer: str = ""
    audience: str = "api://default"
    url: str = ""
    tokens: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    # The org's fake clock: the token's times are checked against it, not the wall clock.
    clock: Callable[[], float] = time.time

    def app(self) -> Starlette:
        async def handle(request: Request) -> Response:
            header = request.headers.get("authorization", "")
            if not header.startswith("Bearer "):
                self.refusals.append("no bearer")
                return JSONResponse({"error": {"errorSummary": "Unauthorized"}}, status_code=401)
            token = header[len("Bearer ") :]
            try:
                claims = await asyncio.to_thread(self.verify, token)
            except jwt.PyJWTError as exc:
                self.refusals.append(type(exc).__name__)
                return JSONResponse({"error": {"errorSummary": "Unauthorized"}}, status_code=401)
            self.tokens.append(token)
            return JSONResponse(commands("SUCCESSFUL", transactionId=f"txn-{claims['cid']}"))

        return Starlette(routes=[Route("/hook", handle, methods=["POST"])])

    def verify(self, token: str) -> dict[str, Any]:
        meta = requests.get(f"{self.issuer}/.well-known/oauth-authorization-server", timeout=5)
        keys = requests.get(meta.json()["jwks_uri"], timeout=5).json()["keys"]
        kid = jwt.get_unverified_header(token)["kid"]
        jwk = next(k for k in keys if k["kid"] == kid)
        claims: dict[str, Any] = jwt.decode(
            token,
            RSAAlgorithm.from_jwk(jwk),  # type: ignore[arg-type]
            algorithms=["RS256"],
            audience=self.audience,
            issuer=self.issuer,
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
        if not claims["iat"] - 5 <= self.clock() < claims["exp"]:
            raise jwt.ExpiredSignatureError("outside its lifetime")
        if SCOPE not in claims["scp"]:
            raise jwt.InvalidTokenError("scope")
        return claims


@pytest.fixture(scope="module")
def oauth_org(ca_file: str) -> Iterator[Org]:
    # The org serves plain http on loopback: --allow-http lets its tokenUrl be http too.
    with running_org(ca_file, allow_http=True, hook_timeout_s=3.0) as org:
        yield org


@pytest.fixture
def org2(oauth_org: Org) -> Org:
    assert oauth_org.api("POST", "/_mock/reset").status_code == 204
    oauth_org.clock.now = time.time()
    return oauth_org


@pytest.fixture(scope="module")
def bearer_hook(server_tls: Any) -> Iterator[BearerHook]:
    hook = BearerHook()
    with serve(hook.app(), ssl_context=server_tls) as url:
        hook.url = f"{url}/hook"
        yield hook


@pytest.fixture
def stub(bearer_hook: BearerHook, org2: Org) -> BearerHook:
    bearer_hook.issuer = f"{org2.url}/oauth2/default"
    bearer_hook.clock = org2.clock
    bearer_hook.tokens.clear()
    bearer_hook.refusals.clear()
    return bearer_hook


def add_scope(org: Org, server: str = "default", scope: str = SCOPE) -> None:
    response = org.api("POST", f"/_mock/oauth/servers/{server}/scopes", json={"name": scope})
    assert response.status_code == 200, response.text


def new_client(org: Org, **doc: Any) -> dict[str, Any]:
    doc.setdefault("scopes", [SCOPE])
    response = org.api("POST", "/_mock/oauth/clients", json=doc)
    assert response.status_code == 200, response.text
    client: dict[str, Any] = response.json()
    return client


def token_request(org: Org, form: dict[str, str], server: str = "default") -> requests.Response:
    return org.api("POST", f"/oauth2/{server}/v1/token", data=form)


def secret_form(client: dict[str, Any], **extra: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "scope": SCOPE,
        "client_id": client["client_id"],
        "client_secret": client["client_secret"],
        **extra,
    }


def jwks_of(org: Org, server: str = "default") -> list[dict[str, Any]]:
    keys: list[dict[str, Any]] = org.api("GET", f"/oauth2/{server}/v1/keys").json()["keys"]
    return keys


def verify(org: Org, token: str, server: str = "default") -> dict[str, Any]:
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in jwks_of(org, server) if k["kid"] == kid)
    claims: dict[str, Any] = jwt.decode(
        token,
        RSAAlgorithm.from_jwk(jwk),  # type: ignore[arg-type]
        algorithms=["RS256"],
        audience="api://default",
        issuer=f"{org.url}/oauth2/{server}",
        leeway=5,
    )
    return claims


def assertion(key: rsa.RSAPrivateKey, client_id: str, token_url: str, **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "iat": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
        **claims,
    }
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "k1"})


def public_jwk(key: rsa.RSAPrivateKey, kid: str = "k1") -> dict[str, Any]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "alg": "RS256"}


# Discovery, JWKS, rotation


def test_discovery_names_the_jwks_and_token_endpoints(org2: Org) -> None:
    issuer = f"{org2.url}/oauth2/default"
    doc = org2.api("GET", "/oauth2/default/.well-known/oauth-authorization-server").json()
    assert doc["issuer"] == issuer
    assert doc["jwks_uri"] == f"{issuer}/v1/keys"
    assert doc["token_endpoint"] == f"{issuer}/v1/token"
    assert {"client_secret_post", "private_key_jwt"} <= set(
        doc["token_endpoint_auth_methods_supported"]
    )
    keys = jwks_of(org2)
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256"
    assert "d" not in keys[0] and "p" not in keys[0]  # public halves only
    missing = org2.api("GET", "/oauth2/nosuch/.well-known/oauth-authorization-server")
    assert missing.status_code == 404 and missing.json()["errorCode"] == "E0000007"


def test_custom_server_has_its_own_issuer_keys_and_audience(org2: Org) -> None:
    created = org2.api(
        "POST",
        "/_mock/oauth/servers",
        json={"id": "ausEzitxt", "name": "EZITXT", "audience": "api://ezitxt", "scopes": [SCOPE]},
    )
    assert created.status_code == 200, created.text
    assert created.json()["issuer"] == f"{org2.url}/oauth2/ausEzitxt"
    client = new_client(org2)
    answer = token_request(org2, secret_form(client), server="ausEzitxt")
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    jwk = next(
        k for k in jwks_of(org2, "ausEzitxt") if k["kid"] == jwt.get_unverified_header(token)["kid"]
    )
    claims = jwt.decode(
        token,
        RSAAlgorithm.from_jwk(jwk),  # type: ignore[arg-type]
        algorithms=["RS256"],
        audience="api://ezitxt",
        issuer=f"{org2.url}/oauth2/ausEzitxt",
    )
    assert claims["cid"] == client["client_id"]
    assert {k["kid"] for k in jwks_of(org2, "ausEzitxt")}.isdisjoint(
        {k["kid"] for k in jwks_of(org2)}
    )
    bad = org2.api(
        "POST", "/_mock/oauth/servers", json={"name": "x", "accessTokenLifetimeSeconds": 0}
    )
    assert bad.status_code == 400


def test_rotation_keeps_the_previous_key_published_then_drops_it(org2: Org) -> None:
    add_scope(org2)
    client = new_client(org2)
    before = token_request(org2, secret_form(client)).json()["access_token"]
    old_kid = jwt.get_unverified_header(before)["kid"]
    assert org2.api("POST", "/_mock/oauth/servers/default/rotate").status_code == 200
    after = token_request(org2, secret_form(client)).json()["access_token"]
    new_kid = jwt.get_unverified_header(after)["kid"]
    assert new_kid != old_kid
    assert [k["kid"] for k in jwks_of(org2)] == [new_kid, old_kid]
    verify(org2, before)  # a token signed before the rotation still verifies
    verify(org2, after)
    org2.api("POST", "/_mock/oauth/servers/default/rotate")
    assert old_kid not in {k["kid"] for k in jwks_of(org2)}


# The token endpoint


def test_client_secret_post_token_has_okta_s_claims(org2: Org) -> None:
    add_scope(org2)
    client = new_client(org2)
    answer = token_request(org2, secret_form(client))
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == SCOPE
    claims = verify(org2, body["access_token"])
    assert claims["cid"] == claims["sub"] == client["client_id"]
    assert claims["scp"] == [SCOPE]
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["ver"] == 1 and claims["jti"]
    # The secret is shown once, at creation.
    shown = org2.api("GET", f"/_mock/oauth/clients/{client['client_id']}").json()
    assert "client_secret" not in shown


def test_private_key_jwt_token_with_a_registered_key(org2: Org) -> None:
    add_scope(org2)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client = new_client(org2, authMethod="private_key_jwt", jwks={"keys": [public_jwk(key)]})
    token_url = f"{org2.url}/oauth2/default/v1/token"
    form = {
        "grant_type": "client_credentials",
        "scope": SCOPE,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion(key, client["client_id"], token_url),
    }
    answer = token_request(org2, form)
    assert answer.status_code == 200, answer.text
    assert verify(org2, answer.json()["access_token"])["cid"] == client["client_id"]
    # The same assertion twice: its jti is used once only.
    replayed = token_request(org2, form)
    assert replayed.status_code == 401
    assert replayed.json() == {
        "error": "invalid_client",
        "error_description": "The client_assertion token has already been used.",
    }


def _assertion_form(
    org: Org, key: rsa.RSAPrivateKey, client_id: str, **claims: Any
) -> dict[str, str]:
    token_url = f"{org.url}/oauth2/default/v1/token"
    return {
        "grant_type": "client_credentials",
        "scope": SCOPE,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion(key, client_id, token_url, **claims),
    }


@pytest.mark.parametrize(
    ("change", "description"),
    [
        ({"aud": "https://elsewhere.example/v1/token"}, "must be the token endpoint"),
        ({"exp": int(time.time()) - 60}, "token is expired"),
        ({"exp": int(time.time()) + 7200}, "too far into the future"),
        ({"sub": "0oaSomeoneElse000000"}, "'sub' must be the client id"),
        ({"jti": None}, "is invalid"),
        ({"other_key": True}, "signature is invalid"),
    ],
    ids=["audience", "expired", "exp-too-far", "sub", "no-jti", "other-key"],
)
def test_bad_client_assertions_are_invalid_client(
    org2: Org, change: dict[str, Any], description: str
) -> None:
    add_scope(org2)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client = new_client(org2, authMethod="private_key_jwt", jwks={"keys": [public_jwk(key)]})
    signer = key
    if change.pop("other_key", False):
        signer = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {k: v for k, v in change.items() if v is not None}
    form = _assertion_form(org2, signer, client["client_id"], **claims)
    if "jti" in change:
        unsigned = jwt.decode(form["client_assertion"], options={"verify_signature": False})
        unsigned.pop("jti")
        form["client_assertion"] = jwt.encode(unsigned, key, algorithm="RS256")
    answer = token_request(org2, form)
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "invalid_client"
    assert description in answer.json()["error_description"]


def test_token_endpoint_errors_are_okta_s_oauth_bodies(org2: Org) -> None:
    add_scope(org2)
    client = new_client(org2)
    key_client = new_client(
        org2,
        authMethod="private_key_jwt",
        jwks={"keys": [public_jwk(rsa.generate_private_key(public_exponent=65537, key_size=2048))]},
    )
    cases: list[tuple[dict[str, str], int, str, str]] = [
        ({**secret_form(client), "grant_type": ""}, 400, "invalid_request", "grant_type"),
        (secret_form(client, grant_type="password"), 400, "unsupported_grant_type", "password"),
        (secret_form(client, client_secret="wrong"), 401, "invalid_client", "secret supplied"),
        (secret_form(client, client_id="0oaNoSuchClient00000"), 401, "invalid_client", "client_id"),
        (
            {"grant_type": "client_credentials", "scope": SCOPE},
            401,
            "invalid_client",
            "Client authentication failed",
        ),
        (secret_form(client, scope=""), 400, "invalid_scope", "'scope' must be provided"),
        (secret_form(client, scope="other.scope"), 400, "invalid_scope", "not configured"),
        (
            {**secret_form(client), "client_id": key_client["client_id"]},
            401,
            "invalid_client",
            "private_key_jwt",
        ),
        (
            {**secret_form(client), "client_assertion": "x", "client_assertion_type": "bad"},
            400,
            "invalid_request",
            "client_assertion_type",
        ),
        (
            {
                **secret_form(client),
                "client_assertion": "not.a.jwt",
                "client_assertion_type": ASSERTION_TYPE,
            },
            401,
            "invalid_client",
            "not a valid JWT",
        ),
    ]
    for form, status, error, words in cases:
        answer = token_request(org2, form)
        assert answer.status_code == status, (form, answer.text)
        body = answer.json()
        assert set(body) == {"error", "error_description"}, body
        assert body["error"] == error and words in body["error_description"], body
        assert client["client_secret"] not in answer.text
    # A scope the server has but not granted to this client.
    add_scope(org2, scope="other.scope")
    refused = token_request(org2, secret_form(client, scope="other.scope"))
    assert refused.status_code == 400 and "not granted" in refused.json()["error_description"]
    # Not a form; a parameter twice.
    as_json = org2.api("POST", "/oauth2/default/v1/token", json=secret_form(client))
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"
    twice = org2.api(
        "POST",
        "/oauth2/default/v1/token",
        data="grant_type=client_credentials&scope=a&scope=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert twice.status_code == 400 and "repeated" in twice.json()["error_description"]


# OAUTH channels and hook keys


def oauth_hook_body(uri: str, token_url: str, **config: Any) -> dict[str, Any]:
    body = hook_body(uri)
    body["channel"] = {
        "type": "OAUTH",
        "version": "1.0.0",
        "config": {
            "uri": uri,
            "headers": [],
            "method": "POST",
            "authScheme": None,
            "tokenUrl": token_url,
            "scope": SCOPE,
            **config,
        },
    }
    return body


def test_oauth_channel_create_and_get_never_show_the_secret(org2: Org, stub: BearerHook) -> None:
    token_url = f"{org2.url}/oauth2/default/v1/token"
    body = oauth_hook_body(
        stub.url,
        token_url,
        authType="client_secret_post",
        clientId="0oaj43vkrq7wKxZSI5e6",
        clientSecret="the-write-only-secret",
    )
    created = org2.api("POST", "/api/v1/inlineHooks", json=body)
    assert created.status_code == 200, created.text
    for shown in (created, org2.api("GET", f"/api/v1/inlineHooks/{created.json()['id']}")):
        assert "the-write-only-secret" not in shown.text
        config = shown.json()["channel"]["config"]
        assert shown.json()["channel"]["type"] == "OAUTH"
        assert config["authScheme"] is None and "clientSecret" not in config
        assert config["authType"] == "client_secret_post" and config["tokenUrl"] == token_url
        assert_valid("okta/inline-hook", shown.json())
    listed = org2.api("GET", "/api/v1/inlineHooks").text
    assert "the-write-only-secret" not in listed


@pytest.mark.parametrize(
    ("config", "cause"),
    [
        ({"authType": "client_secret_post", "clientId": "0oa1"}, '"clientSecret" is a required'),
        ({"authType": "private_key_jwt", "clientId": "0oa1"}, '"hookKeyId" is a required'),
        (
            {
                "authType": "private_key_jwt",
                "clientId": "0oa1",
                "hookKeyId": "HKYnosuchkey00000000",
            },
            "No hook key HKYnosuchkey00000000",
        ),
        (
            {"authType": "client_secret_jwt", "clientId": "0oa1", "clientSecret": "s"},
            "client_secret_jwt is not supported",
        ),
        (
            {
                "authType": "client_secret_post",
                "clientId": "0oa1",
                "clientSecret": "s",
                "authScheme": {"type": "HEADER", "key": "Authorization", "value": "v"},
            },
            "must be null for an OAUTH channel",
        ),
    ],
    ids=["no-secret", "no-hook-key", "unknown-hook-key", "client-secret-jwt", "auth-scheme"],
)
def test_oauth_channel_rules(org2: Org, config: dict[str, Any], cause: str) -> None:
    body = oauth_hook_body("https://hooks.example/t", f"{org2.url}/oauth2/default/v1/token")
    body["channel"]["config"].update(config)
    refused = org2.api("POST", "/api/v1/inlineHooks", json=body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["errorCode"] == "E0000001"
    summaries = " ".join(c["errorSummary"] for c in refused.json()["errorCauses"])
    assert cause in summaries


def test_token_url_must_be_https_without_allow_http(org: Org) -> None:
    body = oauth_hook_body(
        "https://hooks.example/t",
        "http://127.0.0.1:9/oauth2/default/v1/token",
        authType="client_secret_post",
        clientId="0oa1",
        clientSecret="s",
    )
    refused = org.api("POST", "/api/v1/inlineHooks", json=body)
    assert refused.status_code == 400
    assert "The token URL must use HTTPS" in refused.text


def test_hook_keys_api(org2: Org) -> None:
    created = org2.api("POST", "/api/v1/hook-keys", json={"name": "EZITXT hook key"})
    assert created.status_code == 200, created.text
    key = created.json()
    assert key["id"].startswith("HKY") and len(key["id"]) == 20
    assert key["isUsed"] == "false" and key["name"] == "EZITXT hook key"
    jwk = key["_embedded"]
    assert jwk["kid"] == key["keyId"] and jwk["kty"] == "RSA" and jwk["e"] and jwk["n"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(jwk)  # the private key stays in Okta
    assert (
        org2.api("POST", "/api/v1/hook-keys", json={"name": "EZITXT hook key"}).status_code == 400
    )
    assert org2.api("POST", "/api/v1/hook-keys", json={"name": ""}).status_code == 400
    listed = org2.api("GET", "/api/v1/hook-keys").json()
    assert [k["id"] for k in listed] == [key["id"]] and "_embedded" not in listed[0]
    got = org2.api("GET", f"/api/v1/hook-keys/{key['id']}").json()
    assert "_embedded" not in got
    expanded = org2.api("GET", f"/api/v1/hook-keys/{key['id']}?expand=publickey").json()
    assert expanded["_embedded"] == jwk
    public = org2.api("GET", f"/api/v1/hook-keys/public/{key['keyId']}")
    assert public.json() == {"_embedded": jwk}
    # In use by a hook: not deletable until the hook goes.
    body = oauth_hook_body(
        "https://hooks.example/t",
        f"{org2.url}/oauth2/default/v1/token",
        authType="private_key_jwt",
        clientId="0oa1",
        hookKeyId=key["id"],
    )
    hook = org2.api("POST", "/api/v1/inlineHooks", json=body).json()
    assert org2.api("GET", f"/api/v1/hook-keys/{key['id']}").json()["isUsed"] == "true"
    assert org2.api("DELETE", f"/api/v1/hook-keys/{key['id']}").status_code == 400
    org2.api("POST", f"/api/v1/inlineHooks/{hook['id']}/lifecycle/deactivate")
    org2.api("DELETE", f"/api/v1/inlineHooks/{hook['id']}")
    assert org2.api("DELETE", f"/api/v1/hook-keys/{key['id']}").status_code == 204
    assert org2.api("GET", f"/api/v1/hook-keys/{key['id']}").status_code == 404
    no_token = requests.get(f"{org2.url}/api/v1/hook-keys", timeout=5)
    assert no_token.status_code == 401


# Flows calling an OAUTH hook


def _secret_hook(org: Org, stub: BearerHook, *, secret: str | None = None) -> dict[str, Any]:
    add_scope(org)
    client = new_client(org)
    body = oauth_hook_body(
        stub.url,
        f"{org.url}/oauth2/default/v1/token",
        authType="client_secret_post",
        clientId=client["client_id"],
        clientSecret=secret or client["client_secret"],
    )
    created = org.api("POST", "/api/v1/inlineHooks", json=body)
    assert created.status_code == 200, created.text
    return client


def test_flow_calls_an_oauth_hook_with_a_bearer_token_then_reuses_it(
    org2: Org, stub: BearerHook
) -> None:
    client = _secret_hook(org2, stub)
    user = org2.create_user()
    first = org2.flow(user).json()
    assert first["outcome"] == "SUCCESSFUL", (first, stub.refusals)
    assert first["hook"]["transactionId"] == f"txn-{client['client_id']}"
    org2.clock.advance(31)  # past Okta's per-number interval; the token is still fresh
    second = org2.flow(user).json()
    assert second["outcome"] == "SUCCESSFUL"
    assert len(stub.tokens) == 2 and stub.tokens[0] == stub.tokens[1]  # cached
    # Near its expiry (an hour), a new token is fetched.
    org2.clock.advance(3600)
    third = org2.flow(user).json()
    assert third["outcome"] == "SUCCESSFUL"
    assert stub.tokens[2] != stub.tokens[0]
    assert not stub.refusals


def test_flow_with_a_private_key_jwt_hook(org2: Org, stub: BearerHook) -> None:
    add_scope(org2)
    key = org2.api("POST", "/api/v1/hook-keys", json={"name": "k"}).json()
    client = new_client(org2, authMethod="private_key_jwt", hookKeyId=key["id"])
    body = oauth_hook_body(
        stub.url,
        f"{org2.url}/oauth2/default/v1/token",
        authType="private_key_jwt",
        clientId=client["client_id"],
        hookKeyId=key["id"],
    )
    assert org2.api("POST", "/api/v1/inlineHooks", json=body).status_code == 200
    flow = org2.flow(org2.create_user()).json()
    assert flow["outcome"] == "SUCCESSFUL", (flow, stub.refusals)
    claims = jwt.decode(stub.tokens[0], options={"verify_signature": False})
    assert claims["cid"] == client["client_id"] and claims["scp"] == [SCOPE]


def test_a_refused_token_request_is_a_hook_failure_with_fallback(
    org2: Org, stub: BearerHook
) -> None:
    _secret_hook(org2, stub, secret="not-the-client-secret")
    flow = org2.flow(org2.create_user()).json()
    assert flow["outcome"] == "UNREACHABLE"
    assert flow["fallback"] is True and flow["delivery"]["via"] == "OKTA_FALLBACK"
    assert flow["delivery"]["sent"] is True
    assert stub.tokens == [] and stub.refusals == []  # the hook was never called
    executed = org2.logs(filter='eventType eq "inline_hook.executed"')
    assert len(executed) == 1
    assert executed[0]["outcome"] == {
        "result": "FAILURE",
        "reason": "Token request refused: HTTP 401 invalid_client",
    }
    assert "not-the-client-secret" not in str(org2.logs())


def test_an_unreachable_token_url_is_a_hook_failure(org2: Org, stub: BearerHook) -> None:
    add_scope(org2)
    body = oauth_hook_body(
        stub.url,
        "http://127.0.0.1:9/oauth2/default/v1/token",
        authType="client_secret_post",
        clientId="0oa1",
        clientSecret="s",
    )
    assert org2.api("POST", "/api/v1/inlineHooks", json=body).status_code == 200
    flow = org2.flow(org2.create_user()).json()
    assert flow["outcome"] == "UNREACHABLE" and flow["fallback"] is True
    executed = org2.logs(filter='eventType eq "inline_hook.executed"')
    assert "Token request: connection failed" in executed[0]["outcome"]["reason"]
    assert stub.tokens == []
