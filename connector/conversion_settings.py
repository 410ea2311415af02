"""The settings of conversion feedback (DESIGN.md decision 12), a base of
``connector.settings.Settings``: the event hook's header secret, and when a destination prefix
is blocked for codes that are never entered.

``EZITXT_HOOK_EVENTS_SECRET`` (or ``_FILE``) switches the feature on: without it ``/okta/events``
answers 404, no send is recorded and no prefix is ever blocked by conversion. The secret is a
``SecretStr`` (masked in any repr) and never logged.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings

from connector.conversion import ConversionRules
from connector.secret_files import fill_from_files

# An allow-list entry: E.164 style, "+" and the country code's first digit at least.
_PREFIX = re.compile(r"\+[1-9][0-9]{0,14}")
MIN_EVENTS_SECRET = 16


class ConversionSettings(BaseSettings):
    events_secret: SecretStr | None = Field(
        None,
        description="Whole header value Okta's event hook sends in AUTH_FIELD; unset: no "
        "/okta/events, no conversion blocking.",
    )
    events_secret_file: str | None = Field(
        None, description="A file holding EVENTS_SECRET (a mounted secret); set one of the two."
    )
    conversion_window_s: int = Field(
        3600,
        ge=300,
        le=86_400,
        description="Sliding window of sends against verified codes, per prefix and application.",
    )
    conversion_min_sends: int = Field(
        20, ge=1, le=100_000, description="Sends in the window before a prefix can be judged."
    )
    conversion_threshold: float = Field(
        0.2,
        gt=0,
        le=1,
        description="A prefix whose verified share of sends falls below this is blocked.",
    )
    conversion_grace_s: int = Field(
        0,
        ge=0,
        le=600,
        description="Unverified sends younger than this are not counted yet (the user may be "
        "typing the code).",
    )
    conversion_block_s: int = Field(
        900, ge=60, le=86_400, description="First block of a prefix; doubles on each repeat."
    )
    conversion_max_block_s: int = Field(
        86_400, ge=60, le=604_800, description="Longest block; repeats are remembered this long."
    )
    conversion_allow_prefixes: str = Field(
        "",
        description="Comma list of E.164 prefixes never blocked by conversion (e.g. '+6421').",
    )

    @model_validator(mode="before")
    @classmethod
    def _events_secret_from_file(cls, values: Any) -> Any:
        return fill_from_files(values, ("events_secret",))

    @field_validator("events_secret")
    @classmethod
    def _events_secret_is_long(cls, value: SecretStr | None) -> SecretStr | None:
        # The message never quotes the value.
        if value is None or not value.get_secret_value():
            return None
        text = value.get_secret_value()
        if len(text) < MIN_EVENTS_SECRET or not text.isprintable() or text != text.strip():
            raise ValueError(
                f"at least {MIN_EVENTS_SECRET} printable characters, no surrounding spaces "
                "(e.g. 'Basic ' + base64 of 24 random bytes)"
            )
        return value

    @field_validator("conversion_allow_prefixes")
    @classmethod
    def _allow_list_is_prefixes(cls, value: str) -> str:
        entries = [e.strip() for e in value.split(",") if e.strip()]
        wrong = [e for e in entries if _PREFIX.fullmatch(e) is None]
        if wrong:
            raise ValueError(f"not E.164 prefixes such as +6421: {', '.join(wrong)}")
        return ",".join(entries)

    @model_validator(mode="after")
    def _blocks_grow_to_the_longest(self) -> ConversionSettings:
        if self.conversion_max_block_s < self.conversion_block_s:
            raise ValueError(
                "EZITXT_HOOK_CONVERSION_MAX_BLOCK_S must be at least EZITXT_HOOK_CONVERSION_BLOCK_S"
            )
        return self

    @property
    def events_secret_value(self) -> str | None:
        return self.events_secret.get_secret_value() if self.events_secret else None

    @property
    def conversion_rules(self) -> ConversionRules:
        return ConversionRules(
            window_s=self.conversion_window_s,
            min_sends=self.conversion_min_sends,
            threshold=self.conversion_threshold,
            grace_s=self.conversion_grace_s,
            block_s=self.conversion_block_s,
            max_block_s=self.conversion_max_block_s,
            allow=tuple(p for p in self.conversion_allow_prefixes.split(",") if p),
        )
