"""Integrations > API Configuration: gateway applications, their passwords and callback URLs.

Generate New Password shows the password once and invalidates the previous one at once
(CONTRACT.md §5), so the credential cache forgets the application in the same step.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from mocks.ezitxt import credentials
from mocks.ezitxt.errors import Conflict, InvalidAttrib, NotFound, Unauthorized
from mocks.ezitxt.models import Application
from mocks.ezitxt.store import Store

NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9])?")
AUTH_FIELD = "Authorization"

log = logging.getLogger("mocks.ezitxt.applications")


@dataclass(frozen=True, slots=True)
class NewPassword:
    application: Application
    password: str

    def setup_values(self, hook_url: str) -> dict[str, str]:
        """The Okta Setup Values, secret included: shown once, with the new password."""
        return {
            "url": hook_url,
            "authenticationField": AUTH_FIELD,
            "authenticationSecret": credentials.basic_secret(self.application.name, self.password),
        }


class Applications:
    """Applications kept in memory (they are few) and written through to the store."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock
        self._apps: dict[str, Application] = {}
        self._cache = credentials.CredentialCache()
        self._verifying: dict[bytes, asyncio.Future[bool]] = {}

    def load(self) -> None:
        self._apps = {app.name: app for app in self._store.applications()}
        self._cache.clear()

    def clear(self) -> None:
        self._apps.clear()
        self._cache.clear()

    def all(self) -> list[Application]:
        return sorted(self._apps.values(), key=lambda a: a.name)

    def get(self, name: str) -> Application:
        app = self._apps.get(name)
        if app is None:
            raise NotFound("Application not found")
        return app

    def callback_url(self, name: str) -> str | None:
        app = self._apps.get(name)
        return app.callback_url if app else None

    def create(self, name: str) -> Application:
        if NAME.fullmatch(name) is None:
            raise InvalidAttrib("Invalid attribute name")
        app = Application(name=name, created_at=self._clock())
        if name in self._apps or not self._store.insert_application(app):
            raise Conflict("Application name already exists")
        self._apps[name] = app
        log.info("application %r created", name)
        return app

    async def generate_password(self, name: str) -> NewPassword:
        app = self.get(name)
        password = credentials.new_password()
        # scrypt is slow on purpose: off the event loop.
        hashed = await asyncio.to_thread(credentials.hash_password, password)
        app.password_hash, app.password_generated_at = hashed, self._clock()
        self._store.save_password(name, hashed, app.password_generated_at)
        self._cache.forget(name)
        log.info("new password generated for application %r; the previous one is void", name)
        return NewPassword(app, password)

    def set_callback_url(self, name: str, url: str | None) -> Application:
        app = self.get(name)
        if url is not None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise InvalidAttrib("Invalid attribute callbackUrl")
        app.callback_url = url
        self._store.save_callback_url(name, url)
        return app

    async def authenticate(self, header: str | None) -> str:
        """The application an ``Authorization`` header proves, else ``Unauthorized``."""
        if not header:
            raise Unauthorized("Missing credentials")
        key = credentials.digest(header)
        known = self._cache.lookup(key)
        if known is not None:
            return known
        parsed = credentials.parse_basic(header)
        app = self._apps.get(parsed[0]) if parsed else None
        if parsed is None or app is None or app.password_hash is None:
            raise Unauthorized("Invalid credentials")
        stored = app.password_hash
        if not await asyncio.shield(self._verify(key, parsed[1], stored)):
            raise Unauthorized("Invalid credentials")
        if app.password_hash != stored:
            # A new password was generated while this one was being checked: it is dead already.
            raise Unauthorized("Invalid credentials")
        self._cache.remember(key, app.name)
        return app.name

    def _verify(self, key: bytes, password: str, stored: str) -> asyncio.Future[bool]:
        """One scrypt check per distinct credential in flight, shared by concurrent requests."""
        future = self._verifying.get(key)
        if future is None:
            future = asyncio.ensure_future(
                asyncio.to_thread(credentials.verify_password, password, stored)
            )
            self._verifying[key] = future
            future.add_done_callback(lambda _: self._verifying.pop(key, None))
        return future
