"""Limits the HTTP server holds every client connection to, before the app sees a request.

Read from ``EZITXT_HOOK_*`` environment variables like the hook's own settings
(``connector.settings``), but apart from them: they belong to the transport, need no gateway,
and every worker process reads them again from the environment it inherited.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from connector.settings import ENV_FILE, ENV_PREFIX, SettingsError

# Sockets and files a worker needs besides client connections: the listening socket, log
# pipes, the event loop's own descriptors, the gateway connections of calls in flight.
RESERVED_FILES = 64


class ServerLimits(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=ENV_FILE, frozen=True, extra="ignore"
    )

    max_head_bytes: int = Field(
        16384,
        ge=1024,
        le=1_048_576,
        description="Request line and headers together, at most; more gets 431 and a close.",
    )
    max_headers: int = Field(
        100, ge=8, le=1000, description="Header fields in one request, at most (431 past it)."
    )
    header_timeout_s: float = Field(
        5.0,
        gt=0,
        le=60,
        description="From a request's first byte to the end of its headers; then closed.",
    )
    idle_timeout_s: float = Field(
        10.0,
        gt=0,
        le=300,
        description="A new connection that sends nothing for this long is closed.",
    )
    max_connections: int = Field(
        4096,
        ge=1,
        le=1_000_000,
        description="Open client connections per worker, at most; lowered to fit the open-file "
        "limit. At the cap the longest-idle connection makes room, or the new one gets 503.",
    )

    def connections_within(self, open_files: int) -> int:
        """The connection cap this worker can keep with ``open_files`` descriptors: each client
        connection may hold one gateway connection while its call is in flight."""
        return max(1, min(self.max_connections, (open_files - RESERVED_FILES) // 2))


def load_server_limits(environ: Mapping[str, str] | None = None) -> ServerLimits:
    """The limits from ``environ`` (default: the process environment); ``SettingsError`` names
    the variable when one is invalid."""
    try:
        if environ is None:
            return ServerLimits()  # type: ignore[call-arg]  # values come from the environment
        values = {
            key[len(ENV_PREFIX) :].lower(): value
            for key, value in environ.items()
            if key.startswith(ENV_PREFIX)
        }
        return ServerLimits.model_validate(values)
    except ValidationError as exc:
        lines = ["invalid server limits:"]
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            lines.append(f"  {ENV_PREFIX}{field.upper()}: {error['msg']}")
        raise SettingsError("\n".join(lines)) from None
