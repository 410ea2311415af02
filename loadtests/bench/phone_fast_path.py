"""The NZ/AU fast path of ``connector.phone.normalise`` against phonenumbers' plain parse
(``full_normalise``), per uncached number, in one process, alternated. The fast path stays only
while it earns its keep (issue 9, "Micro-optimisations"): target at most half the parse's cost.

    .venv/bin/python -m loadtests.bench.phone_fast_path [--numbers 50000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from connector.phone import Destination, full_normalise, normalise

TARGET_RATIO = 0.5
# What Okta sends: E.164 nearly always (CONTRACT.md §1), national digits from its sample.
FORMS: dict[str, Callable[[random.Random], str]] = {
    "NZ mobile, E.164": lambda rng: f"+6421{rng.randrange(10**7):07d}",
    "AU mobile, E.164": lambda rng: f"+6141{rng.randrange(10**7):07d}",
    "NZ mobile, national": lambda rng: f"021 {rng.randrange(1000):03d} {rng.randrange(10**4):04d}",
}


def per_call_us(function: Callable[[str, str], Destination], numbers: list[str]) -> float:
    started = time.perf_counter()
    for number in numbers:
        function(number, "NZ")
    return (time.perf_counter() - started) / len(numbers) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=50_000, help="numbers per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of both")
    args = parser.parse_args()
    fast: Callable[[str, str], Destination] = normalise.__wrapped__  # uncached
    rng = random.Random(9)
    worst = 0.0
    print(f"phone fast path: {args.rounds} rounds x {args.numbers} distinct numbers per form")
    for form, make in FORMS.items():
        timings: dict[str, list[float]] = {"fast path": [], "plain parse": []}
        for _ in range(args.rounds):
            numbers = [make(rng) for _ in range(args.numbers)]
            timings["fast path"].append(per_call_us(fast, numbers))
            timings["plain parse"].append(per_call_us(full_normalise, numbers))
        fast_us, plain_us = (statistics.median(t) for t in timings.values())
        worst = max(worst, fast_us / plain_us)
        print(f"  {form}: fast path {fast_us:.1f} µs, plain parse {plain_us:.1f} µs a number")
    verdict = "PASS" if worst <= TARGET_RATIO else "FAIL"
    print(f"| fast / plain (worst form) | {worst:.0%} (target <= {TARGET_RATIO:.0%}: {verdict}) |")
    return 0 if worst <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
