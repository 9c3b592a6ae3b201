"""The single-node bus: subscriptions are bounded asyncio queues in this process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from vwed.bus.abc import Bus, Message, Subscription


def matches(pattern: str, channel: str) -> bool:
    """Whether `channel` is `pattern`, or starts with it when `pattern` ends in `*`."""
    if pattern.endswith("*"):
        return channel.startswith(pattern[:-1])
    return channel == pattern


class MemorySubscription(Subscription):
    """A bounded queue of messages; when full, the oldest are dropped and counted in `dropped`."""

    def __init__(self, bus: MemoryBus, patterns: tuple[str, ...], max_pending: int) -> None:
        self.bus = bus
        self.patterns = patterns
        self.queue: asyncio.Queue[Message | None] = asyncio.Queue(max_pending)
        self.dropped = 0
        self.closed = False

    def offer(self, message: Message) -> None:
        """Queue `message`, dropping the oldest one if the subscriber is too slow to keep up."""
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(message)

    async def __aiter__(self) -> AsyncIterator[Message]:
        while True:
            message = await self.queue.get()
            if message is None:
                return
            yield message

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.bus.subscriptions.discard(self)
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


class MemoryBus(Bus):
    """Publish/subscribe within one process."""

    def __init__(self) -> None:
        self.subscriptions: set[MemorySubscription] = set()

    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        message = Message(channel, data)
        for subscription in list(self.subscriptions):
            if any(matches(p, channel) for p in subscription.patterns):
                subscription.offer(message)

    async def subscribe(self, *patterns: str, max_pending: int = 10_000) -> MemorySubscription:
        subscription = MemorySubscription(self, patterns, max_pending)
        self.subscriptions.add(subscription)
        return subscription

    async def stop(self) -> None:
        for subscription in list(self.subscriptions):
            await subscription.close()
