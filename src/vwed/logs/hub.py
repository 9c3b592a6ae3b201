"""The WebSocket fan-out: each connection has a bounded queue and its own sender, so a slow client only
loses its own oldest lines (and is told how many) and never slows the script or other clients."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from vwed.db.base import TenantScope
from vwed.logs.schemas import utc_stamp

Send = Callable[[str], Awaitable[None]]
ALL_SCRIPTS = "*"


@dataclass(eq=False)
class Connection:
    """One WebSocket client: what it subscribed to, and the frames waiting to be sent to it."""

    connection_id: str
    client_id: str
    client_type: str
    tenant_id: str | None
    all_tenants: bool
    send: Send
    max_pending: int
    connected_at: str = field(default_factory=utc_stamp)
    subscriptions: set[str] = field(default_factory=set)
    pending: deque[str] = field(default_factory=deque)
    dropped: int = 0
    unreported_drops: int = 0
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    closed: bool = False

    def wants(self, script_id: str, tenant_id: str | None) -> bool:
        """Whether a line of `script_id` owned by `tenant_id` is for this client."""
        if not (self.all_tenants or tenant_id == self.tenant_id):
            return False
        return script_id in self.subscriptions or ALL_SCRIPTS in self.subscriptions

    def belongs_to(self, tenant_id: str | None) -> bool:
        """Whether this connection was opened with a (non-admin) token of `tenant_id`."""
        return not self.all_tenants and self.tenant_id == tenant_id

    def offer(self, frame: str) -> None:
        """Queue a frame; when the queue is full the oldest frame is dropped and counted."""
        if len(self.pending) >= self.max_pending:
            self.pending.popleft()
            self.dropped += 1
            self.unreported_drops += 1
        self.pending.append(frame)
        self.wake.set()

    async def send_now(self, message: dict[str, Any]) -> None:
        """Send a control message (welcome, pong, ...) ahead of queued lines."""
        async with self.send_lock:
            await self.send(orjson.dumps(message).decode())

    async def pump(self) -> None:
        """Send queued frames until the connection closes; report drops before the lines that follow them."""
        while not self.closed:
            await self.wake.wait()
            self.wake.clear()
            while self.pending and not self.closed:
                async with self.send_lock:
                    if self.unreported_drops:
                        count, self.unreported_drops = self.unreported_drops, 0
                        await self.send(
                            orjson.dumps({"type": "dropped", "count": count, "total": self.dropped}).decode()
                        )
                    batch = [self.pending.popleft() for _ in range(min(len(self.pending), 256))]
                    for frame in batch:
                        await self.send(frame)

    def status(self) -> dict[str, Any]:
        """This connection as `connections/status` and `get_status` show it."""
        return {
            "connection_id": self.connection_id,
            "client_id": self.client_id,
            "client_type": self.client_type,
            "connected_at": self.connected_at,
            "subscribed_scripts": sorted(self.subscriptions),
            "pending": len(self.pending),
            "dropped": self.dropped,
        }


class LogHub:
    """All WebSocket connections of this node."""

    def __init__(self, max_pending: int = 1000) -> None:
        self.max_pending = max_pending
        self.connections: dict[str, Connection] = {}
        self.pumps: dict[str, asyncio.Task[None]] = {}

    def connect(
        self, client_id: str, client_type: str, tenant_id: str | None, all_tenants: bool, send: Send
    ) -> Connection:
        """Register a client and start its sender."""
        connection_id = f"{client_type}_{client_id}_{int(time.time() * 1000)}"
        while connection_id in self.connections:
            connection_id += "_"
        connection = Connection(
            connection_id, client_id, client_type, tenant_id, all_tenants, send, self.max_pending
        )
        self.connections[connection_id] = connection
        self.pumps[connection_id] = asyncio.create_task(self._pump(connection))
        return connection

    async def _pump(self, connection: Connection) -> None:
        # A client that went away surfaces as a send error; the receive loop then disconnects it.
        with contextlib.suppress(Exception):
            await connection.pump()

    async def disconnect(self, connection: Connection) -> None:
        """Forget a client and stop its sender."""
        connection.closed = True
        connection.wake.set()
        self.connections.pop(connection.connection_id, None)
        task = self.pumps.pop(connection.connection_id, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def deliver(self, script_id: str, tenant_id: str | None, message: dict[str, Any]) -> int:
        """Queue `message` for every client subscribed to `script_id` (or `*`); return how many."""
        frame: str | None = None
        count = 0
        for connection in self.connections.values():
            if connection.wants(script_id, tenant_id):
                frame = frame or orjson.dumps(message).decode()
                connection.offer(frame)
                count += 1
        return count

    def deliver_many(
        self, script_id: str, tenant_id: str | None, message: dict[str, Any], times: int
    ) -> None:
        """Queue one pre-built frame `times` times, yielding nothing: the fan-out path with no script."""
        frame = orjson.dumps(message).decode()
        targets = [c for c in self.connections.values() if c.wants(script_id, tenant_id)]
        for _ in range(times):
            for connection in targets:
                connection.offer(frame)

    def status(self, scope: TenantScope) -> dict[str, Any]:
        """The seed's `connections/status` data, of the connections opened with tokens of `scope` only
        (an admin sees every connection; a tenant only its own tenant's, never an admin's)."""
        mine = [c for c in self.connections.values() if scope.all_tenants or c.belongs_to(scope.tenant_id)]
        per_script: dict[str, int] = {}
        for connection in mine:
            for script_id in connection.subscriptions:
                per_script[script_id] = per_script.get(script_id, 0) + 1
        return {
            "total_connections": len(mine),
            "total_script_subscriptions": sum(per_script.values()),
            "connections": [c.status() for c in mine],
            "script_subscriptions": per_script,
        }

    async def close(self) -> None:
        """Disconnect every client."""
        for connection in list(self.connections.values()):
            await self.disconnect(connection)
