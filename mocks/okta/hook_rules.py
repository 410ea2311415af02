"""Okta's rules for an inline hook definition (CONTRACT.md §4), as ``errorCauses`` summaries."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import schemas

TELEPHONY = "com.okta.telephony.provider"
CREATE_SCHEMA = "okta/inline-hook-create"


@cache
def hook_types() -> frozenset[str]:
    """The inline hook types Okta has (the ``type`` enum of listInlineHooks and of a create)."""
    types: list[str] = schemas.load(CREATE_SCHEMA)["properties"]["type"]["enum"]
    return frozenset(types)


MAX_URI = 1024
URI_PATH = "channel.config.uri"
# What the create schema's https-only pattern becomes with --allow-http.
_HTTP_URI = re.compile(r"^http://[^\s/]+")


def check_definition(doc: Any, *, allow_http: bool) -> list[str]:
    """Okta's rules for a hook definition, as ``errorCauses`` summaries (empty when valid).

    Readable messages for the rules Okta documents come first; the create schema catches the rest.
    """
    causes: list[str] = []
    if not isinstance(doc, dict):
        return ["The inline hook must be a JSON object"]
    channel = doc.get("channel")
    config = channel.get("config") if isinstance(channel, dict) else None
    if isinstance(config, dict) and isinstance(config.get("uri"), str):
        uri: str = config["uri"]
        if len(uri) > MAX_URI:
            causes.append(f"{URI_PATH}: The URI must be at most {MAX_URI} characters")
        elif not allow_http and not uri.lower().startswith("https://"):
            causes.append(f"{URI_PATH}: The URI must use HTTPS")
    if (
        doc.get("type") == TELEPHONY
        and isinstance(channel, dict)
        and channel.get("type") == "HTTP"
        and isinstance(config, dict)
        and not config.get("authScheme")
    ):
        causes.append("channel.config.authScheme: A telephony inline hook requires an authScheme")
    if isinstance(channel, dict) and channel.get("type") == "OAUTH" and isinstance(config, dict):
        causes.extend(_oauth_causes(config, allow_http=allow_http))
    covered = {cause.split(":", 1)[0] for cause in causes}
    for error in schemas.validator(CREATE_SCHEMA).iter_errors(doc):
        path = schemas.dotted_path(error)
        if allow_http and path == URI_PATH and _plain_http(config):
            continue
        if path not in covered and not any(path.startswith(c + ".") for c in covered):
            causes.append(f"{path}: {error.message}")
    return causes


TOKEN_URL_PATH = "channel.config.tokenUrl"


def _oauth_causes(config: dict[str, Any], *, allow_http: bool) -> list[str]:
    """Okta's readable rules for an OAUTH channel (CONTRACT.md §7); the schema has the rest."""
    causes = []
    if config.get("authType") == "client_secret_jwt":
        causes.append(
            "channel.config.authType: client_secret_jwt is not supported for inline hooks;"
            " use client_secret_post or private_key_jwt"
        )
    if config.get("authScheme") is not None:
        causes.append("channel.config.authScheme: must be null for an OAUTH channel")
    token_url = config.get("tokenUrl")
    if isinstance(token_url, str) and not (
        token_url.lower().startswith("https://")
        or (allow_http and _HTTP_URI.match(token_url) is not None)
    ):
        causes.append(f"{TOKEN_URL_PATH}: The token URL must use HTTPS")
    return causes


def _plain_http(config: Any) -> bool:
    """An ``http://`` URI, which only the https pattern refuses: accepted with --allow-http."""
    uri = config.get("uri") if isinstance(config, dict) else None
    return isinstance(uri, str) and _HTTP_URI.match(uri) is not None
