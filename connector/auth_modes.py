"""Who the caller is, and the gateway credential its SMS goes out with (DESIGN.md decisions 1
and 13). Each mode maps the auth field's value to a ``BasicCredential`` for the gateway, so the
rest of the pipeline (replay stamps, the gateway call) is the same in every mode:

- ``passthrough``: the value *is* the EZITXT Authentication Secret, judged by the gateway;
- ``static``: the value is one of the connector's own secrets (``EZITXT_HOOK_STATIC_SECRETS``,
  several live at once so an admin rotates without downtime), mapped to its Authentication
  Secret; compared in constant time, and held only as digests;
- ``oauth``: the value is ``Bearer <JWT>`` from Okta's OAUTH channel, verified by
  ``connector.oauth``, its ``cid`` mapped to that client's Authentication Secret.

With several modes on, a ``Bearer`` value goes to ``oauth``, a value equal to one of the static
secrets to ``static``, and anything else to ``passthrough`` if it is on (else a 401).
"""

from __future__ import annotations

import hashlib
import hmac

import aiohttp

from connector import refusals
from connector.auth_settings import AuthSettings, credential_table
from connector.credentials import BasicCredential, parse_basic, read_credential
from connector.jwks import JwksCache
from connector.oauth import Expected, TokenRefused, TokenVerifier
from connector.refusals import Refusal

_BEARER = "bearer"


def _digest(value: str) -> bytes:
    # Equal lengths for compare_digest, and no secret kept in memory as text.
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


class StaticSecrets:
    """The connector's own header secrets → gateway credentials."""

    def __init__(self, table: dict[str, str]) -> None:
        self._entries = tuple(
            (_digest(header), parse_basic(credential)) for header, credential in table.items()
        )

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"StaticSecrets({len(self._entries)} secrets)"

    def match(self, value: str) -> BasicCredential | None:
        digest = _digest(value)
        found = None
        for known, credential in self._entries:  # every entry compared: no early exit
            if hmac.compare_digest(digest, known):
                found = credential
        return found


class Authenticator:
    def __init__(
        self,
        modes: tuple[str, ...] = ("passthrough",),
        *,
        static: StaticSecrets | None = None,
        verifier: TokenVerifier | None = None,
        clients: dict[str, BasicCredential] | None = None,
    ) -> None:
        self.modes = modes
        self.passthrough = "passthrough" in modes
        self.static = static if "static" in modes else None
        self.verifier = verifier if "oauth" in modes else None
        self.clients = clients or {}
        # The value is the gateway credential itself: read at once, nothing to await.
        self.passthrough_only = self.passthrough and self.static is None and self.verifier is None

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> Authenticator:
        modes = settings.auth_mode_list
        static = verifier = None
        clients: dict[str, BasicCredential] = {}
        if "static" in modes and settings.static_secrets is not None:
            static = StaticSecrets(credential_table(settings.static_secrets))
        if "oauth" in modes and settings.oauth_clients is not None:
            table = credential_table(settings.oauth_clients)
            clients = {client: parse_basic(secret) for client, secret in table.items()}
            assert settings.oauth_issuer and settings.oauth_scope  # checked by the settings
            expected = Expected(
                issuer=settings.oauth_issuer,
                audience=settings.oauth_audience,
                scope=settings.oauth_scope,
                clients=frozenset(clients),
            )
            verifier = TokenVerifier(expected, JwksCache(settings.oauth_issuer))
        return cls(modes, static=static, verifier=verifier, clients=clients)

    async def open(self, session: aiohttp.ClientSession | None = None) -> None:
        if self.verifier is not None:
            await self.verifier.jwks.open(session)

    async def close(self) -> None:
        if self.verifier is not None:
            await self.verifier.jwks.close()

    async def authenticate(
        self, values: tuple[str, ...], deadline: float
    ) -> BasicCredential | Refusal:
        """The gateway credential for the auth field's ``values``, or why there is none."""
        if self.passthrough_only:
            return read_credential(values)
        if not values:
            return Refusal(refusals.MISSING_CREDENTIAL)
        if len(values) > 1:
            return Refusal(refusals.AMBIGUOUS_CREDENTIAL)
        value = values[0]
        if self.verifier is not None:
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() == _BEARER:
                verdict = await self.verifier.verify(token.strip(), deadline)
                if isinstance(verdict, TokenRefused):
                    return Refusal(verdict.reason)
                return self.clients[verdict.client_id]
        if self.static is not None:
            credential = self.static.match(value)
            if credential is not None:
                return credential
        if self.passthrough:
            return read_credential(values)
        return Refusal(refusals.UNKNOWN_SECRET if self.static else refusals.TOKEN_MISSING)
