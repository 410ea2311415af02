from __future__ import annotations

import asyncio
import time

import pytest

from connector.deadlines import Deadlines


async def guarded(deadlines: Deadlines, budget_s: float, work_s: float) -> float:
    started = time.monotonic()
    with deadlines.guard(started + budget_s):
        await asyncio.sleep(work_s)
    return time.monotonic() - started


def test_work_inside_the_deadline_is_left_alone() -> None:
    async def main() -> float:
        deadlines = Deadlines(tick_s=0.01)
        try:
            return await guarded(deadlines, 0.5, 0.05)
        finally:
            await deadlines.close()

    assert asyncio.run(main()) < 0.5


def test_work_past_the_deadline_is_cut_before_it_and_raises_timeout() -> None:
    async def main() -> float:
        deadlines = Deadlines(tick_s=0.01)
        started = time.monotonic()
        try:
            with pytest.raises(TimeoutError):
                await guarded(deadlines, 0.2, 5.0)
            return time.monotonic() - started
        finally:
            await deadlines.close()

    elapsed = asyncio.run(main())
    assert 0.15 <= elapsed <= 0.2 + 0.05  # cut at most one tick early; the bound is generous


def test_a_cancellation_from_elsewhere_is_not_turned_into_a_timeout() -> None:
    async def main() -> None:
        deadlines = Deadlines(tick_s=0.01)
        task = asyncio.create_task(guarded(deadlines, 5.0, 5.0))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await deadlines.close()

    asyncio.run(main())


def test_many_calls_each_get_their_own_deadline() -> None:
    async def main() -> list[object]:
        deadlines = Deadlines(tick_s=0.01)
        calls = [guarded(deadlines, 0.1, 0.01 if i % 2 else 1.0) for i in range(50)]
        try:
            return await asyncio.gather(*calls, return_exceptions=True)
        finally:
            await deadlines.close()

    results = asyncio.run(main())
    timeouts = [r for r in results if isinstance(r, TimeoutError)]
    assert len(timeouts) == 25


def test_a_sweeper_left_on_an_earlier_loop_does_not_leave_a_later_loop_unguarded() -> None:
    """The guard looks its task up on the sweeper's loop (no getpid() a call); a Deadlines
    used again on a new loop while its old sweeper never ended must still cut on time."""
    deadlines = Deadlines(tick_s=0.01)
    old_loop = asyncio.new_event_loop()
    try:
        old_loop.run_until_complete(guarded(deadlines, 0.5, 0.0))
        assert deadlines._sweeper is not None and not deadlines._sweeper.done()

        async def later() -> None:
            with pytest.raises(TimeoutError):
                await guarded(deadlines, 0.1, 5.0)
            await deadlines.close()

        started = time.monotonic()
        asyncio.run(later())
        assert time.monotonic() - started < 2.0  # cut by the new loop's sweeper, not after 5 s
    finally:
        old_loop.close()
