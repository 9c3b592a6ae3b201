"""The bus interface shared by the in-memory and Redis implementations."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Message:
    """One published message: the channel it came on and its JSON-able payload."""

    channel: str
    data: dict[str, Any]


class Subscription(abc.ABC):
    """An open subscription; iterate it for messages, close it (or leave its `async with`) when done."""

    @abc.abstractmethod
    def __aiter__(self) -> AsyncIterator[Message]:
        """Messages in publication order."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop receiving; iteration ends after the messages already queued."""

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()


class Bus(abc.ABC):
    """Publish/subscribe by channel name; a subscription pattern may end in `*` to match a prefix."""

    @abc.abstractmethod
    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        """Deliver `data` to every current subscriber of `channel`; never blocks on slow subscribers."""

    @abc.abstractmethod
    async def subscribe(self, *patterns: str, max_pending: int = 10_000) -> Subscription:
        """Subscribe to channels by exact name or `prefix*`; `max_pending` bounds the backlog kept for it."""

    async def start(self) -> None:  # noqa: B027 - optional hook, not abstract
        """Connect; the in-memory bus needs nothing."""

    async def stop(self) -> None:  # noqa: B027 - optional hook, not abstract
        """Disconnect and close every subscription."""
