"""Okta's rules for an event hook definition (``EventHook`` in Okta's management OpenAPI,
2026.06.3), as ``errorCauses`` summaries. Pure: parsed JSON in, a list of causes out."""

from __future__ import annotations

import re
from typing import Any

# The event types a hook may subscribe to: the part of Okta's event-hook-eligible catalog
# (developer.okta.com/docs/reference/api/event-types/, tag event-hook-eligible) that the mock
# writes or that integrations commonly subscribe to. Okta refuses a type outside its catalog;
# the mock refuses one outside this list (event_hook.* types are not eligible: Okta does not
# deliver its own delivery-failure events).
ELIGIBLE_EVENT_TYPES = frozenset(
    {
        # The four that mean "the user entered the code" (the stack subscribes exactly these).
        "user.authentication.auth_via_mfa",
        "user.mfa.factor.activate",
        "user.account.unlock",
        "user.account.reset_password",
        # Others of the catalog, for hooks that are not the connector's.
        "user.account.lock",
        "user.account.update_password",
        "user.authentication.sso",
        "user.lifecycle.activate",
        "user.lifecycle.create",
        "user.lifecycle.deactivate",
        "user.lifecycle.delete.initiated",
        "user.lifecycle.reactivate",
        "user.lifecycle.suspend",
        "user.lifecycle.unsuspend",
        "user.mfa.factor.deactivate",
        "user.mfa.factor.reset_all",
        "user.session.end",
        "user.session.start",
        "group.user_membership.add",
        "group.user_membership.remove",
        "application.user_membership.add",
        "application.user_membership.remove",
    }
)

MAX_NAME = 255
MAX_URI = 1024
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_HTTPS_URI = re.compile(r"^https://[^\s/]+", re.IGNORECASE)
# What --allow-http admits besides https (as for inline hooks): plain http, for loopback tests.
_HTTP_URI = re.compile(r"^http://[^\s/]+", re.IGNORECASE)


def check_definition(doc: Any, *, allow_http: bool) -> list[str]:
    """Every rule the definition breaks (empty when valid). A replace that leaves out the
    write-only authScheme value has had the stored one put back first (``EventHookStore``)."""
    if not isinstance(doc, dict):
        return ["body: The event hook must be a JSON object"]
    causes = _name_causes(doc.get("name"))
    description = doc.get("description")
    if description is not None and not isinstance(description, str):
        causes.append("description: must be a string or null")
    causes.extend(_events_causes(doc.get("events")))
    causes.extend(_channel_causes(doc.get("channel"), allow_http=allow_http))
    return causes


def _name_causes(name: Any) -> list[str]:
    if not isinstance(name, str) or not name.strip():
        return ["name: The field cannot be left blank"]
    if len(name) > MAX_NAME:
        return [f"name: must be at most {MAX_NAME} characters"]
    return []


def _events_causes(events: Any) -> list[str]:
    if not isinstance(events, dict):
        return ["events: The field is required: {type: EVENT_TYPE, items: [event types]}"]
    causes = []
    if events.get("type") != "EVENT_TYPE":
        causes.append("events.type: must be EVENT_TYPE")
    items = events.get("items")
    if not isinstance(items, list) or not items:
        causes.append("events.items: at least one event type is required")
    else:
        for index, item in enumerate(items):
            if not isinstance(item, str):
                causes.append(f"events.items.{index}: must be a string")
            elif item not in ELIGIBLE_EVENT_TYPES:
                causes.append(f"events.items.{index}: {item} is not an event-hook-eligible type")
    if events.get("filter") is not None:
        # Filters are an Early Access feature of Okta's; the mock does not evaluate them.
        causes.append("events.filter: event hook filters are not supported by the mock")
    return causes


def _channel_causes(channel: Any, *, allow_http: bool) -> list[str]:
    if not isinstance(channel, dict):
        return ["channel: The field is required: {type: HTTP, version: 1.0.0, config}"]
    causes = []
    if channel.get("type") != "HTTP":
        causes.append("channel.type: must be HTTP")
    if channel.get("version") != "1.0.0":
        causes.append("channel.version: must be 1.0.0")
    config = channel.get("config")
    if not isinstance(config, dict):
        return [*causes, "channel.config: The field is required: {uri, headers, authScheme}"]
    causes.extend(_uri_causes(config.get("uri"), allow_http=allow_http))
    causes.extend(_header_causes(config.get("headers")))
    causes.extend(_auth_causes(config.get("authScheme")))
    return causes


def _uri_causes(uri: Any, *, allow_http: bool) -> list[str]:
    path = "channel.config.uri"
    if not isinstance(uri, str) or not uri:
        return [f"{path}: The field cannot be left blank"]
    if len(uri) > MAX_URI:
        return [f"{path}: The URI must be at most {MAX_URI} characters"]
    if _HTTPS_URI.match(uri) or (allow_http and _HTTP_URI.match(uri)):
        return []
    return [f"{path}: The URI must use HTTPS"]


def _header_causes(headers: Any) -> list[str]:
    path = "channel.config.headers"
    if headers is None:
        return []
    if not isinstance(headers, list):
        return [f"{path}: must be a list of {{key, value}}"]
    causes = []
    for index, header in enumerate(headers):
        if not isinstance(header, dict):
            causes.append(f"{path}.{index}: must be an object {{key, value}}")
            continue
        key, value = header.get("key"), header.get("value")
        if not isinstance(key, str) or not _HEADER_NAME.match(key):
            causes.append(f"{path}.{index}.key: must be a header name")
        if not isinstance(value, str):
            causes.append(f"{path}.{index}.value: must be a string")
    return causes


def _auth_causes(scheme: Any) -> list[str]:
    path = "channel.config.authScheme"
    if scheme is None:
        return []
    if not isinstance(scheme, dict):
        return [f"{path}: must be an object {{type: HEADER, key, value}}"]
    causes = []
    if scheme.get("type") != "HEADER":
        causes.append(f"{path}.type: must be HEADER")
    key = scheme.get("key")
    if not isinstance(key, str) or not _HEADER_NAME.match(key):
        causes.append(f"{path}.key: must be a header name")
    value = scheme.get("value")
    if not isinstance(value, str) or not value:
        causes.append(f"{path}.value: The field cannot be left blank")
    return causes
