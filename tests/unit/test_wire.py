"""The wire module: the same caps on the host (orjson) and in the children (json), in both directions."""

from __future__ import annotations

from typing import Any

import pytest

from vwed.i18n import Lang, rendered
from vwed.runtime.child.wire import (
    MAX_DEPTH,
    FrameRefused,
    FrameSplitter,
    Unencodable,
    WireError,
    child_wire,
    json_dumps,
    nests_deeper,
    pack,
)
from vwed.runtime.framing import host_wire
from vwed.runtime.texts import from_child

CAP = 64 * 1024
CAP_SETTING = "(VWED_RUNTIME_MAX_FRAME_BYTES)"
WIDE = [2**64, -(2**63) - 1, 10**30, 10**400, 10**5000]


def said(error: WireError, lang: Lang = "en") -> str:
    """The reason of a wire error as the host shows it."""
    return rendered(from_child(error.text), lang)


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
    with pytest.raises(Unencodable) as refused:
        wire.encode(nested(MAX_DEPTH + 1))
    assert said(refused.value) == "nested deeper than 250 levels"
    assert said(refused.value, "zh") == "嵌套超过 250 层"


def test_a_frame_nested_too_deep_is_refused_on_arrival_whoever_encoded_it(wire: Any) -> None:
    payload = b'{"t":"log","data":' + b"[" * 300 + b"]" * 300 + b"}"
    with pytest.raises(FrameRefused) as refused:
        wire.decode(payload)
    assert said(refused.value) == "a frame nested deeper than 250 levels"


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
    with pytest.raises(Unencodable) as unsendable:
        wire.encode({"t": "log", "message": "x" * CAP})
    assert said(unsendable.value).endswith(f"bytes, above the frame cap of {CAP} bytes {CAP_SETTING}")
    splitter = wire.splitter()
    with pytest.raises(FrameRefused) as refused:
        splitter.feed((CAP + 1).to_bytes(4, "big"))
    assert said(refused.value).startswith(f"a frame of {CAP + 1} bytes, above the frame cap of {CAP}")


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
    with pytest.raises(Unencodable) as refused:
        child_wire(CAP).encode({"t": "result", "value": float("nan")})
    assert said(refused.value).startswith("not representable as JSON: ")
    lone_surrogate = json_dumps({"t": "log", "message": "a\ud800b"})
    assert host.decode(lone_surrogate) == {"t": "log", "message": "a?b"}
    assert host.decode(json_dumps({"t": "log", "message": {1, 2}})) == {"t": "log", "message": "{1, 2}"}


@pytest.mark.parametrize("value", WIDE, ids=["2^64", "-2^63-1", "1e30", "1e400", "1e5000"])
def test_integers_beyond_64_bits_are_unencodable_on_both_sides(wire: Any, value: int) -> None:
    # orjson would read 10**30 back as an imprecise float and refuse 10**400: neither side sends them.
    with pytest.raises(Unencodable) as refused:
        wire.encode({"t": "result", "value": {"rows": [1, "x" * 30, [value]]}})
    assert said(refused.value) == "an integer outside the 64-bit range (-2^63 to 2^64-1)"
    assert said(refused.value, "zh") == "整数超出 64 位范围 (-2^63 到 2^64-1)"


def test_integers_at_the_edges_of_64_bits_and_long_digit_strings_travel_exactly(wire: Any) -> None:
    message = {"t": "result", "value": [2**64 - 1, -(2**63), "12345678901234567890123", True]}
    assert host_wire(CAP).decode(wire.encode(message)[4:]) == message
