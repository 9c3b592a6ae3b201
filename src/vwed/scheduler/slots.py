"""The node's run slots: scheduled runs and test runs share `VWED_EXECUTOR_CONCURRENCY` of them.

A slot is held for the whole of a run (dependency install included). The executor claims at most as
many queued runs as there are free slots; a test run takes one slot or is refused at once with
`RunSlotsBusy` (503), so a burst of test runs cannot pile up inside the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from vwed.errors import Unavailable


class RunSlotsBusy(Unavailable):
    """Every run slot of this node is taken (503)."""

    default_key = "run_slots_busy"


class RunSlots:
    """A counter of busy slots out of `capacity`; single-threaded (used from the event loop only)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.busy = 0

    @property
    def free(self) -> int:
        """Slots not taken now."""
        return max(self.capacity - self.busy, 0)

    def take(self, wanted: int) -> int:
        """Take up to `wanted` slots; return how many were taken (maybe 0)."""
        taken = min(max(wanted, 0), self.free)
        self.busy += taken
        return taken

    def occupy(self, count: int) -> None:
        """Mark `count` slots busy even past the capacity (runs already claimed must start)."""
        self.busy += count

    def give_back(self, count: int = 1) -> None:
        """Return `count` slots taken earlier."""
        self.busy = max(self.busy - count, 0)

    @contextmanager
    def one(self) -> Iterator[None]:
        """Hold one slot for the block, or raise `RunSlotsBusy` when none is free."""
        if not self.take(1):
            raise RunSlotsBusy(limit=self.capacity)
        try:
            yield
        finally:
            self.give_back(1)
