"""What the routes share: the backend, the one aiohttp session (opened in the lifespan), the TLS
context trusting ``--ca-file``, and the hook timeout."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field

import aiohttp

from mocks.okta.backend import OktaBackend


@dataclass
class Runtime:
    backend: OktaBackend
    api_token: str
    tls: ssl.SSLContext
    hook_timeout_s: float
    org_url: str | None = None
    session: aiohttp.ClientSession | None = field(default=None, repr=False)

    def client(self) -> aiohttp.ClientSession:
        if self.session is None:
            raise RuntimeError("the app's lifespan has not started")
        return self.session
