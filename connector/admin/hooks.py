"""The telephony inline hook as EZITXT's Okta Setup Values describe it (CONTRACT.md §4, §5)."""

from __future__ import annotations

import hashlib
from typing import Any

from connector.admin.okta_client import TELEPHONY


class AdminRefusal(RuntimeError):
    """A command that would break a working setup, refused before it changed anything."""


def hook_body(name: str, url: str, field: str, secret: str) -> dict[str, Any]:
    """Add Inline Hook > Telephony, authentication "HTTP headers", with the setup values."""
    return {
        "name": name,
        "type": TELEPHONY,
        "version": "1.0.0",
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": url,
                "method": "POST",
                "headers": [],
                "authScheme": {"type": "HEADER", "key": field, "value": secret},
            },
        },
    }


def hook_url(hook: dict[str, Any]) -> str | None:
    uri = ((hook.get("channel") or {}).get("config") or {}).get("uri")
    return uri if isinstance(uri, str) else None


def auth_scheme(hook: dict[str, Any]) -> dict[str, Any]:
    scheme = ((hook.get("channel") or {}).get("config") or {}).get("authScheme") or {}
    return scheme if isinstance(scheme, dict) else {}


def is_oauth(hook: dict[str, Any]) -> bool:
    """Okta's ``OAUTH`` channel (CONTRACT.md §7): Okta sends a bearer token, holds no EZITXT
    secret; the connector's ``oauth`` mode maps the token's client to that secret."""
    return (hook.get("channel") or {}).get("type") == "OAUTH"


def oauth_summary(hook: dict[str, Any]) -> str:
    config = (hook.get("channel") or {}).get("config") or {}
    return (
        f"OAuth 2.0 ({config.get('authType')}, client {config.get('clientId')}, "
        f"token URL {config.get('tokenUrl')})"
    )


OAUTH_SECRET_WHERE = (
    "Okta holds no EZITXT secret: the connector's EZITXT_HOOK_OAUTH_CLIENTS maps the client to it"
)


def ours(hooks: list[dict[str, Any]], name: str, url: str) -> dict[str, Any] | None:
    """The hook this application owns: the one named ``name``, else one calling ``url``."""
    for hook in hooks:
        if hook.get("name") == name:
            return hook
    return next((h for h in hooks if hook_url(h) == url), None)


def mask_secret(secret: str) -> str:
    """``Basic … (68 characters, fingerprint 3f2a9c1b)``: enough to tell two secrets apart,
    nothing of the secret itself. Not its first characters: every secret of one application
    starts alike (the base64 of ``applicationName:``)."""
    scheme, _, token = secret.partition(" ")
    if not token:
        scheme, token = "", scheme
    fingerprint = hashlib.sha256(token.encode()).hexdigest()[:8]
    return f"{scheme} … ({len(token)} characters, fingerprint {fingerprint})".strip()
