"""Conversion feedback wired to the hook and the events endpoint: the I/O around the pure core
(``connector.conversion``), over a ``ConversionStore``.

- Before deciding, the hook reads the block of the destination's prefix (``block_for``); the
  pure rule in ``connector.decisions`` refuses it.
- After a send that may have gone, the hook records it (``sent``) in a background task, so that
  the answer never waits on the store; the task judges the prefix, and starts a block when its
  conversion is too low (logged with the prefix, rate and counts, counted in the metrics).
- An event delivery (``deliver``) marks sends verified, each event once.

Every store failure (``StateUnavailable``) fails open: no block is read, a send is not counted,
a delivery is answered 503 so that Okta's one retry may bring its events again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from connector import metrics
from connector.conversion import (
    FAMILY_OF_REQUEST,
    VERIFIED,
    BlockStarted,
    ConversionRules,
    Ignored,
    PrefixBlock,
    SentCode,
    read_event,
    should_block,
)
from connector.conversion_store import ConversionStore
from connector.errors import UnusableNumber
from connector.phone import normalise, number_prefix
from connector.request import HookRequest
from connector.state import StateUnavailable

log = logging.getLogger("ezitxt.connector.conversion")
# Answer outcomes of a send that may have gone (connector.outcomes): SUCCESSFUL and PENDING.
MAY_HAVE_GONE = frozenset({"sent", "pending"})
STATE_UNAVAILABLE = "state_unavailable"
# Sends queued for recording, at most; past it a send is not counted (and that is counted).
MAX_PENDING = 10_000


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one delivery's events did, by outcome (``verified``, ``duplicate``, ...)."""

    outcomes: Counter[str]
    state_unavailable: bool = False


class ConversionFeedback:
    def __init__(
        self,
        store: ConversionStore,
        rules: ConversionRules,
        *,
        prefix_digits: int,
        default_region: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.rules = rules
        self.prefix_digits = prefix_digits
        self.default_region = default_region
        self.clock = clock
        self._queue: deque[tuple[SentCode, str]] = deque()
        self._worker: asyncio.Task[BlockStarted | None] | None = None

    def prefix_of(self, request: HookRequest) -> str | None:
        """The destination's prefix, or None for a number the decision will refuse anyway."""
        return _prefix_of(request.phone_number, self.default_region, self.prefix_digits)

    async def block_for(self, application: str, request: HookRequest) -> PrefixBlock | None:
        prefix = self.prefix_of(request)
        if prefix is None:
            return None
        try:
            return await self.store.block(application, prefix, self.clock())
        except StateUnavailable:
            return None  # fail open: the store logged and counted it

    def sent(
        self,
        application: str,
        request: HookRequest,
        prefix: str,
        country: str,
        outcome: str,
    ) -> asyncio.Task[BlockStarted | None] | None:
        """Record a send whose answer was ``outcome``, in the background: ``prefix`` and
        ``country`` as the decision read them (``decisions.Send``, the same prefix digits). A
        send without an Okta user id (Okta's Preview) can never be verified: it is not counted
        against its prefix."""
        family = FAMILY_OF_REQUEST.get(request.request_type)
        if outcome not in MAY_HAVE_GONE or request.user_id is None or family is None:
            return None
        if len(self._queue) >= MAX_PENDING:
            metrics.count_conversion_skipped("backlog")
            return None
        send = SentCode(application, request.user_id, prefix, family, self.clock())
        self._queue.append((send, country))
        if self._worker is None:
            # One task drains what the calls queue meanwhile (not one task a send).
            self._worker = asyncio.get_running_loop().create_task(self._drain_queue())
        return self._worker

    async def _drain_queue(self) -> BlockStarted | None:
        started = None
        try:
            while self._queue:
                # Everything queued at once: on Redis, one pipeline for them all.
                batch = list(self._queue)
                self._queue.clear()
                results = await asyncio.gather(*(self._record(*queued) for queued in batch))
                started = next((r for r in results if r is not None), started)
        finally:
            self._worker = None
        return started

    async def _record(self, send: SentCode, country: str) -> BlockStarted | None:
        try:
            window = await self.store.record_send(send, self.rules)
            counts = should_block(window, send.prefix, send.at, self.rules)
            if counts is None:
                return None
            started = await self.store.start_block(
                send.application, send.prefix, send.at, self.rules, counts
            )
        except StateUnavailable:
            metrics.count_conversion_skipped("state_unavailable")
            return None
        except Exception:
            log.exception("conversion: recording a send failed")
            return None
        if started is not None:
            _log_block(started, country)
            metrics.count_block_started(country)
        return started

    async def deliver(
        self, events: Sequence[Mapping[str, Any]], *, application: str | None
    ) -> Delivery:
        """The events of one delivery, each counted once. ``application``: the delivery came
        with that application's own secret (its events verify only its sends); None: with the
        deployment's events secret (any application's)."""
        outcomes: Counter[str] = Counter()
        now = self.clock()
        verifications = []
        for event in events:
            read = read_event(event)
            if isinstance(read, Ignored):
                outcomes[read.reason] += 1
                metrics.count_event(read.event_type, read.reason)
            else:
                verifications.append(read)
        try:
            if application is not None:
                await self.store.heard(application, now, self.rules)
        except StateUnavailable:
            return Delivery(outcomes, state_unavailable=True)
        # All at once: on Redis, one pipeline for the whole delivery (in the events' order).
        results = await asyncio.gather(
            *(
                self.store.verify(v, application=application, now=now, rules=self.rules)
                for v in verifications
            ),
            return_exceptions=True,
        )
        unavailable = False
        for verification, result in zip(verifications, results, strict=True):
            if isinstance(result, StateUnavailable):
                unavailable = True
                outcomes[STATE_UNAVAILABLE] += 1
                metrics.count_event(verification.event_type, STATE_UNAVAILABLE)
                continue
            if isinstance(result, BaseException):
                raise result
            outcomes[result.outcome] += 1
            metrics.count_event(verification.event_type, result.outcome)
            if result.outcome == VERIFIED:
                metrics.count_send_verified(verification.family)
        return Delivery(outcomes, state_unavailable=unavailable)

    async def drain(self, timeout_s: float = 1.0) -> None:
        """Lets the recordings under way finish (at shutdown), within ``timeout_s``."""
        if self._worker is not None:
            await asyncio.wait({self._worker}, timeout=timeout_s)


@lru_cache(maxsize=16_384)
def _prefix_of(raw: str, region: str, digits: int) -> str | None:
    """Cached as ``normalise`` is: the same users sign in again and again."""
    try:
        destination = normalise(raw, region)
    except UnusableNumber:
        return None
    return number_prefix(destination, digits)


def _log_block(started: BlockStarted, country: str) -> None:
    counts = started.counts
    log.warning(
        "prefix_blocked",
        extra={
            "fields": {
                "event": "prefix_blocked",
                "application": started.application,
                "prefix": started.prefix,
                "country": country,
                "conversion": round(counts.rate, 3),
                "sent": counts.sent,
                "verified": counts.verified,
                "block_level": started.level,
                "block_s": int(started.duration_s),
            }
        },
    )
