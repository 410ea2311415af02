"""``stack --auth oauth`` (issue 12): the stack wires mock Okta's authorization server, an
OAUTH telephony hook and the connector's ``oauth`` settings, and a sign-in goes through.

The wiring checks hold whatever the connector does: the token Okta would send verifies against
the issuer the connector is given, with its audience and scope, from a client the connector maps
to the EZITXT secret. The sign-in through the connector needs the connector's ``oauth`` mode
(the ``oauth`` helper's part of the issue): it is skipped, saying so, until that mode exists."""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from jwt.algorithms import RSAAlgorithm

from mocks.stack import connector_requests, oauth_wiring
from mocks.stack.cli import add_arguments
from mocks.stack.clients import Api, okta_api
from mocks.stack.stack import Stack, free_port_base
from mocks.stack.wiring import Wiring, wire
from tests.e2e.stack_cli import CLI

pytestmark = pytest.mark.slow

CONNECTOR_SOURCE = Path(__file__).resolve().parents[2] / "connector"


def connector_has_oauth_mode() -> bool:
    """Whether the connector reads issue 12's OAuth settings yet."""
    return any(
        "OAUTH_ISSUER" in path.read_text(encoding="utf-8").upper()
        for path in CONNECTOR_SOURCE.rglob("*.py")
    )


@pytest.fixture(scope="module")
def oauth_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Wiring]]:
    stack = Stack(
        port_base=free_port_base(),
        workdir=tmp_path_factory.mktemp("oauth-stack"),
        timing_scale=0.2,
        challenge_interval_s=0.0,
        auth="oauth",
    )
    with stack:
        lines: list[str] = []
        wiring = wire(
            stack.urls.ezitxt, stack.urls.okta, stack.api_token, say=lines.append, auth="oauth"
        )
        stack.configure_connector(wiring.connector_env())
        assert wiring.oauth is not None
        assert not any(wiring.oauth.client_secret in line for line in lines)
        yield stack, wiring


def test_the_cli_takes_auth_header_or_oauth() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args([]).auth == "header"
    assert parser.parse_args(["--auth", "oauth"]).auth == "oauth"
    with pytest.raises(SystemExit):
        parser.parse_args(["--auth", "basic"])


def test_the_hook_is_an_oauth_channel_and_the_connector_gets_the_oauth_settings(
    oauth_stack: tuple[Stack, Wiring],
) -> None:
    stack, wiring = oauth_stack
    client = wiring.oauth
    assert client is not None
    okta = okta_api(stack.urls.okta, stack.api_token)
    try:
        hook = okta.call("get hook", "GET", f"/api/v1/inlineHooks/{wiring.hook_id}")
    finally:
        okta.close()
    config = hook["channel"]["config"]
    assert hook["channel"]["type"] == "OAUTH" and hook["status"] == "ACTIVE"
    assert config["authType"] == "client_secret_post" and config["authScheme"] is None
    assert config["clientId"] == client.client_id and "clientSecret" not in config
    assert config["tokenUrl"] == f"{stack.urls.okta}/oauth2/default/v1/token"
    assert config["uri"] == stack.urls.hook
    env = wiring.connector_env()
    assert env["EZITXT_HOOK_AUTH_MODES"] == "oauth"
    assert env["EZITXT_HOOK_OAUTH_ISSUER"] == f"{stack.urls.okta}/oauth2/default"
    assert env["EZITXT_HOOK_OAUTH_SCOPE"] == oauth_wiring.SCOPE
    assert json.loads(env["EZITXT_HOOK_OAUTH_CLIENTS"]) == {client.client_id: wiring.auth_secret}
    connector = stack.server("connector")
    assert {k: connector.env[k] for k in env} == env  # restarted with them
    assert connector.running
    # The token Okta gets with the hook's settings is one the connector's settings accept.
    control = Api(stack.urls.okta)
    try:
        meta = control.call(
            "discovery", "GET", "/oauth2/default/.well-known/oauth-authorization-server"
        )
        keys = control.call("jwks", "GET", "/oauth2/default/v1/keys")["keys"]
    finally:
        control.close()
    assert meta["issuer"] == env["EZITXT_HOOK_OAUTH_ISSUER"]
    answer = requests.post(
        config["tokenUrl"],
        data={
            "grant_type": "client_credentials",
            "scope": config["scope"],
            "client_id": client.client_id,
            "client_secret": client.client_secret,
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    kid = jwt.get_unverified_header(token)["kid"]
    claims = jwt.decode(
        token,
        RSAAlgorithm.from_jwk(next(k for k in keys if k["kid"] == kid)),  # type: ignore[arg-type]
        algorithms=["RS256"],
        audience=env["EZITXT_HOOK_OAUTH_AUDIENCE"],
        issuer=env["EZITXT_HOOK_OAUTH_ISSUER"],
    )
    assert env["EZITXT_HOOK_OAUTH_SCOPE"] in claims["scp"]
    assert claims["cid"] in json.loads(env["EZITXT_HOOK_OAUTH_CLIENTS"])


def sign_in(stack: Stack, login: str) -> dict[str, object]:
    control = Api(stack.urls.okta)
    try:
        body = {"user": login, "requestType": "mfa-verification"}
        flow: dict[str, object] = control.call("flow", "POST", "/_mock/flows", json=body)
    finally:
        control.close()
    return flow


@pytest.mark.skipif(
    not connector_has_oauth_mode(), reason="the connector's oauth auth mode has not landed yet"
)
def test_a_sign_in_goes_through_the_oauth_hook(oauth_stack: tuple[Stack, Wiring]) -> None:
    stack, wiring = oauth_stack
    flow: dict[str, Any] = sign_in(stack, wiring.user["profile"]["login"])
    assert flow["outcome"] == "SUCCESSFUL", flow
    assert flow["delivery"]["via"] == "HOOK" and flow["fallback"] is False


def test_a_sign_in_through_a_private_key_jwt_hook(oauth_stack: tuple[Stack, Wiring]) -> None:
    """The other authType: a hook key, a service app holding its public key, the hook switched
    to private_key_jwt, the connector given that client too."""
    stack, wiring = oauth_stack
    okta = okta_api(stack.urls.okta, stack.api_token)
    try:
        key = okta.call("create hook key", "POST", "/api/v1/hook-keys", json={"name": "stack"})
        client = okta.call(
            "create client",
            "POST",
            "/_mock/oauth/clients",
            json={
                "authMethod": "private_key_jwt",
                "scopes": [oauth_wiring.SCOPE],
                "hookKeyId": key["id"],
            },
        )
        hook = okta.call("get hook", "GET", f"/api/v1/inlineHooks/{wiring.hook_id}")
        config = hook["channel"]["config"]
        config.update(authType="private_key_jwt", clientId=client["client_id"], hookKeyId=key["id"])
        replaced = okta.call(
            "replace hook",
            "PUT",
            f"/api/v1/inlineHooks/{wiring.hook_id}",
            json={"name": hook["name"], "channel": hook["channel"]},
        )
        assert replaced["channel"]["config"]["authType"] == "private_key_jwt"
        env = wiring.connector_env()
        clients = json.loads(env["EZITXT_HOOK_OAUTH_CLIENTS"])
        clients[client["client_id"]] = wiring.auth_secret
        stack.configure_connector({**env, "EZITXT_HOOK_OAUTH_CLIENTS": json.dumps(clients)})
        flow = okta.call(
            "flow",
            "POST",
            "/_mock/flows",
            json={"user": wiring.user["profile"]["login"], "requestType": "mfa-verification"},
        )
    finally:
        okta.close()
    if not connector_has_oauth_mode():
        pytest.skip("the connector's oauth auth mode has not landed yet")
    assert flow["outcome"] == "SUCCESSFUL", flow
    assert flow["delivery"]["via"] == "HOOK"


def test_a_key_rotation_in_okta_is_picked_up_by_the_running_connector(
    oauth_stack: tuple[Stack, Wiring],
) -> None:
    """A new signing key: the connector sees an unknown kid, fetches the JWKS again, accepts."""
    stack, wiring = oauth_stack
    login = wiring.user["profile"]["login"]
    assert sign_in(stack, login)["outcome"] == "SUCCESSFUL"  # the current key is cached
    log = stack.server("connector").log_file
    before = log.read_text(encoding="utf-8", errors="replace")
    rotated = requests.post(f"{stack.urls.okta}/_mock/oauth/servers/default/rotate", timeout=5)
    assert rotated.status_code == 200, rotated.text
    flow = sign_in(stack, login)
    assert flow["outcome"] == "SUCCESSFUL", flow
    assert flow["fallback"] is False
    after = log.read_text(encoding="utf-8", errors="replace")[len(before) :]
    assert "token_" not in after and "jwks_unavailable" not in after  # nothing refused


def test_stack_reset_wires_the_oauth_mode_again(oauth_stack: tuple[Stack, Wiring]) -> None:
    """Last in the module (it re-wires the module's stack). ``stack reset`` of an ``--auth
    oauth`` stack: a new scope, client and OAUTH hook, the connector restarted with the new
    client by the stack's loop (``connector_requests.serve``, as the CLI's loop calls it), and a
    sign-in through it."""
    stack, wiring = oauth_stack
    assert wiring.oauth is not None
    stack.publish()  # stack.json, with auth "oauth", as the CLI writes it once serving
    reset = subprocess.Popen(
        [CLI, "stack", "reset", "--workdir", str(stack.workdir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served, lines = False, []
    deadline = time.monotonic() + 90
    while reset.poll() is None and time.monotonic() < deadline:
        served = connector_requests.serve(stack, say=lines.append) or served
        time.sleep(0.1)
    if reset.poll() is None:
        reset.kill()
    out = reset.communicate()[0]
    assert reset.returncode == 0, out
    assert served and "freshly wired state" in out and "by the running stack" in out
    okta = okta_api(stack.urls.okta, stack.api_token)
    try:
        hooks = okta.call("hooks", "GET", "/api/v1/inlineHooks")
    finally:
        okta.close()
    assert len(hooks) == 1
    config = hooks[0]["channel"]["config"]
    assert hooks[0]["channel"]["type"] == "OAUTH" and config["authType"] == "client_secret_post"
    assert config["clientId"] != wiring.oauth.client_id and config["scope"] == oauth_wiring.SCOPE
    env = stack.server("connector").env
    assert env["EZITXT_HOOK_AUTH_MODES"] == "oauth"
    clients = json.loads(env["EZITXT_HOOK_OAUTH_CLIENTS"])
    assert list(clients) == [config["clientId"]]  # only the new client
    assert clients[config["clientId"]] != wiring.auth_secret  # EZITXT's new password
    assert clients[config["clientId"]].split(" ", 1)[1] not in out  # never printed
    assert json.loads((stack.workdir / "stack.json").read_text())["auth"] == "oauth"
    flow = sign_in(stack, wiring.user["profile"]["login"])
    assert flow["outcome"] == "SUCCESSFUL", flow
    assert flow["fallback"] is False
