"""The bus: publish/subscribe of JSON messages by channel, in memory on one node or over Redis in a cluster.

Log lines, status changes, platform events (`task_completed`, ...) and cross-node calls travel on it.
`create_bus(settings)` picks the implementation.
"""

from vwed.bus.abc import Bus, Message, Subscription
from vwed.bus.memory import MemoryBus

__all__ = ["Bus", "MemoryBus", "Message", "Subscription"]
