"""The org's authorization servers over HTTP (CONTRACT.md §7): ``/oauth2/{serverId}`` discovery,
JWKS and token endpoints as Okta serves them, and the control plane that creates servers and
clients and rotates keys (``/_mock/oauth/…``, no token needed, like the rest of ``/_mock``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mocks.common.http import read_capped
from mocks.okta.authz_server import AuthorizationServer, OAuthClient, TokenRefused
from mocks.okta.errors import ValidationFailed
from mocks.okta.web import base_url, json_body, ok, runtime

# A token request is a few form fields and, at most, one signed assertion.
MAX_FORM_BYTES = 16 * 1024
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def org_url(request: Request) -> str:
    return runtime(request).org_url or base_url(request)


def _server(request: Request) -> AuthorizationServer:
    return runtime(request).backend.authz.server(request.path_params["server"])


async def discovery(request: Request) -> Response:
    return ok(_server(request).discovery(org_url(request)))


async def keys(request: Request) -> Response:
    return ok(_server(request).jwks())


def _refused(exc: TokenRefused) -> Response:
    return JSONResponse(exc.body(), status_code=exc.status, headers=NO_STORE)


class _FormTooLarge(Exception):
    pass


async def token(request: Request) -> Response:
    """Client credentials; every refusal is Okta's OAuth error body, never an E0000… one."""
    authz = runtime(request).backend.authz
    server = _server(request)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        return _refused(
            TokenRefused(
                400, "invalid_request", "The request must be application/x-www-form-urlencoded."
            )
        )
    try:
        raw = await read_capped(request, MAX_FORM_BYTES, _FormTooLarge)
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (_FormTooLarge, UnicodeDecodeError):
        return _refused(TokenRefused(400, "invalid_request", "The request body is invalid."))
    names = [name for name, _ in pairs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        return _refused(
            TokenRefused(
                400,
                "invalid_request",
                f"The '{repeated[0]}' parameter must not be repeated.",
            )
        )
    try:
        answer = authz.token(server.id, dict(pairs), org_url=org_url(request))
    except TokenRefused as exc:
        return _refused(exc)
    return ok(answer, headers=NO_STORE)


# Control plane


def render_server(server: AuthorizationServer, org: str) -> dict[str, Any]:
    return {
        "id": server.id,
        "name": server.name,
        "audiences": [server.audience],
        "issuer": server.issuer(org),
        "scopes": list(server.scopes),
        "accessTokenLifetimeSeconds": server.token_lifetime_s,
        "kids": [k.kid for k in server.keys],
    }


def render_client(client: OAuthClient, *, with_secret: bool) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "client_id": client.client_id,
        "token_endpoint_auth_method": client.auth_method,
        "scopes": list(client.scopes),
        "jwks": {"keys": client.jwks},
    }
    if with_secret and client.client_secret is not None:
        # Shown once, at creation, as Okta's Admin Console shows a new client secret.
        shown["client_secret"] = client.client_secret
    return shown


def _strings(doc: dict[str, Any], name: str) -> tuple[str, ...]:
    value = doc.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValidationFailed(name, [f"{name}: a list of non-empty strings"])
    return tuple(value)


async def create_server(request: Request) -> Response:
    """``POST /_mock/oauth/servers``
    ``{id?, name, audience?, scopes?, accessTokenLifetimeSeconds?}``."""
    doc = await json_body(request)
    if not isinstance(doc, dict):
        raise ValidationFailed("authorizationServer", ["body: must be a JSON object"])
    lifetime = doc.get("accessTokenLifetimeSeconds", 3600)
    causes = []
    if not isinstance(doc.get("name"), str) or not doc["name"]:
        causes.append("name: required")
    if doc.get("id") is not None and (not isinstance(doc["id"], str) or not doc["id"].isalnum()):
        causes.append("id: letters and digits only")
    if not isinstance(doc.get("audience", "api://default"), str):
        causes.append("audience: a string")
    # Okta allows 5 minutes to 1 day for an access token's lifetime.
    if not isinstance(lifetime, int) or isinstance(lifetime, bool) or not 1 <= lifetime <= 86400:
        causes.append("accessTokenLifetimeSeconds: an integer from 1 to 86400")
    if causes:
        raise ValidationFailed("authorizationServer", causes)
    server = runtime(request).backend.authz.create_server(
        doc.get("id"),
        name=doc["name"],
        audience=doc.get("audience", "api://default"),
        scopes=_strings(doc, "scopes"),
        token_lifetime_s=lifetime,
    )
    return ok(render_server(server, org_url(request)))


async def list_servers(request: Request) -> Response:
    org = org_url(request)
    return ok([render_server(s, org) for s in runtime(request).backend.authz.servers()])


async def add_scope(request: Request) -> Response:
    """``POST /_mock/oauth/servers/{server}/scopes`` ``{name}``: a custom scope."""
    doc = await json_body(request)
    name = doc.get("name") if isinstance(doc, dict) else None
    if not isinstance(name, str) or not name or " " in name:
        raise ValidationFailed("scope", ["name: a scope name without spaces"])
    server = _server(request)
    if name not in server.scopes:
        server.scopes = (*server.scopes, name)
    return ok(render_server(server, org_url(request)))


async def rotate(request: Request) -> Response:
    """``POST /_mock/oauth/servers/{server}/rotate``: a new signing key from now on."""
    server = _server(request)
    server.rotate()
    return ok(render_server(server, org_url(request)))


async def create_client(request: Request) -> Response:
    """``POST /_mock/oauth/clients`` ``{authMethod, scopes, jwks?: {keys}, hookKeyId?}``: a
    service app. ``hookKeyId`` registers that hook key's public key (what an admin pastes from
    the Hook Keys API into the app's public keys)."""
    doc = await json_body(request)
    if not isinstance(doc, dict):
        raise ValidationFailed("client", ["body: must be a JSON object"])
    backend = runtime(request).backend
    jwks: list[dict[str, Any]] = []
    given = doc.get("jwks")
    if given is not None:
        if not isinstance(given, dict) or not isinstance(given.get("keys"), list):
            raise ValidationFailed("client", ['jwks: {"keys": [JWK, …]}'])
        jwks.extend(k for k in given["keys"] if isinstance(k, dict))
    if isinstance(doc.get("hookKeyId"), str):
        jwks.append(backend.hook_keys.get(doc["hookKeyId"]).signing_jwk())
    client = backend.authz.create_client(
        auth_method=str(doc.get("authMethod", "client_secret_post")),
        scopes=_strings(doc, "scopes"),
        jwks=jwks,
    )
    return ok(render_client(client, with_secret=True))


async def get_client(request: Request) -> Response:
    client = runtime(request).backend.authz.client(request.path_params["id"])
    return ok(render_client(client, with_secret=False))


ROUTES = [
    Route("/oauth2/{server}/.well-known/oauth-authorization-server", discovery, methods=["GET"]),
    Route("/oauth2/{server}/v1/keys", keys, methods=["GET"]),
    Route("/oauth2/{server}/v1/token", token, methods=["POST"]),
    Route("/_mock/oauth/servers", create_server, methods=["POST"]),
    Route("/_mock/oauth/servers", list_servers, methods=["GET"]),
    Route("/_mock/oauth/servers/{server}/scopes", add_scope, methods=["POST"]),
    Route("/_mock/oauth/servers/{server}/rotate", rotate, methods=["POST"]),
    Route("/_mock/oauth/clients", create_client, methods=["POST"]),
    Route("/_mock/oauth/clients/{id}", get_client, methods=["GET"]),
]
