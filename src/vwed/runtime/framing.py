"""Host side of the frame protocol: the children's wire module with orjson, and an asyncio protocol.

The caps and frame layout live in `vwed.runtime.child.wire`, shared with the children. Everything a child
sends is untrusted: a frame above the size cap, nested too deep, not JSON, or malformed for its type
makes the protocol call `on_refused` with the reason and drop the connection; the owner kills the child.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, cast

import orjson

from vwed.i18n import rendered
from vwed.runtime.child.wire import DEFAULT_MAX_FRAME, FrameRefused, Text, Unencodable, Wire, text
from vwed.runtime.texts import from_child

__all__ = ["FrameProtocol", "FrameRefused", "Unencodable", "host_wire"]

log = logging.getLogger("vwed.runtime")
OPTIONS = orjson.OPT_NON_STR_KEYS


def _dumps(message: Any) -> bytes:
    return orjson.dumps(message, default=str, option=OPTIONS)


def _too_deep(message: Any) -> bool:
    # orjson encodes at most 254 levels and MAX_DEPTH is 250: wrapped in four more lists, a message
    # fails to encode exactly when it nests deeper than MAX_DEPTH. One C pass instead of a Python walk.
    try:
        orjson.dumps([[[[message]]]], default=str, option=OPTIONS)
    except orjson.JSONEncodeError:
        return True
    return False


def host_wire(max_frame: int = DEFAULT_MAX_FRAME) -> Wire:
    """The host's wire: orjson, with the same caps as the children's."""
    return Wire(max_frame, _dumps, orjson.loads, _too_deep, refuses_wide_ints=True)


class FrameProtocol(asyncio.Protocol):
    """Reads frames from a child's socket and hands each decoded message to `on_message`."""

    def __init__(
        self,
        wire: Wire,
        on_message: Callable[[dict[str, Any]], None],
        on_closed: Callable[[], None],
        on_refused: Callable[[Text], None] = lambda _reason: None,
    ) -> None:
        self.wire = wire
        self.on_message = on_message
        self.on_closed = on_closed
        self.on_refused = on_refused
        self.splitter = wire.splitter()
        self.transport: asyncio.Transport | None = None
        self.refused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not derive from asyncio.Transport, but they implement it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        try:
            for payload in self.splitter.feed(data):
                message = self.wire.decode(payload)
                try:
                    self.on_message(message)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    kind, error = repr(str(message.get("t"))[:40]), repr(exc)[:200]
                    raise FrameRefused(text("wire_frame_malformed", kind=kind, error=error)) from None
        except FrameRefused as exc:
            self.refuse(exc.text)

    def refuse(self, reason: Text) -> None:
        """Stop reading from a child that broke the protocol; `reason` names what it sent."""
        if self.refused:
            return
        self.refused = True
        log.warning("a child broke the frame protocol: it sent %s", rendered(from_child(reason), "en"))
        self.on_refused(reason)
        if self.transport is not None:
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.on_closed()

    def send(self, message: dict[str, Any]) -> None:
        """Queue `message` for the child; a no-op once the connection is closing.

        Raises `Unencodable` when the message breaks a wire cap (the caller turns that into an error
        of the one call that carried it).
        """
        frame = self.wire.encode(message)
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame)
