"""The connector's settings: one typed object read from ``EZITXT_HOOK_*`` environment variables,
validated at start. An invalid value stops the start with a message naming the variable."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import phonenumbers
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from connector.auth_settings import AuthSettings
from connector.conversion_settings import ConversionSettings

ENV_PREFIX = "EZITXT_HOOK_"
# Read from the current folder when present; the process environment wins over it. Git-ignored:
# it holds real values (``.env.example`` lists them all, with fake ones).
ENV_FILE = ".env"

# Okta waits 3 s for a telephony hook (CONTRACT.md §3); the answer must leave well before.
OKTA_TIMEOUT_MS = 3000
MIN_STATE_SECRET = 32
ALL_REGIONS = "*"
# phonenumbers.PhoneNumberType by name; codes go to mobiles, so those two always pass.
NUMBER_TYPES = {
    name: value
    for name, value in vars(phonenumbers.PhoneNumberType).items()
    if name.isupper() and isinstance(value, int)
}
ALWAYS_SENT_TYPES = ("MOBILE", "FIXED_LINE_OR_MOBILE")
# Refused by default: every type that is not a handset of a person, or that bills the caller
# (README "Toll-fraud controls"). VOIP passes: such numbers receive SMS and bill nothing extra.
DEFAULT_REFUSED_TYPES = (
    "PREMIUM_RATE",
    "TOLL_FREE",
    "SHARED_COST",
    "UAN",
    "PAGER",
    "VOICEMAIL",
    "FIXED_LINE",
    "PERSONAL_NUMBER",
    "UNKNOWN",
)


class SettingsError(ValueError):
    """Raised at start when a setting is missing or invalid; the message names the variable."""


class Settings(AuthSettings, ConversionSettings):
    # The auth modes' settings (EZITXT_HOOK_AUTH_MODES, …) are AuthSettings' (auth_settings.py),
    # conversion feedback's (EZITXT_HOOK_EVENTS_SECRET, _CONVERSION_*) ConversionSettings'.
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=ENV_FILE, frozen=True, extra="ignore"
    )

    gateway_url: str = Field(
        description="Base URL of the EZITXT gateway; plain http only to loopback unless "
        "ALLOW_INSECURE_GATEWAY."
    )
    auth_field: str = Field(
        "Authorization", min_length=1, description="Header holding Okta's credential."
    )
    budget_ms: int = Field(
        2500,
        ge=200,
        le=OKTA_TIMEOUT_MS - 200,
        description="Time from arrival to answer, whatever the gateway does.",
    )
    default_region: str = Field("NZ", description="Region for numbers without a country code.")
    # The toll-fraud policy (DESIGN.md decision 12, README "Toll-fraud controls").
    allowed_regions: str = Field(
        "NZ,AU",
        description="Comma-separated ISO regions SMS may go to; '*': every region.",
    )
    refused_number_types: str = Field(
        ",".join(DEFAULT_REFUSED_TYPES),
        description="Comma-separated phonenumbers number types never sent to (MOBILE and "
        "FIXED_LINE_OR_MOBILE always pass).",
    )
    # One prefix for every fraud control that counts or blocks ranges (velocity, conversion).
    prefix_digits: int = Field(
        5,
        ge=1,
        le=8,
        description="National digits after the country code that make a number's prefix "
        "(+6421123 for +64211234567).",
    )
    limit_number_15m: int = Field(5, ge=0, description="SMS to one number per 15 minutes; 0: off.")
    limit_number_day: int = Field(20, ge=0, description="SMS to one number per day; 0: off.")
    limit_prefix_hour: int = Field(
        100, ge=0, description="SMS to one prefix, per application, per hour; 0: off."
    )
    limit_prefix_day: int = Field(
        1000, ge=0, description="SMS to one prefix, per application, per day; 0: off."
    )
    limit_application_minute: int = Field(
        1200, ge=0, description="SMS of one EZITXT application per minute; 0: off."
    )
    limit_application_day: int = Field(
        200_000, ge=0, description="SMS of one EZITXT application per day; 0: off."
    )
    limit_user_15m: int = Field(
        10, ge=0, description="SMS for one Okta user per 15 minutes; 0: off."
    )
    limit_user_day: int = Field(30, ge=0, description="SMS for one Okta user per day; 0: off.")
    provider_name: str = Field(
        "EZITXT", min_length=1, max_length=64, description="Provider named in answers to Okta."
    )
    max_body_bytes: int = Field(
        65536, ge=1024, le=1_048_576, description="Largest request body accepted (413 past it)."
    )
    log_format: Literal["json", "pretty"] = Field(
        "json", description="One JSON line per call (json) or readable lines (pretty)."
    )
    gateway_pool_size: int = Field(
        512, ge=1, le=10_000, description="Open connections to the gateway, at most."
    )
    gateway_keepalive_s: float = Field(
        4.0,
        gt=0,
        le=300,
        description="Idle keep-alive; keep it below the gateway's so it never closes one first.",
    )
    allow_insecure_gateway: bool = Field(
        False,
        description="Allow plain http to a non-loopback gateway (credentials travel in clear).",
    )
    # Shared state between replicas (connector/state.py, README "Deployment").
    redis_url: str | None = Field(
        None, description="redis://, rediss:// or unix:// URL of the state shared by replicas."
    )
    state_secret: SecretStr | None = Field(
        None, description="Key of the digests kept in Redis; the same on every replica."
    )
    state_secret_file: Path | None = Field(None, description="A file holding state_secret.")
    redis_timeout_ms: int = Field(
        250, ge=10, le=1000, description="Connect and socket timeout of each Redis call."
    )
    metrics_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Serve GET /metrics on this port of its own (same host), not the hook's.",
    )

    @field_validator("gateway_url")
    @classmethod
    def _gateway_url_is_http(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://gateway.example.com")
        if parts.query or parts.fragment:
            raise ValueError("must not carry a query or fragment")
        if parts.username or parts.password:
            # Okta's caller credential is what the gateway gets; a second one would be logged.
            raise ValueError("must not carry credentials")
        return value.rstrip("/")

    @field_validator("default_region")
    @classmethod
    def _region_is_known(cls, value: str) -> str:
        region = value.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not an ISO 3166 region phonenumbers knows")
        return region

    @field_validator("allowed_regions")
    @classmethod
    def _regions_are_known(cls, value: str) -> str:
        if value.strip() == ALL_REGIONS:
            return ALL_REGIONS
        regions = [r.strip().upper() for r in value.split(",") if r.strip()]
        if not regions:
            # Empty meant "any" before the default became NZ,AU: say so rather than guess.
            raise ValueError("list at least one region (e.g. NZ,AU), or '*' for every region")
        unknown = [r for r in regions if r not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(f"unknown regions: {', '.join(unknown)}")
        return ",".join(regions)

    @field_validator("refused_number_types")
    @classmethod
    def _types_are_known(cls, value: str) -> str:
        names = [n.strip().upper() for n in value.split(",") if n.strip()]
        unknown = [n for n in names if n not in NUMBER_TYPES]
        if unknown:
            raise ValueError(
                f"unknown number types: {', '.join(unknown)} (known: {', '.join(NUMBER_TYPES)})"
            )
        always = [n for n in names if n in ALWAYS_SENT_TYPES]
        if always:
            raise ValueError(f"{', '.join(always)} cannot be refused: codes go to mobiles")
        return ",".join(names)

    @model_validator(mode="after")
    def _refuse_clear_text_credentials(self) -> Settings:
        # The Authentication Secret is forwarded to the gateway (DESIGN.md decision 1): never in
        # clear over a network, only to a gateway on this machine.
        parts = urlsplit(self.gateway_url)
        if parts.scheme == "http" and not self.allow_insecure_gateway:
            if not _is_loopback(parts.hostname or ""):
                raise ValueError(
                    "EZITXT_HOOK_GATEWAY_URL: plain http to a remote gateway would send "
                    "credentials in clear; use https or set EZITXT_HOOK_ALLOW_INSECURE_GATEWAY=true"
                )
        return self

    @field_validator("redis_url")
    @classmethod
    def _redis_url_is_redis(cls, value: str | None) -> str | None:
        # The message never quotes the URL: it may carry the password.
        if value is None or not value.strip():
            return None
        if urlsplit(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @model_validator(mode="after")
    def _shared_state_has_its_secret(self) -> Settings:
        if self.state_secret is not None and self.state_secret_file is not None:
            raise ValueError(
                "set EZITXT_HOOK_STATE_SECRET or EZITXT_HOOK_STATE_SECRET_FILE, not both"
            )
        if self.redis_url is not None and self.state_secret_value is None:
            # Replicas must compute the same keys and stamps for an event; the key is not kept
            # in Redis, so that reading Redis alone cannot test guessed passwords or OTPs.
            raise ValueError(
                "EZITXT_HOOK_REDIS_URL is set: EZITXT_HOOK_STATE_SECRET (or "
                "EZITXT_HOOK_STATE_SECRET_FILE) must be set too, the same on every replica, "
                f"at least {MIN_STATE_SECRET} characters"
            )
        secret = self.state_secret_value
        if secret is not None and len(secret) < MIN_STATE_SECRET:
            raise ValueError(
                f"EZITXT_HOOK_STATE_SECRET: at least {MIN_STATE_SECRET} characters "
                "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return self

    @property
    def state_secret_value(self) -> str | None:
        if self.state_secret is not None:
            return self.state_secret.get_secret_value()
        if self.state_secret_file is not None:
            try:
                return self.state_secret_file.read_text().strip()
            except OSError as exc:
                message = f"EZITXT_HOOK_STATE_SECRET_FILE: cannot read it ({exc.strerror})"
                raise ValueError(message) from None
        return None

    @property
    def allowed_region_set(self) -> frozenset[str]:
        """The regions SMS may go to; empty: every region (``*``)."""
        if self.allowed_regions == ALL_REGIONS:
            return frozenset()
        return frozenset(r for r in self.allowed_regions.split(",") if r)

    @property
    def refused_type_set(self) -> frozenset[int]:
        """``refused_number_types`` as phonenumbers.PhoneNumberType values."""
        return frozenset(NUMBER_TYPES[n] for n in self.refused_number_types.split(",") if n)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Read settings from ``environ`` (default: the process environment) and ``overrides``."""
    try:
        if environ is None:
            return Settings(**overrides)  # type: ignore[arg-type]
        values: dict[str, object] = {
            key[len(ENV_PREFIX) :].lower(): value
            for key, value in environ.items()
            if key.startswith(ENV_PREFIX)
        }
        values.update(overrides)
        return Settings.model_validate(values)
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    lines = ["invalid connector settings:"]
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        if field:
            lines.append(f"  {ENV_PREFIX}{field.upper()}: {message}")
        else:
            lines.append(f"  {message}")
    return "\n".join(lines)
