"""The replay store's memory at its promised window, and what each operation costs.

DESIGN.md: the de-duplication window holds its full 5 minutes at 1,000 events/s, in a stated
memory figure: 300,000 events. This fills a ``MemoryReplayStore`` with that many settled events
(each as the hook leaves it: a gateway receipt with a 36-character message id, a credential
digest and a message fingerprint), measures what it holds with ``tracemalloc``, and times the
hook's operations on it, in process (no HTTP):

    .venv/bin/python -m loadtests.bench.replay_store [--events 300000] [--budget-mib 128]

Exit code 1 when the store at the window is over ``--budget-mib``.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
import uuid

from connector.gateway import GatewayReceipt, OutboundSms
from connector.replays import Fingerprints, Held, MemoryReplayStore, Owned
from loadtests.bench.harness import table

WINDOW_EVENTS = 300_000  # 5 minutes at 1,000 events/s
AUTHORIZATION = "Basic b2t0YS1ob29rOnMzY3JldC1QYTU1d29yZA=="


def event_id(n: int) -> str:
    return f"bench{n:017d}"  # 22 characters, as Okta's


def fill(store: MemoryReplayStore, keys: Fingerprints, count: int) -> None:
    for n in range(count):
        sms = OutboundSms(f"+6421{n % 10**7:07d}", f"Your code is {n % 10**6:06d}", event_id(n))
        key = keys.event_key("okta-hook", sms.reference)
        claim = store.claim_now(key, keys.stamp(AUTHORIZATION, sms))
        assert isinstance(claim, Owned)
        store.settle_now(key, claim, GatewayReceipt(202, str(uuid.UUID(int=n))))


def memory_mib(count: int) -> tuple[float, float]:
    """(MiB the store holds at ``count`` events, bytes an event), by tracemalloc."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    store = MemoryReplayStore()
    fill(store, Fingerprints.fresh(), count)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    held = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert len(store) == count
    return held / 2**20, held / count


def per_op_us(count: int) -> dict[str, float]:
    """µs per operation on a store already holding ``count`` events."""
    keys = Fingerprints.fresh()
    store = MemoryReplayStore()
    fill(store, keys, count)
    ops = 100_000
    sms = [
        OutboundSms("+64211234567", "Your code is 123456", event_id(count + n)) for n in range(ops)
    ]
    receipt = GatewayReceipt(202, str(uuid.uuid4()))
    figures = {}

    started = time.perf_counter()
    stamps = [keys.stamp(AUTHORIZATION, s) for s in sms]
    event_keys = [keys.event_key("okta-hook", s.reference) for s in sms]
    figures["digests: stamp + event key"] = (time.perf_counter() - started) / ops * 1e6

    started = time.perf_counter()
    for key, stamp in zip(event_keys, stamps, strict=True):
        claim = store.claim_now(key, stamp)
        assert isinstance(claim, Owned)
        store.settle_now(key, claim, receipt)
    figures["new event: claim + settle (with expiry)"] = (time.perf_counter() - started) / ops * 1e6

    started = time.perf_counter()
    for key, stamp in zip(event_keys, stamps, strict=True):
        assert isinstance(store.claim_now(key, stamp), Held)
    figures["repeat: claim finds the record"] = (time.perf_counter() - started) / ops * 1e6
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=WINDOW_EVENTS)
    parser.add_argument("--budget-mib", type=float, default=128.0)
    args = parser.parse_args()
    print(f"replay store: {args.events:,} settled events (5 min at 1,000/s = {WINDOW_EVENTS:,})")
    mib, per_event = memory_mib(args.events)
    verdict = "PASS" if mib <= args.budget_mib else "FAIL"
    rows = [
        [f"memory at {args.events:,} events", f"{mib:.1f} MiB ({per_event:.0f} B an event)"],
        ["budget", f"<= {args.budget_mib:.0f} MiB: {verdict}"],
    ]
    rows += [[name, f"{us:.2f} µs"] for name, us in per_op_us(args.events).items()]
    print(table(["replay store", "figure"], rows))
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
