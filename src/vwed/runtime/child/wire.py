"""Frames between the host and a child: one module, used by the host and by every child.

A frame is a 4-byte big-endian length followed by one JSON object whose `t` names its type. Both
directions obey two caps, so neither side can make the other buffer or rebuild more than agreed:

- size: a payload is at most `max_frame` bytes (`VWED_RUNTIME_MAX_FRAME_BYTES`, 4 MiB by default); a
  receiver refuses a larger frame from its header alone, before reading the payload;
- nesting: a message nests at most `MAX_DEPTH` levels of arrays and objects (the message itself is one).

A message that breaks a cap is `Unencodable` for its sender, which turns it into an error of that one
call. A frame that breaks one on arrival means the peer does not follow the protocol (`FrameRefused`);
the host kills a child that sends one. The codec is passed in: the host encodes with orjson, children
(standard library only) with `json`.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from typing import Any

HEADER = struct.Struct(">I")
MIB = 1024 * 1024
DEFAULT_MAX_FRAME = 4 * MIB
# orjson, the host's encoder, stops at 254 levels; four below that leaves the host room to wrap a received
# value (a response envelope, a frame to another child) and still encode it.
MAX_DEPTH = 250
CONTAINERS = (dict, list, tuple)

Dumps = Callable[[Any], bytes]
Loads = Callable[[bytes], Any]
DepthCheck = Callable[[Any], bool]


class WireError(ValueError):
    """A message or frame the protocol does not allow; the text says why."""


class Unencodable(WireError):
    """A message that cannot be sent: too large for a frame, nested too deep, or not JSON."""


class FrameRefused(WireError):
    """A received frame that breaks the protocol: above the size cap, nested too deep, or not a message."""


def pack(payload: bytes) -> bytes:
    """One frame: the payload's length, then the payload."""
    return HEADER.pack(len(payload)) + payload


def nests_deeper(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether `value` nests more than `limit` levels of dicts, lists and tuples (iterative, stops early)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, CONTAINERS))
    return False


def may_nest_deeper(payload: bytes) -> bool:
    """A cheap pre-check on encoded JSON: fewer opening brackets than `MAX_DEPTH` cannot nest deeper."""
    return payload.count(b"[") + payload.count(b"{") > MAX_DEPTH


def too_deep(message: Any) -> bool:
    """Whether a container nests deeper than `MAX_DEPTH` (the children's depth check)."""
    return isinstance(message, CONTAINERS) and nests_deeper(message)


def deep_text() -> str:
    """The reason given for a message that nests too deep."""
    return f"nested deeper than {MAX_DEPTH} levels"


class FrameSplitter:
    """Cuts a byte stream into frame payloads, however the bytes arrive; refuses frames above the cap."""

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.max_frame = max_frame
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return every payload that is now complete."""
        self.buffer += data
        out: list[bytes] = []
        while len(self.buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(self.buffer)
            if size > self.max_frame:
                raise FrameRefused(
                    f"a frame of {size} bytes, above the frame cap of {self.max_frame} bytes"
                    " (VWED_RUNTIME_MAX_FRAME_BYTES)"
                )
            end = HEADER.size + size
            if len(self.buffer) < end:
                break
            out.append(bytes(self.buffer[HEADER.size : end]))
            del self.buffer[:end]
        return out


class Wire:
    """Turns messages into frames and frames into messages, under the size and nesting caps."""

    def __init__(
        self, max_frame: int, dumps: Dumps, loads: Loads, nested_too_deep: DepthCheck = too_deep
    ) -> None:
        self.max_frame = max_frame
        self.dumps = dumps
        self.loads = loads
        self.nested_too_deep = nested_too_deep

    def splitter(self) -> FrameSplitter:
        """A splitter for one connection, with this wire's size cap."""
        return FrameSplitter(self.max_frame)

    def encode(self, message: dict[str, Any]) -> bytes:
        """`message` as one frame, or `Unencodable` saying which cap it breaks."""
        try:
            payload = self.dumps(message)
        except (TypeError, ValueError, RecursionError, OverflowError) as exc:
            if nests_deeper(message):
                raise Unencodable(deep_text()) from None
            raise Unencodable(f"not representable as JSON: {exc}") from None
        if may_nest_deeper(payload) and self.nested_too_deep(message):
            raise Unencodable(deep_text())
        if len(payload) > self.max_frame:
            raise Unencodable(
                f"{len(payload)} bytes, above the frame cap of {self.max_frame} bytes"
                " (VWED_RUNTIME_MAX_FRAME_BYTES)"
            )
        return pack(payload)

    def decode(self, payload: bytes) -> dict[str, Any]:
        """The message in `payload`, or `FrameRefused` when it is not a message within the caps."""
        try:
            message = self.loads(payload)
        except (ValueError, RecursionError) as exc:
            raise FrameRefused(f"a frame that is not JSON ({exc})") from None
        if not isinstance(message, dict) or not isinstance(message.get("t"), str):
            raise FrameRefused("a frame that is not a message (a JSON object with a type `t`)")
        if may_nest_deeper(payload) and self.nested_too_deep(message):
            raise FrameRefused("a frame " + deep_text())
        return message


def json_dumps(message: Any) -> bytes:
    """The children's encoder: compact JSON; values JSON cannot carry travel as their `str()`.

    NaN and infinities are refused (the host's decoder does not accept them), and lone surrogates become
    `?`, so every frame a child sends is valid UTF-8 JSON.
    """
    text = json.dumps(message, ensure_ascii=False, default=str, allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8", "replace")


def child_wire(max_frame: int = DEFAULT_MAX_FRAME) -> Wire:
    """The wire of a child process (standard library codec)."""
    return Wire(max_frame, json_dumps, json.loads)
