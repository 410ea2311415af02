"""What the routes share: the backend, the one aiohttp session (opened in the lifespan), the TLS
context trusting ``--ca-file``, the hook timeouts, and the event hook dispatcher."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aiohttp

from mocks.okta import defaults
from mocks.okta.backend import OktaBackend

if TYPE_CHECKING:
    from mocks.okta.event_dispatch import EventDispatcher


@dataclass
class Runtime:
    backend: OktaBackend
    api_token: str
    tls: ssl.SSLContext
    hook_timeout_s: float
    org_url: str | None = None
    event_hook_timeout_s: float = defaults.EVENT_HOOK_TIMEOUT_S
    session: aiohttp.ClientSession | None = field(default=None, repr=False)
    dispatcher: EventDispatcher | None = field(default=None, repr=False)

    def client(self) -> aiohttp.ClientSession:
        if self.session is None:
            raise RuntimeError("the app's lifespan has not started")
        return self.session
