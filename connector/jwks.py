"""The issuer's signing keys (JWKS), fetched with aiohttp and handed to PyJWT.

PyJWT's own ``PyJWKClient`` fetches with urllib, blocking the event loop: here the keys are
fetched on the process's one aiohttp session (the gateway's, when the app has one). The
``jwks_uri`` is read once from ``{issuer}/.well-known/oauth-authorization-server`` (RFC 8414;
CONTRACT.md §7). Keys are cached by ``kid``; an unknown ``kid`` (Okta rotated its keys) starts a
refresh, at most once every ``min_refresh_s`` and never more than one at a time: every caller
waiting for keys waits on the same fetch, and a flood of tokens with made-up ``kid``s costs the
issuer one request every few seconds.

A fetch runs as its own task with its own timeout: a caller stops waiting at its deadline (its
answer is never late), while the fetch goes on, so a slow issuer's keys still serve the next
call.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from jwt import PyJWK
from jwt.exceptions import PyJWTError

from connector import logs
from connector.auth_settings import is_loopback
from connector.gateway import read_bounded

DISCOVERY_PATH = "/.well-known/oauth-authorization-server"
ALGORITHMS = frozenset({"RS256", "ES256"})  # Okta signs access tokens RS256 (CONTRACT.md §3)
# One fetch (discovery and keys) gives up after this; callers stop waiting at their deadline.
FETCH_TIMEOUT_S = 2.0
MIN_REFRESH_S = 5.0

log = logging.getLogger(logs.HOOK_LOGGER)


class JwksUnavailable(Exception):
    """No key could be had in time (issuer down, slow, or answering nonsense)."""


@dataclass(frozen=True, slots=True)
class KeySet:
    keys: dict[str, PyJWK]  # kid → key, only keys usable for RS256 / ES256 signatures


class JwksCache:
    def __init__(
        self,
        issuer: str,
        *,
        min_refresh_s: float = MIN_REFRESH_S,
        fetch_timeout_s: float = FETCH_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer
        self.discovery_url = issuer.rstrip("/") + DISCOVERY_PATH
        self.min_refresh_s = min_refresh_s
        self.fetch_timeout_s = fetch_timeout_s
        self.clock = clock
        self.fetches = 0  # key-set fetches started (for tests and the log)
        self._jwks_uri: str | None = None
        self._keys: KeySet | None = None
        self._last_fetch = float("-inf")
        self._refresh: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._own_session = False

    async def open(self, session: aiohttp.ClientSession | None = None) -> None:
        """Share ``session`` (the app's one pool), or open one; start the first fetch, unawaited,
        so the first token finds the keys in place."""
        if session is None:
            session = aiohttp.ClientSession(auto_decompress=False)
            self._own_session = True
        self._session = session
        self._start_refresh()

    async def close(self) -> None:
        if self._refresh is not None and not self._refresh.done():
            self._refresh.cancel()
            try:
                await self._refresh
            except (asyncio.CancelledError, Exception):
                pass
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None

    async def key(self, kid: str, deadline: float) -> PyJWK | None:
        """The key ``kid``, or ``None`` if the issuer (freshly asked) has no such key.

        Raises ``JwksUnavailable`` when no key set could be had by ``deadline``
        (``time.monotonic()`` clock) and none is cached.
        """
        keys = self._keys
        if keys is not None and kid in keys.keys:
            return keys.keys[kid]
        task = self._start_refresh()
        if task is not None:
            remaining = deadline - time.monotonic()
            try:
                # shield: a caller giving up at its deadline leaves the fetch running.
                await asyncio.wait_for(asyncio.shield(task), max(remaining, 0.0))
            except TimeoutError:
                pass  # the fetch goes on; this caller answers now
        keys = self._keys
        if keys is None:
            raise JwksUnavailable("no key set")
        return keys.keys.get(kid)

    def _start_refresh(self) -> asyncio.Task[None] | None:
        """The running fetch, or a new one if the last began ``min_refresh_s`` ago or more."""
        if self._refresh is not None and not self._refresh.done():
            return self._refresh
        if self.clock() - self._last_fetch < self.min_refresh_s:
            return None
        self._last_fetch = self.clock()
        self.fetches += 1
        self._refresh = asyncio.get_running_loop().create_task(self._fetch())
        return self._refresh

    async def _fetch(self) -> None:
        try:
            async with asyncio.timeout(self.fetch_timeout_s):
                if self._jwks_uri is None:
                    self._jwks_uri = jwks_uri_of(self.issuer, await self._get(self.discovery_url))
                self._keys = key_set(await self._get(self._jwks_uri))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # whatever the issuer answered: the old key set stays
            reason = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
            log.warning(
                "jwks fetch failed",
                extra={"fields": {"outcome": "jwks_unavailable", "jwks_error": reason}},
            )
            # Not raised: the callers see the key set unchanged, and a background fetch
            # leaves no unretrieved exception behind.

    async def _get(self, url: str) -> Any:
        session = self._session
        if session is None:
            raise ValueError("jwks cache not opened")
        async with session.get(url, headers={"Accept": "application/json"}) as response:
            if response.status != 200:
                raise ValueError(f"HTTP {response.status}")
            payload = await read_bounded(response)
        if payload is None:
            raise ValueError("answer too large")
        return json.loads(payload)


def jwks_uri_of(issuer: str, metadata: Any) -> str:
    """The ``jwks_uri`` of the issuer's metadata, which must name this very issuer (RFC 8414
    §3.3: metadata naming another issuer is an attack or a misconfiguration)."""
    if not isinstance(metadata, dict) or metadata.get("issuer") != issuer:
        raise ValueError("metadata of another issuer")
    uri = metadata.get("jwks_uri")
    if not isinstance(uri, str):
        raise ValueError("metadata without jwks_uri")
    parts = urlsplit(uri)
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and is_loopback(parts.hostname or "")
    )
    if not secure or not parts.hostname:
        raise ValueError("jwks_uri not https")
    return uri


def key_set(document: Any) -> KeySet:
    """The signing keys of a JWKS document; keys of other kinds or uses are left out."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS")
    keys: dict[str, PyJWK] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("use", "sig") != "sig":
            continue
        try:
            key = PyJWK(entry)
        except (PyJWTError, ValueError, TypeError, KeyError):
            continue  # a key this verifier cannot use (or a hostile entry) skips only itself
        if key.algorithm_name in ALGORITHMS:
            keys[entry["kid"]] = key
    return KeySet(keys)
