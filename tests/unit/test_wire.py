"""The wire module: the same caps on the host (orjson) and in the children (json), in both directions."""

from __future__ import annotations

from typing import Any

import pytest

from vwed.runtime.child.wire import (
    MAX_DEPTH,
    FrameRefused,
    FrameSplitter,
    Unencodable,
    child_wire,
    json_dumps,
    nests_deeper,
    pack,
)
from vwed.runtime.framing import host_wire

CAP = 64 * 1024


def nested(depth: int) -> dict[str, Any]:
    """A message that nests exactly `depth` levels (the message object is the first)."""
    value: Any = []
    for _ in range(depth - 2):
        value = [value]
    return {"t": "result", "value": value}


@pytest.fixture(params=["host", "child"])
def wire(request: pytest.FixtureRequest) -> Any:
    return host_wire(CAP) if request.param == "host" else child_wire(CAP)


def test_both_sides_accept_a_message_at_the_nesting_cap_and_refuse_one_level_more(wire: Any) -> None:
    at_cap = wire.encode(nested(MAX_DEPTH))
    assert wire.decode(at_cap[4:]) == nested(MAX_DEPTH)
    with pytest.raises(Unencodable, match="nested deeper than 250 levels"):
        wire.encode(nested(MAX_DEPTH + 1))


def test_a_frame_nested_too_deep_is_refused_on_arrival_whoever_encoded_it(wire: Any) -> None:
    payload = b'{"t":"log","data":' + b"[" * 300 + b"]" * 300 + b"}"
    with pytest.raises(FrameRefused, match="nested deeper than 250 levels"):
        wire.decode(payload)


def test_the_host_and_the_children_agree_on_depth_at_every_level_near_the_cap() -> None:
    host, child = host_wire(CAP), child_wire(CAP)
    for depth in range(MAX_DEPTH - 3, MAX_DEPTH + 4):
        message = nested(depth)
        verdicts = []
        for side in (host, child):
            try:
                side.encode(message)
                verdicts.append(True)
            except Unencodable:
                verdicts.append(False)
        assert verdicts == [depth <= MAX_DEPTH] * 2, depth
        assert nests_deeper(message) is (depth > MAX_DEPTH)


def test_a_message_above_the_size_cap_is_unencodable_and_a_frame_above_it_refused_from_its_header(
    wire: Any,
) -> None:
    with pytest.raises(Unencodable, match=f"above the frame cap of {CAP} bytes"):
        wire.encode({"t": "log", "message": "x" * CAP})
    splitter = wire.splitter()
    with pytest.raises(FrameRefused, match=f"a frame of {CAP + 1} bytes, above the frame cap of {CAP}"):
        splitter.feed((CAP + 1).to_bytes(4, "big"))


def test_frames_split_however_the_bytes_arrive() -> None:
    stream = pack(b'{"a":1}') + pack(b"") + pack("数据".encode())
    splitter = FrameSplitter()
    got = [payload for i in range(len(stream)) for payload in splitter.feed(stream[i : i + 1])]
    assert got == [b'{"a":1}', b"", "数据".encode()]


@pytest.mark.parametrize("payload", [b"\xff\xfe", b"[1, 2]", b'{"no_type": 1}', b'{"t": 5}', b"NaN"])
def test_anything_but_a_json_message_with_a_type_is_refused(wire: Any, payload: bytes) -> None:
    with pytest.raises(FrameRefused):
        wire.decode(payload)


def test_the_children_send_only_what_the_host_can_decode() -> None:
    host = host_wire(CAP)
    with pytest.raises(Unencodable, match="not representable as JSON"):
        child_wire(CAP).encode({"t": "result", "value": float("nan")})
    lone_surrogate = json_dumps({"t": "log", "message": "a\ud800b"})
    assert host.decode(lone_surrogate) == {"t": "log", "message": "a?b"}
    assert host.decode(json_dumps({"t": "log", "message": {1, 2}})) == {"t": "log", "message": "{1, 2}"}


def test_values_orjson_cannot_carry_are_unencodable_on_the_host() -> None:
    with pytest.raises(Unencodable, match="not representable as JSON"):
        host_wire(CAP).encode({"t": "call", "arg": 2**80})
