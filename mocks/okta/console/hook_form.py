"""The Add Inline Hook > Telephony form: its fields to the API's hook definition, and the API's
error causes back to the fields they are about. Pure; the rules themselves stay in
``mocks.okta.hook_rules`` and ``mocks.okta.hooks``, the same for the console and the API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from mocks.okta.hook_rules import TELEPHONY
from mocks.okta.hooks import InlineHook

# Authentication types, as the console offers them: (value, label, channel type, available).
# OAuth 2.0 (issue 12) is an OAUTH channel: client authentication, client id, the write-only
# client secret or a hook key, token URL and scope (CONTRACT.md §7).
HTTP_HEADERS = "HEADER"
OAUTH2 = "OAUTH2"
AUTH_TYPES = [
    (HTTP_HEADERS, "HTTP headers", "HTTP", True),
    (OAUTH2, "OAuth 2.0", "OAUTH", True),
]
CLIENT_AUTH_TYPES = [
    ("client_secret_post", "Use client secret"),
    ("private_key_jwt", "Use private key"),
]
BLANK_HEADER_ROWS = 2

# Where an errorCause's path (``channel.config.uri: …``) belongs on the form; longest first.
FIELD_OF_PATH = [
    ("channel.config.clientSecret", "oauth_client_secret"),
    ("channel.config.clientId", "oauth_client_id"),
    ("channel.config.hookKeyId", "oauth_hook_key_id"),
    ("channel.config.tokenUrl", "oauth_token_url"),
    ("channel.config.authType", "oauth_auth_type"),
    ("channel.config.authScheme.value", "auth_secret"),
    ("channel.config.authScheme.key", "auth_field"),
    ("channel.config.authScheme", "auth_field"),
    ("channel.config.headers", "headers"),
    ("channel.config.uri", "url"),
    ("channel.type", "auth_type"),
    ("name", "name"),
]


@dataclass
class HookForm:
    name: str = ""
    url: str = ""
    auth_type: str = HTTP_HEADERS
    auth_field: str = "Authorization"
    auth_secret: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    oauth_auth_type: str = "client_secret_post"
    oauth_client_id: str = ""
    oauth_client_secret: str = ""
    oauth_hook_key_id: str = ""
    oauth_token_url: str = ""
    oauth_scope: str = ""

    @classmethod
    def from_form(cls, form: FormData) -> HookForm:
        keys = [str(k) for k in form.getlist("header_key")]
        values = [str(v) for v in form.getlist("header_value")]
        rows = [(k.strip(), v) for k, v in zip(keys, values, strict=False) if k.strip() or v]
        return cls(
            name=str(form.get("name", "")).strip(),
            url=str(form.get("url", "")).strip(),
            auth_type=str(form.get("auth_type", HTTP_HEADERS)),
            auth_field=str(form.get("auth_field", "")).strip(),
            auth_secret=str(form.get("auth_secret", "")),
            headers=rows,
            oauth_auth_type=str(form.get("oauth_auth_type", "client_secret_post")),
            oauth_client_id=str(form.get("oauth_client_id", "")).strip(),
            oauth_client_secret=str(form.get("oauth_client_secret", "")),
            oauth_hook_key_id=str(form.get("oauth_hook_key_id", "")).strip(),
            oauth_token_url=str(form.get("oauth_token_url", "")).strip(),
            oauth_scope=str(form.get("oauth_scope", "")).strip(),
        )

    @classmethod
    def from_hook(cls, hook: InlineHook) -> HookForm:
        """The form to edit a hook: the secret stays blank (it is write-only, as in Okta)."""
        auth = hook.auth_header
        oauth = hook.oauth or {}

        def text(name: str) -> str:
            value = oauth.get(name)
            return value if isinstance(value, str) else ""

        return cls(
            name=hook.name,
            url=hook.uri,
            auth_type=HTTP_HEADERS if hook.channel_type == "HTTP" else OAUTH2,
            auth_field=auth[0] if auth else "",
            auth_secret="",
            headers=list(hook.headers),
            oauth_auth_type=text("authType") or "client_secret_post",
            oauth_client_id=text("clientId"),
            oauth_hook_key_id=text("hookKeyId"),
            oauth_token_url=text("tokenUrl"),
            oauth_scope=text("scope"),
        )

    def header_rows(self) -> list[tuple[str, str]]:
        """The custom headers plus blank rows to add more."""
        return [*self.headers, *[("", "")] * BLANK_HEADER_ROWS]

    def definition(self) -> dict[str, Any]:
        """The hook definition the API's create/replace takes. A blank secret on an edit is left
        out, so the stored one is kept (``HookStore._keep_secret``)."""
        channel_type = next((c for v, _, c, _ in AUTH_TYPES if v == self.auth_type), "HTTP")
        config: dict[str, Any] = {
            "uri": self.url,
            "method": "POST",
            "headers": [{"key": k, "value": v} for k, v in self.headers],
        }
        if channel_type == "OAUTH":
            config.update(self._oauth_config())
        elif self.auth_field or self.auth_secret:
            scheme: dict[str, Any] = {"type": "HEADER", "key": self.auth_field}
            if self.auth_secret:
                scheme["value"] = self.auth_secret
            config["authScheme"] = scheme
        return {
            "name": self.name,
            "type": TELEPHONY,
            "version": "1.0.0",
            "channel": {"type": channel_type, "version": "1.0.0", "config": config},
        }

    def _oauth_config(self) -> dict[str, Any]:
        """The OAUTH channel's fields; a blank secret on an edit keeps the stored one."""
        config: dict[str, Any] = {"authScheme": None, "authType": self.oauth_auth_type}
        for key, value in (
            ("clientId", self.oauth_client_id),
            ("tokenUrl", self.oauth_token_url),
            ("scope", self.oauth_scope),
        ):
            if value:
                config[key] = value
        if self.oauth_auth_type == "private_key_jwt":
            if self.oauth_hook_key_id:
                config["hookKeyId"] = self.oauth_hook_key_id
        elif self.oauth_client_secret:
            config["clientSecret"] = self.oauth_client_secret
        return config


def field_errors(causes: Iterable[str]) -> dict[str, list[str]]:
    """Each cause under the form field it is about (``general`` when none)."""
    found: dict[str, list[str]] = {}
    for cause in causes:
        path, sep, message = cause.partition(": ")
        name = "general"
        if sep:
            name = next(
                (f for p, f in FIELD_OF_PATH if path == p or path.startswith(p + ".")), "general"
            )
        found.setdefault(name, []).append(message if sep and name != "general" else cause)
    return found
