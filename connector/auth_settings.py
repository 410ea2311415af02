"""The auth-mode settings (DESIGN.md decision 13), a base of ``connector.settings.Settings``.

``EZITXT_HOOK_AUTH_MODES`` lists the modes, ``passthrough`` by default. The secret-bearing
settings (``STATIC_SECRETS``, ``OAUTH_CLIENTS``) are ``SecretStr``: their repr is masked, so a
settings object printed or logged shows no secret; each may also come from ``…_FILE``
(``connector.secret_files``). The JSON they hold is checked here and read into the
authenticator's tables by ``connector.auth_modes``.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings

from connector.credentials import parse_basic
from connector.errors import CredentialError
from connector.secret_files import fill_from_files

AUTH_MODES = ("passthrough", "static", "oauth")
SECRET_SETTINGS = ("static_secrets", "oauth_clients")


class AuthSettings(BaseSettings):
    auth_modes: str = Field(
        "passthrough", description="Comma list of passthrough, static, oauth (checked in turn)."
    )
    static_secrets: SecretStr | None = Field(
        None,
        description="JSON object: exact header value Okta sends → EZITXT Authentication Secret.",
    )
    static_secrets_file: str | None = Field(
        None, description="A file holding STATIC_SECRETS (a mounted secret); set one of the two."
    )
    oauth_issuer: str | None = Field(
        None, description="Okta authorization server, e.g. https://org.okta.com/oauth2/default."
    )
    oauth_audience: str = Field(
        "api://default", min_length=1, description="The aud every token must carry."
    )
    oauth_scope: str | None = Field(None, description="Scope every token must hold.")
    oauth_clients: SecretStr | None = Field(
        None, description="JSON object: Okta client id (cid) → EZITXT Authentication Secret."
    )
    oauth_clients_file: str | None = Field(
        None, description="A file holding OAUTH_CLIENTS (a mounted secret); set one of the two."
    )

    @model_validator(mode="before")
    @classmethod
    def _secrets_from_files(cls, values: Any) -> Any:
        return fill_from_files(values, SECRET_SETTINGS)

    @field_validator("auth_modes")
    @classmethod
    def _modes_are_known(cls, value: str) -> str:
        modes = [m.strip().lower() for m in value.split(",") if m.strip()]
        if not modes:
            raise ValueError(f"name at least one of {', '.join(AUTH_MODES)}")
        unknown = [m for m in modes if m not in AUTH_MODES]
        if unknown:
            raise ValueError(f"unknown modes {', '.join(unknown)}; known: {', '.join(AUTH_MODES)}")
        if len(set(modes)) != len(modes):
            raise ValueError("a mode is named twice")
        return ",".join(modes)

    @field_validator("static_secrets")
    @classmethod
    def _static_secrets_map_to_credentials(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _credential_table(value, "header value")
        return value

    @field_validator("oauth_clients")
    @classmethod
    def _clients_map_to_credentials(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _credential_table(value, "client id")
        return value

    @field_validator("oauth_issuer")
    @classmethod
    def _issuer_is_https(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be a URL such as https://example.okta.com/oauth2/default")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("must not carry a query, fragment or credentials")
        # The keys that vouch for every token come from here: never over plain http except
        # to this machine (tests, the mock stack).
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise ValueError("must be https (plain http only to a loopback issuer)")
        return value

    @property
    def auth_mode_list(self) -> tuple[str, ...]:
        return tuple(self.auth_modes.split(","))

    @model_validator(mode="after")
    def _modes_have_their_settings(self) -> AuthSettings:
        modes = self.auth_mode_list
        if "static" in modes and not self.static_secrets:
            raise ValueError(
                "EZITXT_HOOK_AUTH_MODES has static: set EZITXT_HOOK_STATIC_SECRETS (or _FILE)"
            )
        if "oauth" in modes:
            missing = [
                f"EZITXT_HOOK_{name.upper()}"
                for name in ("oauth_issuer", "oauth_scope", "oauth_clients")
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"EZITXT_HOOK_AUTH_MODES has oauth: set {', '.join(missing)}")
        return self


def credential_table(secret: SecretStr) -> dict[str, str]:
    """The JSON object in ``secret``, already checked by the settings: key → Basic secret."""
    return _credential_table(secret, "key")


def _credential_table(secret: SecretStr, key_name: str) -> dict[str, str]:
    # Messages never quote a value: keys of the static table are secrets too.
    try:
        table = json.loads(secret.get_secret_value())
    except ValueError:
        raise ValueError(f"must be a JSON object ({key_name} → Authentication Secret)") from None
    if not isinstance(table, dict) or not table:
        raise ValueError(f"must be a non-empty JSON object ({key_name} → Authentication Secret)")
    for number, (key, credential) in enumerate(table.items(), start=1):
        if not key.strip():
            raise ValueError(f"entry {number}: the {key_name} is empty")
        if not isinstance(credential, str):
            raise ValueError(f"entry {number}: the Authentication Secret must be a string")
        try:
            parse_basic(credential)
        except CredentialError:
            raise ValueError(
                f"entry {number}: the Authentication Secret must be 'Basic base64(app:password)'"
            ) from None
    return table


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
