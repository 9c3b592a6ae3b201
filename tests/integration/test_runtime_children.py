"""The child side of the runtime loads as children load it (`python -I -S`, standard library only), and
the host and both kinds of child speak one wire."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

from vwed.runtime.child.sandbox import Network, Rlimits, SandboxSpec
from vwed.runtime.child.zygote import JOBS, ForkRequest
from vwed.runtime.framing import FrameProtocol, host_wire
from vwed.runtime.launcher import CHILD_ENTRY, ZygoteLauncher, kill_group

CHILD_DIR = str(Path(CHILD_ENTRY).parent)
LOAD_EVERY_MODULE = f"""
import importlib, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("entry", {CHILD_ENTRY!r})
entry = importlib.util.module_from_spec(spec)
spec.loader.exec_module(entry)
entry.load_package()
for name in ("wire", "sandbox", "zygote", "service", "vwed", "task", "sdk"):
    importlib.import_module("vwed_child." + name)
files = {{name: getattr(module, "__file__", None) for name, module in sys.modules.items()}}
print(json.dumps(files))
"""


def test_every_child_module_loads_under_python_isolated_without_site_packages() -> None:
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", LOAD_EVERY_MODULE],
        capture_output=True,
        text=True,
        env={},
        timeout=60,
        check=True,
    )
    files: dict[str, str | None] = json.loads(done.stdout)
    stdlib = sysconfig.get_paths()["stdlib"]
    outside = {
        name: path
        for name, path in files.items()
        if path and not path.startswith(stdlib) and not path.startswith(CHILD_DIR)
    }
    assert outside == {}
    assert not [name for name in files if name == "vwed" or name.startswith("vwed.")]
    assert {f"vwed_child.{job}" for job in JOBS} <= set(files)


def test_an_unknown_mode_of_the_entry_fails_clearly() -> None:
    done = subprocess.run(
        [sys.executable, "-I", "-S", CHILD_ENTRY, "bogus"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "unknown mode 'bogus'" in done.stderr


async def test_one_zygote_forks_both_jobs_and_each_child_speaks_the_hosts_wire(tmp_path: Path) -> None:
    launcher = ZygoteLauncher(JOBS)
    await launcher.start()
    try:
        for job in JOBS:
            ours, theirs = socket.socketpair()
            request = ForkRequest(job, str(tmp_path / job), Rlimits(), SandboxSpec(network=Network.NONE))
            child = await launcher.launch(theirs, request)
            theirs.close()
            frames: asyncio.Queue[dict[str, object] | None] = asyncio.Queue()
            protocol = FrameProtocol(host_wire(), frames.put_nowait, lambda q=frames: q.put_nowait(None))
            await asyncio.get_running_loop().create_unix_connection(lambda p=protocol: p, sock=ours)
            if job == "service":
                protocol.send({"t": "boot", "script_id": "x", "source": "def boot():\n    pass\n"})
            first = await asyncio.wait_for(frames.get(), 10)
            assert first is not None
            assert first["t"] == "ready"
            assert first["layers"] == {"L0": "on", "L1": "off", "L2": "off", "L3": "off", "network": "none"}
            kill_group(child.pid, signal.SIGKILL)
            assert await asyncio.wait_for(child.exited, 10) == -9
            assert protocol.transport is not None
            protocol.transport.close()
    finally:
        await launcher.stop()
