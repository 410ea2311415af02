"""What Okta does before it calls an OAUTH hook (CONTRACT.md §§3, 7): get an access token from
the hook's ``tokenUrl`` with client credentials (``client_secret_post``, or ``private_key_jwt``
with a client assertion signed by the hook key), and reuse it until it is near its expiry. The
token request counts inside the hook's 3 s budget. No secret or token is ever logged."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
import uuid
from dataclasses import dataclass

import aiohttp
import jwt

from mocks.okta.authz_server import CLIENT_ASSERTION_TYPE
from mocks.okta.hook_keys import HookKeyStore
from mocks.okta.times import Clock

# A token answer is a few hundred bytes; anything much larger is not one.
MAX_TOKEN_ANSWER = 64 * 1024
# A fresh token is fetched this long before the cached one expires (at most a tenth of its life).
REFRESH_MARGIN_S = 30.0
# Okta's client assertions are short-lived; five minutes is what Okta's own guides use.
ASSERTION_LIFETIME_S = 300


class TokenFailure(Exception):
    """No token: ``outcome`` is ``TIMEOUT`` or ``UNREACHABLE`` (as a hook call's would be),
    ``detail`` says why for admins, without secrets."""

    def __init__(self, outcome: str, detail: str) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail


@dataclass(frozen=True)
class TokenSettings:
    """The OAUTH channel fields a token request needs."""

    token_url: str
    client_id: str
    auth_type: str
    scope: str | None
    client_secret: str | None
    hook_key_id: str | None

    @classmethod
    def of(cls, config: dict[str, object]) -> TokenSettings:
        def text(name: str) -> str | None:
            value = config.get(name)
            return value if isinstance(value, str) and value else None

        return cls(
            token_url=str(config["tokenUrl"]),
            client_id=str(config["clientId"]),
            auth_type=str(config["authType"]),
            scope=text("scope"),
            client_secret=text("clientSecret"),
            hook_key_id=text("hookKeyId"),
        )


@dataclass
class _Cached:
    token: str
    refresh_at: float


class TokenCache:
    """Tokens per channel settings; one token request at a time per settings."""

    def __init__(self, clock: Clock, hook_keys: HookKeyStore) -> None:
        self._clock = clock
        self._hook_keys = hook_keys
        self._tokens: dict[TokenSettings, _Cached] = {}
        self._locks: dict[TokenSettings, asyncio.Lock] = {}
        self.requests = 0  # token requests sent, for tests and the control plane

    def reset(self) -> None:
        self._tokens.clear()
        self._locks.clear()
        self.requests = 0

    async def bearer(
        self,
        session: aiohttp.ClientSession,
        settings: TokenSettings,
        *,
        tls: ssl.SSLContext,
        timeout_s: float,
    ) -> str:
        """A valid access token for ``settings``, from the cache or a new token request within
        ``timeout_s``; ``TokenFailure`` otherwise."""
        cached = self._tokens.get(settings)
        if cached is not None and self._clock() < cached.refresh_at:
            return cached.token
        lock = self._locks.setdefault(settings, asyncio.Lock())
        started = time.monotonic()
        try:
            async with asyncio.timeout(timeout_s):
                async with lock:
                    cached = self._tokens.get(settings)
                    if cached is not None and self._clock() < cached.refresh_at:
                        return cached.token
                    left = max(0.001, timeout_s - (time.monotonic() - started))
                    token, lifetime = await self._request(session, settings, tls, left)
        except TimeoutError as exc:
            raise TokenFailure(
                "TIMEOUT", f"Token request: no answer within {timeout_s:g} s"
            ) from exc
        margin = min(REFRESH_MARGIN_S, lifetime / 10)
        self._tokens[settings] = _Cached(token, self._clock() + lifetime - margin)
        return token

    def _form(self, settings: TokenSettings) -> dict[str, str]:
        form = {"grant_type": "client_credentials"}
        if settings.scope:
            form["scope"] = settings.scope
        if settings.auth_type == "private_key_jwt":
            if settings.hook_key_id is None or not self._hook_keys.exists(settings.hook_key_id):
                raise TokenFailure("UNREACHABLE", "Token request: the hook key no longer exists")
            key = self._hook_keys.get(settings.hook_key_id)
            now = int(self._clock())
            # RFC 7523 §3 as Okta requires: iss = sub = client id, aud = the token URL.
            claims = {
                "iss": settings.client_id,
                "sub": settings.client_id,
                "aud": settings.token_url,
                "iat": now,
                "exp": now + ASSERTION_LIFETIME_S,
                "jti": str(uuid.uuid4()),
            }
            form["client_assertion_type"] = CLIENT_ASSERTION_TYPE
            form["client_assertion"] = jwt.encode(
                claims, key.private_key, algorithm="RS256", headers={"kid": key.key_id}
            )
        else:
            form["client_id"] = settings.client_id
            form["client_secret"] = settings.client_secret or ""
        return form

    async def _request(
        self,
        session: aiohttp.ClientSession,
        settings: TokenSettings,
        tls: ssl.SSLContext,
        timeout_s: float,
    ) -> tuple[str, float]:
        form = self._form(settings)
        self.requests += 1
        try:
            async with session.post(
                settings.token_url,
                data=form,
                headers={"Accept": "application/json"},
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=timeout_s),
                ssl=tls,
            ) as response:
                raw = await response.content.read(MAX_TOKEN_ANSWER + 1)
                status = response.status
        except aiohttp.ClientError as exc:
            raise TokenFailure(
                "UNREACHABLE", f"Token request: connection failed ({type(exc).__name__})"
            ) from exc
        try:
            answer = json.loads(raw) if len(raw) <= MAX_TOKEN_ANSWER else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            answer = None
        if status != 200:
            error = answer.get("error") if isinstance(answer, dict) else None
            named = error if isinstance(error, str) and error.isidentifier() else "no error code"
            raise TokenFailure("UNREACHABLE", f"Token request refused: HTTP {status} {named}")
        token = answer.get("access_token") if isinstance(answer, dict) else None
        lifetime = answer.get("expires_in") if isinstance(answer, dict) else None
        if (
            not isinstance(token, str)
            or not token
            or not isinstance(lifetime, int)
            or isinstance(lifetime, bool)
            or lifetime <= 0
        ):
            raise TokenFailure("UNREACHABLE", "Token request: the answer holds no usable token")
        return token, float(lifetime)
