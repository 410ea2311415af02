"""Okta's rules for an inline hook definition (CONTRACT.md §4), as ``errorCauses`` summaries."""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema_rs

import schemas

TELEPHONY = "com.okta.telephony.provider"
MAX_URI = 1024


@cache
def _definition_validator(allow_http: bool) -> Any:
    schema = schemas.load("okta/inline-hook-create")
    if allow_http:
        uri = schema["properties"]["channel"]["properties"]["config"]["properties"]["uri"]
        uri["pattern"] = "^https?://[^\\s/]+"
    return jsonschema_rs.validator_for(schema)


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
            causes.append(f"channel.config.uri: The URI must be at most {MAX_URI} characters")
        elif not allow_http and not uri.lower().startswith("https://"):
            causes.append("channel.config.uri: The URI must use HTTPS")
    if (
        doc.get("type") == TELEPHONY
        and isinstance(channel, dict)
        and channel.get("type") == "HTTP"
        and isinstance(config, dict)
        and not config.get("authScheme")
    ):
        causes.append("channel.config.authScheme: A telephony inline hook requires an authScheme")
    if isinstance(channel, dict) and channel.get("type") == "OAUTH":
        causes.append("channel.type: OAUTH channels are not supported by this mock; use HTTP")
    covered = {cause.split(":", 1)[0] for cause in causes}
    for error in _definition_validator(allow_http).iter_errors(doc):
        parts = [str(p) for p in error.instance_path]
        if hasattr(error.kind, "property"):
            parts.append(str(error.kind.property))
        path = ".".join(parts) or "body"
        if path not in covered and not any(path.startswith(c + ".") for c in covered):
            causes.append(f"{path}: {error.message}")
    return causes
