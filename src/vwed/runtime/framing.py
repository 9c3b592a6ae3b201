"""Host side of the frame protocol: length-prefixed JSON (orjson) over a script's socket."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

import orjson

from vwed.runtime.child import FrameSplitter, pack


def encode(message: dict[str, Any]) -> bytes:
    """A message as one frame; values orjson cannot carry are sent as their `str()`."""
    return pack(orjson.dumps(message, default=str))


class FrameProtocol(asyncio.Protocol):
    """Reads frames from a script socket and hands each decoded message to `on_message`."""

    def __init__(
        self,
        on_message: Callable[[dict[str, Any]], None],
        on_closed: Callable[[], None],
    ) -> None:
        self.on_message = on_message
        self.on_closed = on_closed
        self.splitter = FrameSplitter()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not derive from asyncio.Transport, but they implement it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            payloads = self.splitter.feed(data)
        except ValueError:
            # A child that breaks the protocol is treated as crashed.
            if self.transport is not None:
                self.transport.abort()
            return
        for payload in payloads:
            self.on_message(orjson.loads(payload))

    def connection_lost(self, exc: Exception | None) -> None:
        self.on_closed()

    def send(self, message: dict[str, Any]) -> None:
        """Queue `message` for the child; a no-op once the connection is closing."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(encode(message))
