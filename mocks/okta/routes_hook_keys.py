"""``/api/v1/hook-keys``: Okta's Hook Keys API (management OpenAPI 2026.06.3, tag HookKey).
Create answers a DetailedHookKeyInstance (the public key in ``_embedded``); list and get answer
HookKey objects (``?expand=publickey`` adds ``_embedded``); ``isUsed`` is a string, as Okta's."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.common.timestamps import iso
from mocks.okta.errors import ValidationFailed
from mocks.okta.hook_keys import MAX_NAME, HookKey
from mocks.okta.web import json_body, ok, okta_api, runtime


def render_key(request: Request, key: HookKey, *, embedded: bool) -> dict[str, Any]:
    in_use = bool(runtime(request).backend.hooks.using_key(key.id))
    shown: dict[str, Any] = {
        "id": key.id,
        "keyId": key.key_id,
        "name": key.name,
        "created": iso(key.created),
        "lastUpdated": iso(key.last_updated),
        "isUsed": "true" if in_use else "false",
    }
    if embedded:
        shown["_embedded"] = key.public_jwk()
    return shown


@okta_api
async def list_keys(request: Request) -> Response:
    keys = runtime(request).backend.hook_keys.list()
    return ok([render_key(request, k, embedded=False) for k in keys])


@okta_api
async def create_key(request: Request) -> Response:
    key = runtime(request).backend.hook_keys.create(await json_body(request))
    return ok(render_key(request, key, embedded=True))


@okta_api
async def get_key(request: Request) -> Response:
    key = runtime(request).backend.hook_keys.get(request.path_params["id"])
    expand = request.query_params.get("expand") == "publickey"
    return ok(render_key(request, key, embedded=expand))


@okta_api
async def replace_key(request: Request) -> Response:
    """PUT: a new name; the key pair stays."""
    store = runtime(request).backend.hook_keys
    key = store.get(request.path_params["id"])
    doc = await json_body(request)
    name = doc.get("name") if isinstance(doc, dict) else None
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME:
        raise ValidationFailed("key", [f"name: 1 to {MAX_NAME} characters"])
    key.name = name
    key.last_updated = runtime(request).backend.clock()
    return ok(render_key(request, key, embedded=False))


@okta_api
async def delete_key(request: Request) -> Response:
    backend = runtime(request).backend
    key_id = request.path_params["id"]
    backend.hook_keys.delete(key_id, in_use=bool(backend.hooks.using_key(key_id)))
    return Response(status_code=204)


@okta_api
async def public_key(request: Request) -> Response:
    """getPublicKey by the key's alias (``keyId``): the public JWK, wrapped in ``_embedded`` as
    the OpenAPI's RetrievePublicKeyResponse example shows it."""
    key = runtime(request).backend.hook_keys.by_public_id(request.path_params["key_id"])
    return ok({"_embedded": key.public_jwk()})


ROUTES = [
    Route("/api/v1/hook-keys", list_keys, methods=["GET"]),
    Route("/api/v1/hook-keys", create_key, methods=["POST"]),
    Route("/api/v1/hook-keys/public/{key_id}", public_key, methods=["GET"]),
    Route("/api/v1/hook-keys/{id}", get_key, methods=["GET"]),
    Route("/api/v1/hook-keys/{id}", replace_key, methods=["PUT"]),
    Route("/api/v1/hook-keys/{id}", delete_key, methods=["DELETE"]),
]
