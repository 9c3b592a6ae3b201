"""Frames between the host and a child: one module, used by the host and by every child.

A frame is a 4-byte big-endian length followed by one JSON object whose `t` names its type. Both
directions obey two caps, so neither side can make the other buffer or rebuild more than agreed:

- size: a payload is at most `max_frame` bytes (`VWED_RUNTIME_MAX_FRAME_BYTES`, 4 MiB by default); a
  receiver refuses a larger frame from its header alone, before reading the payload;
- nesting: a message nests at most `MAX_DEPTH` levels of arrays and objects (the message itself is one).

Values also stay within what both codecs carry exactly: integers from -2^63 to 2^64-1 (orjson would
read a larger one back as an imprecise float, or refuse it), no NaN or infinities.

A message that breaks a cap is `Unencodable` for its sender, which turns it into an error of that one
call. A frame that breaks one on arrival means the peer does not follow the protocol (`FrameRefused`);
the host kills a child that sends one. The codec is passed in: the host encodes with orjson, children
(standard library only) with `json`.

Texts: a child words no message itself. What a person will read (a log line, the error of a call, of a
boot or of a run) travels as a `Text`, a message key of `vwed.i18n` with its parameters, and the host
renders it in its reader's language. What a child raises inside the user's script is worded with
`Texts`, the templates the host sends in the `boot` or `run` frame. Wire errors carry their `Text`.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from typing import Any, TypedDict

HEADER = struct.Struct(">I")
MIB = 1024 * 1024
DEFAULT_MAX_FRAME = 4 * MIB
# orjson, the host's encoder, stops at 254 levels; four below that leaves the host room to wrap a received
# value (a response envelope, a frame to another child) and still encode it.
MAX_DEPTH = 250
CONTAINERS = (dict, list, tuple)
INT_MIN, INT_END = -(2**63), 2**64
# An integer outside the 64-bit range has at least 19 digits, so a payload without such a run of digits
# needs no exact check. Found by mapping every digit to `0` and everything else to `x` and searching for
# 19 zeros: two C passes, several times faster than a regular expression on every frame.
DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x78 for byte in range(256))
LONG_DIGITS = b"0" * 19

Dumps = Callable[[Any], bytes]
Loads = Callable[[bytes], Any]
DepthCheck = Callable[[Any], bool]


class Text(TypedDict):
    """A message as it travels: a key of `vwed.i18n` and its parameters (plain values or `Text`)."""

    key: str
    params: dict[str, Any]


def text(key: str, **params: Any) -> Text:
    """The message `key` with `params`, for the host to render."""
    return {"key": key, "params": params}


def is_text(value: Any) -> bool:
    """Whether `value` has the shape of a `Text`."""
    return isinstance(value, dict) and value.keys() == {"key", "params"}


class Texts:
    """Message templates from the host, to word a `Text` inside a child (an exception in the script)."""

    def __init__(self, templates: dict[str, str] | None = None) -> None:
        self.templates = dict(templates or {})

    def render(self, message: Text) -> str:
        """`message` worded with the host's template (its key when the host sent none)."""
        params = {
            name: self.render(value) if is_text(value) else value for name, value in message["params"].items()
        }
        template = self.templates.get(message["key"], message["key"])
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            return template


class WireError(ValueError):
    """A message or frame the protocol does not allow; `text` says why."""

    def __init__(self, reason: Text) -> None:
        super().__init__(reason["key"], reason["params"])
        self.text = reason

    def __str__(self) -> str:
        return f"{self.text['key']} {self.text['params']}"


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


def has_long_digits(payload: bytes) -> bool:
    """Whether `payload` has a run of 19 or more digits (a cheap pre-check for `holds_wide_int`)."""
    return LONG_DIGITS in payload.translate(DIGITS_AS_ZEROS)


def holds_wide_int(value: Any) -> bool:
    """Whether `value` holds an integer outside -2^63 .. 2^64-1 (iterative, stops early)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, int) and not isinstance(item, bool):
            if not INT_MIN <= item < INT_END:
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


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
                raise FrameRefused(text("wire_frame_too_large", size=size, limit=self.max_frame))
            end = HEADER.size + size
            if len(self.buffer) < end:
                break
            out.append(bytes(self.buffer[HEADER.size : end]))
            del self.buffer[:end]
        return out


class Wire:
    """Turns messages into frames and frames into messages, under the size and nesting caps."""

    def __init__(
        self,
        max_frame: int,
        dumps: Dumps,
        loads: Loads,
        nested_too_deep: DepthCheck = too_deep,
        refuses_wide_ints: bool = False,
    ) -> None:
        self.max_frame = max_frame
        self.dumps = dumps
        self.loads = loads
        self.nested_too_deep = nested_too_deep
        # Whether `dumps` already refuses integers beyond 64 bits (orjson does, `json` does not).
        self.refuses_wide_ints = refuses_wide_ints

    def splitter(self) -> FrameSplitter:
        """A splitter for one connection, with this wire's size cap."""
        return FrameSplitter(self.max_frame)

    def encode(self, message: dict[str, Any]) -> bytes:
        """`message` as one frame, or `Unencodable` saying which cap it breaks."""
        try:
            payload = self.dumps(message)
        except (TypeError, ValueError, RecursionError, OverflowError) as exc:
            if nests_deeper(message):
                raise Unencodable(text("wire_too_deep", limit=MAX_DEPTH)) from None
            if holds_wide_int(message):
                raise Unencodable(text("wire_int_range")) from None
            raise Unencodable(text("wire_not_json", error=str(exc))) from None
        if may_nest_deeper(payload) and self.nested_too_deep(message):
            raise Unencodable(text("wire_too_deep", limit=MAX_DEPTH))
        if not self.refuses_wide_ints and has_long_digits(payload) and holds_wide_int(message):
            raise Unencodable(text("wire_int_range"))
        if len(payload) > self.max_frame:
            raise Unencodable(text("wire_too_large", size=len(payload), limit=self.max_frame))
        return pack(payload)

    def decode(self, payload: bytes) -> dict[str, Any]:
        """The message in `payload`, or `FrameRefused` when it is not a message within the caps."""
        try:
            message = self.loads(payload)
        except (ValueError, RecursionError) as exc:
            raise FrameRefused(text("wire_frame_not_json", error=str(exc)[:200])) from None
        if not isinstance(message, dict) or not isinstance(message.get("t"), str):
            raise FrameRefused(text("wire_frame_not_message"))
        if may_nest_deeper(payload) and self.nested_too_deep(message):
            raise FrameRefused(text("wire_frame_too_deep", limit=MAX_DEPTH))
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
