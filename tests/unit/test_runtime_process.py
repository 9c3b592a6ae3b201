"""The runtime without the web app: frames, boot handshake, calls and exits, on asyncio and on uvloop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvloop

from vwed.i18n import Text, rendered
from vwed.runtime.child.wire import FrameRefused, FrameSplitter, pack
from vwed.runtime.service import BootFailed, Network, Registrations, Rlimits, Runtime, ServiceSandbox
from vwed.runtime.texts import from_child

SOURCE = """
def boot(params):
    @VWED.function.register("add")
    def add(args):
        return args["a"] + args["b"] + params["bonus"]
"""


class Recorder:
    """Collects what the runtime reports about its processes."""

    def __init__(self) -> None:
        self.logs: list[dict[str, Any]] = []
        self.exits: list[tuple[str, str, bool]] = []

    def on_log(self, script_id: str, message: dict[str, Any]) -> None:
        self.logs.append(message)

    def on_emit(self, script_id: str, event: str, data: Any) -> None:
        pass

    def on_register(self, script_id: str, kind: str, entry: Registrations) -> None:
        pass

    def on_invoke(self, script_id: str, request_id: int, name: str, args: Any) -> None:
        pass

    def on_http(self, script_id: str, request_id: int, request: dict[str, Any]) -> None:
        pass

    def on_timer_ended(self, script_id: str, timer: int) -> None:
        pass

    def on_exit(self, script_id: str, reason: Text, expected: bool) -> None:
        self.exits.append((script_id, reason.render("en"), expected))


def test_frames_split_however_the_bytes_arrive() -> None:
    stream = pack(b'{"a":1}') + pack(b"") + pack("数据".encode())
    splitter = FrameSplitter()
    got = [payload for i in range(len(stream)) for payload in splitter.feed(stream[i : i + 1])]
    assert got == [b'{"a":1}', b"", "数据".encode()]


def test_a_frame_larger_than_the_cap_is_refused() -> None:
    with pytest.raises(FrameRefused) as refused:
        FrameSplitter().feed(b"\xff\xff\xff\xff")
    assert rendered(from_child(refused.value.text), "en") == (
        "a frame of 4294967295 bytes, above the frame cap of 4194304 bytes (VWED_RUNTIME_MAX_FRAME_BYTES)"
    )
    assert rendered(from_child(refused.value.text)) == (
        "一个 4294967295 字节的帧,超过帧上限 4194304 字节 (VWED_RUNTIME_MAX_FRAME_BYTES)"
    )


async def scenario(workdir: Path, launcher: str) -> tuple[Any, list[tuple[str, str, bool]]]:
    sandbox = ServiceSandbox(
        Rlimits(open_files=64), uid_base=61000, max_threads=64, disk_bytes=1 << 24, hide=()
    )
    runtime = Runtime(launcher, workdir, sandbox)
    recorder = Recorder()
    await runtime.start()
    try:
        process, booted = await runtime.launch(
            "add.py_1_00000000", {"source": SOURCE, "start_params": {"bonus": 10}}, recorder, 10, Network.NONE
        )
        process.go()
        handler = booted.registrations.functions[0].handler
        result = await process.call("function", handler, {"a": 1, "b": 2}, 5, "add")
        await process.stop(grace=1)
        with pytest.raises(BootFailed) as failed:
            await runtime.launch("bad.py_1_00000000", {"source": "def boot(:"}, recorder, 10, Network.NONE)
        assert failed.value.kind == "load"
    finally:
        await runtime.stop()
    return result.value, recorder.exits


@pytest.mark.parametrize("launcher", ["zygote", "spawn"])
def test_the_runtime_works_on_uvloop_as_under_vwed_serve(tmp_path: Path, launcher: str) -> None:
    value, exits = uvloop.run(scenario(tmp_path / "run", launcher))
    assert value == 13
    assert exits[0] == ("add.py_1_00000000", "exit code 0", True)
    assert exits[1][0] == "bad.py_1_00000000"


async def test_the_runtime_works_on_asyncio(tmp_path: Path) -> None:
    value, exits = await scenario(tmp_path / "run", "zygote")
    assert value == 13
    assert exits == [("add.py_1_00000000", "exit code 0", True), ("bad.py_1_00000000", "exit code 0", True)]
