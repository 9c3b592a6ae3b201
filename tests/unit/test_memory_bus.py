"""The in-memory bus delivers by channel and pattern, in order, and sheds the oldest for slow readers."""

from __future__ import annotations

import asyncio

from vwed.bus import MemoryBus


async def test_subscribers_receive_matching_channels_in_order() -> None:
    bus = MemoryBus()
    exact = await bus.subscribe("logs.a")
    prefix = await bus.subscribe("logs.*")
    for n in range(3):
        await bus.publish("logs.a", {"n": n})
    await bus.publish("logs.b", {"n": 9})
    await bus.publish("events.x", {"n": 7})
    await bus.stop()
    assert [m.data["n"] async for m in exact] == [0, 1, 2]
    assert [(m.channel, m.data["n"]) async for m in prefix] == [
        ("logs.a", 0),
        ("logs.a", 1),
        ("logs.a", 2),
        ("logs.b", 9),
    ]


async def test_a_slow_subscriber_loses_the_oldest_and_counts_them() -> None:
    bus = MemoryBus()
    slow = await bus.subscribe("c", max_pending=3)
    for n in range(10):
        await bus.publish("c", {"n": n})
    assert slow.dropped == 7
    messages = aiter(slow)
    assert [(await anext(messages)).data["n"] for _ in range(3)] == [7, 8, 9]
    await slow.close()


async def test_closed_subscription_stops_iteration_of_a_waiting_reader() -> None:
    bus = MemoryBus()
    sub = await bus.subscribe("c")
    reader = asyncio.create_task(anext(aiter(sub), None))
    await asyncio.sleep(0)
    await sub.close()
    assert await asyncio.wait_for(reader, 1) is None
