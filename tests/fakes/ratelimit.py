"""The robots' per-webhook limit: at most `limit` messages in any rolling `window` seconds."""

from __future__ import annotations

import time
from collections import deque


class RollingLimit:
    """Counts accepted messages per webhook and refuses those beyond the limit."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.sent: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        """Whether one more message for `key` is within the limit now (and count it if so)."""
        now = time.monotonic()
        sent = self.sent.setdefault(key, deque())
        while sent and sent[0] <= now - self.window:
            sent.popleft()
        if len(sent) >= self.limit:
            return False
        sent.append(now)
        return True
