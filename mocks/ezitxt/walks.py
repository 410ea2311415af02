"""Messages on their way: which status step of which message falls due when.

A heap of due times; popping is O(log n), so thousands of messages a second cost little.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from mocks.ezitxt.lifecycle import Step


@dataclass(slots=True)
class Walk:
    """A message's remaining walk: ``plan[index]`` is the next step to apply."""

    message_id: str
    application: str
    reference: str | None
    plan: tuple[Step, ...]
    index: int
    not_before: float | None = None  # a scheduled message stays accepted until then

    def due_after(self, at: float) -> float:
        """When the next step falls due, the previous one having happened at ``at``."""
        step = self.plan[self.index]
        due = at + step.after_s
        if step.status == "queued" and self.not_before is not None:
            due = max(due, self.not_before)
        return due


class Walks:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Walk]] = []
        self._counter = 0

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, walk: Walk, due: float) -> None:
        self._counter += 1
        heapq.heappush(self._heap, (due, self._counter, walk))

    def pop_due(self, now: float) -> list[tuple[float, Walk]]:
        """Every walk whose next step is due by ``now``, earliest first, with its due time."""
        out: list[tuple[float, Walk]] = []
        while self._heap and self._heap[0][0] <= now:
            due, _, walk = heapq.heappop(self._heap)
            out.append((due, walk))
        return out

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def clear(self) -> None:
        self._heap.clear()
