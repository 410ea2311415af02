"""The clock of the delivery life cycle: applies due status steps, hands callbacks over."""

from __future__ import annotations

import asyncio
import logging

from mocks.ezitxt.backend import EzitxtBackend
from mocks.ezitxt.callbacks import CallbackDispatcher

log = logging.getLogger("mocks.ezitxt.lifecycle")

# Longest sleep between two looks at the schedule: steps land at most this late, and steps that
# fall due together are written in one commit.
TICK_S = 0.02


async def run_lifecycle(backend: EzitxtBackend, dispatcher: CallbackDispatcher) -> None:
    """Forever: apply what is due, then sleep until the next step (at most ``TICK_S``)."""
    while True:
        try:
            for job in backend.advance():
                dispatcher.submit(job)
        except Exception:
            # A failed commit must not stop every later delivery: say so loudly and carry on.
            log.exception("life cycle step failed")
        due = backend.next_due()
        wait = TICK_S if due is None else min(max(due - backend.clock(), 0.0), TICK_S)
        await asyncio.sleep(wait)
