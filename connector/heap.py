"""The garbage collector, tuned once a server has started.

After start-up the heap holds tens of thousands of long-lived objects (phonenumbers' metadata,
the compiled schemas, Starlette, aiohttp), which every full collection walks again although none
of them ever becomes garbage. ``gc.freeze()`` moves them out of the collector's sight; a higher
first threshold makes the young collections, which a call's few hundred short-lived containers
trigger every few calls, rarer. Reference counting still frees almost everything a call
allocates at once; the collector remains for cycles.
"""

from __future__ import annotations

import gc

# Young collections every 7,000 net container allocations instead of 700 (the 16 calls in
# flight of a loaded worker alone pass 700 between two turns); older ones as Python's defaults.
# Figures (``.venv/bin/python -m loadtests.bench.gc_ab --rounds 15 --calls 2000``, the whole app
# calling nginx through aiohttp, medians, load avg 1.2): 136.4 -> 129.1 us CPU a call, the
# collector's share 5.7% -> 0.0%; with ``--instant --rounds 5 --calls 10000`` (no aiohttp,
# load avg 4.5): 36.5 -> 34.8 us, 1.4% -> 0.0%.
THRESHOLDS = (7_000, 10, 10)

_settled = False


def settle() -> bool:
    """Freeze the start-up heap and raise the young threshold, once a process (a server runs
    one app; a test process creates many and must not freeze each one's garbage). True the
    first time."""
    global _settled
    if _settled:
        return False
    _settled = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    return True
