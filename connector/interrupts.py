"""Ctrl-C while modules are being imported: noted, and acted on once the imports are done.

Python raises ``KeyboardInterrupt`` (or a handler's exception) wherever the main thread is when
the signal lands. During imports that is often inside a weakref callback or a finalizer run by
the garbage collector, where Python prints "Exception ignored in ..." and carries on: the Ctrl-C
is lost and the command goes on as if nobody had pressed it. (Seen in the suite: ``stack``
interrupted 0.2 s after its start kept starting, and served until a second Ctrl-C.) Inside
``deferred()`` a signal is only noted; the caller looks at what was noted when the block ends,
at a point of its own choosing, or (``replay``) has it raised again once the block is done.
Spawning a process is such a block too: Python runs ``logging``'s after-fork hook in the parent
right after the fork, and an exception raised there is swallowed the same way (seen in the
suite: "Exception ignored in: <function _releaseLock>").
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

# What a terminal's Ctrl-C and a service manager's stop send.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def deferred(
    signals: tuple[signal.Signals, ...] = (signal.SIGINT,), *, replay: bool = False
) -> Iterator[list[signal.Signals]]:
    """Note ``signals`` instead of acting on them until the block ends; yields the list they
    are noted in (empty: none came). The handlers before the block are put back after it, and
    with ``replay`` the first signal noted is raised again for them, now outside the block.
    Outside the main thread (where Python allows no handler) nothing is deferred."""
    noted: list[signal.Signals] = []
    if threading.current_thread() is not threading.main_thread():
        yield noted
        return

    def note(signum: int, frame: FrameType | None) -> None:
        noted.append(signal.Signals(signum))

    previous: dict[signal.Signals, Any] = {}
    try:
        for signum in signals:
            previous[signum] = signal.signal(signum, note)
        yield noted
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if replay and noted:
        signal.raise_signal(noted[0])
