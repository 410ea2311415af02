"""``stack --auth oauth``: the OAuth 2.0 setup (issue 12, CONTRACT.md §7), done through mock
Okta's APIs: a custom scope on the org's default authorization server, a service app using
``client_secret_post`` with that scope, and the telephony hook on an OAUTH channel getting its
token from ``{org}/oauth2/default/v1/token``. The connector then runs with the ``oauth`` auth
mode: the issuer, the scope, and the client id mapped to the EZITXT Authentication Secret it
sends the gateway."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mocks.stack.clients import Api

AUTH_MODES = ("header", "oauth")
SCOPE = "ezitxt.hook"
SERVER = "default"
AUDIENCE = "api://default"


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    client_secret: str  # kept in the hook's write-only clientSecret; never printed
    issuer: str

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/v1/token"


def create_client(okta: Api, okta_url: str) -> OAuthClient:
    """The scope (marked public, as Okta's docs ask) and a client_secret_post service app."""
    okta.call(
        "add the hook's scope", "POST", f"/_mock/oauth/servers/{SERVER}/scopes",
        json={"name": SCOPE},
    )  # fmt: skip
    client: dict[str, Any] = okta.call(
        "create the OAuth service app", "POST", "/_mock/oauth/clients",
        json={"authMethod": "client_secret_post", "scopes": [SCOPE]},
    )  # fmt: skip
    issuer = f"{okta_url.rstrip('/')}/oauth2/{SERVER}"
    return OAuthClient(client["client_id"], client["client_secret"], issuer)


def oauth_hook_body(name: str, values: dict[str, Any], client: OAuthClient) -> dict[str, Any]:
    return {
        "name": name,
        "type": "com.okta.telephony.provider",
        "version": "1.0.0",
        "channel": {
            "type": "OAUTH",
            "version": "1.0.0",
            "config": {
                "uri": values["url"],
                "method": "POST",
                "headers": [],
                "authScheme": None,
                "authType": "client_secret_post",
                "clientId": client.client_id,
                "clientSecret": client.client_secret,
                "tokenUrl": client.token_url,
                "scope": SCOPE,
            },
        },
    }


def connector_env(client: OAuthClient, auth_secret: str) -> dict[str, str]:
    """The connector's settings for the ``oauth`` mode (issue 12's names)."""
    return {
        "EZITXT_HOOK_AUTH_MODES": "oauth",
        "EZITXT_HOOK_OAUTH_ISSUER": client.issuer,
        "EZITXT_HOOK_OAUTH_AUDIENCE": AUDIENCE,
        "EZITXT_HOOK_OAUTH_SCOPE": SCOPE,
        "EZITXT_HOOK_OAUTH_CLIENTS": json.dumps({client.client_id: auth_secret}),
    }
