"""Who sent an event hook call to ``/okta/events``.

Okta sends the event hook's Authentication field and secret exactly as the admin configured them
(CONTRACT.md §6, the same header scheme as inline hooks): the whole value in the header named by
``EZITXT_HOOK_AUTH_FIELD``.

- The deployment's own ``EZITXT_HOOK_EVENTS_SECRET``, compared in constant time (digests of equal
  length): the caller may verify any application's sends.
- In ``passthrough`` auth mode, an application's own Authentication Secret (``Basic
  base64(app:password)``), so that each Okta org of a hosted deployment registers its event hook
  with the secret it already has and its events count for its own application only. The gateway
  judges it (DESIGN.md decision 1) with a call that sends nothing
  (``EzitxtGateway.check_credential``); the verdict is cached briefly, keyed by a keyed digest of
  the value (never the value), bounded, and one check runs per value at a time.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from connector import refusals
from connector.credentials import parse_basic
from connector.errors import CredentialError
from connector.refusals import Refusal

# A password made anew stops the old one at once (CONTRACT.md §5): a cached "yes" lasts a
# minute at most; a "no" a little, so a retried wrong secret does not reach the gateway each time.
ACCEPTED_TTL_S = 60.0
REFUSED_TTL_S = 10.0
MAX_VERDICTS = 1024
CHECK_TIMEOUT_S = 1.5  # within Okta's 3 s for the delivery (CONTRACT.md §6)


@runtime_checkable
class CredentialChecker(Protocol):
    async def check_credential(self, *, authorization: str, timeout_s: float) -> bool | None:
        """True: the gateway accepts it; False: refused; None: the gateway did not say."""
        ...


@dataclass(frozen=True, slots=True)
class EventCaller:
    """``application`` None: the deployment's events secret; else that application's own."""

    application: str | None


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


class DeliveryAuthenticator:
    def __init__(
        self,
        secret: str,
        *,
        checker: CredentialChecker | None = None,
    ) -> None:
        self._secret = _digest(secret)
        self.checker = checker
        self._cache_key = secrets.token_bytes(32)
        self._verdicts: OrderedDict[bytes, tuple[bool, float]] = OrderedDict()
        self._checking: dict[bytes, asyncio.Future[bool | None]] = {}
        self.gateway_checks = 0  # calls made to the gateway, for tests and the curious

    async def authenticate(
        self, values: tuple[str, ...], *, deadline: float | None = None
    ) -> EventCaller | Refusal:
        """``deadline``: the event loop's time by which a gateway check must have ended."""
        if len(values) != 1:
            detail = "missing" if not values else "ambiguous"
            return Refusal(refusals.EVENTS_UNAUTHORIZED, detail=detail)
        value = values[0]
        if hmac.compare_digest(_digest(value), self._secret):
            return EventCaller(None)
        if self.checker is None:
            return Refusal(refusals.EVENTS_UNAUTHORIZED, detail="wrong_secret")
        try:
            credential = parse_basic(value)
        except CredentialError:
            return Refusal(refusals.EVENTS_UNAUTHORIZED, detail="wrong_secret")
        timeout_s = CHECK_TIMEOUT_S
        if deadline is not None:
            timeout_s = min(timeout_s, deadline - asyncio.get_running_loop().time())
        if timeout_s <= 0:
            return Refusal(refusals.EVENTS_AUTH_UNAVAILABLE)
        verdict = await self._verdict(credential.header_value, timeout_s)
        if verdict is None:
            return Refusal(refusals.EVENTS_AUTH_UNAVAILABLE)
        if not verdict:
            return Refusal(refusals.EVENTS_UNAUTHORIZED, detail="refused_by_gateway")
        return EventCaller(credential.application)

    async def _verdict(self, authorization: str, timeout_s: float) -> bool | None:
        key = hmac.digest(self._cache_key, authorization.encode(), "sha256")
        now = time.monotonic()
        cached = self._verdicts.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        running = self._checking.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[bool | None] = asyncio.get_running_loop().create_future()
        self._checking[key] = future
        verdict: bool | None = None
        try:
            assert self.checker is not None
            self.gateway_checks += 1
            verdict = await self.checker.check_credential(
                authorization=authorization, timeout_s=timeout_s
            )
        finally:
            del self._checking[key]
            future.set_result(verdict)
        if verdict is not None:
            ttl = ACCEPTED_TTL_S if verdict else REFUSED_TTL_S
            self._verdicts[key] = (verdict, time.monotonic() + ttl)
            self._verdicts.move_to_end(key)
            while len(self._verdicts) > MAX_VERDICTS:
                self._verdicts.popitem(last=False)
        return verdict
