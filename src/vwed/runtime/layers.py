"""The sandbox as the host sees it: which layers work on this machine, and a uid for each child.

Both runtimes (script services and task runs) probe once at start, in a throwaway child, which layers of
`vwed.runtime.child.sandbox` work here, and start every child with all of them. A layer the probe found
working that then fails for one child fails that child (it never runs with fewer layers than reported).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import shutil
import signal
import socket
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vwed.i18n import Text
from vwed.runtime.child.sandbox import Rlimits, SandboxSpec
from vwed.runtime.child.zygote import ForkRequest
from vwed.runtime.framing import FrameProtocol, host_wire
from vwed.runtime.launcher import Launcher, kill_group

PROBE_SECONDS = 10.0
PR_SET_DUMPABLE = 4
UID_SLOTS = 1000


@dataclass
class SandboxReport:
    """What the probe found: each layer's verdict, and the layers every child is started with."""

    layers: dict[str, str] = field(default_factory=dict)
    spec: SandboxSpec = field(default_factory=SandboxSpec)

    @property
    def level(self) -> str:
        """The strongest layer in use: `L3` (namespaces), `L2` (Landlock + seccomp), `L1` or `L0`."""
        return self.spec.level

    def as_dict(self) -> dict[str, Any]:
        """For `/api/health`."""
        spec = self.spec
        active = [name for name in ("namespaces", "uid", "landlock", "seccomp") if getattr(spec, name)]
        return {"level": self.level, "active": ["rlimits", *active], "probe": self.layers}


def protect_host() -> None:
    """Make the server process non-dumpable, so a child left with the server's uid (a node with L0
    only) cannot ptrace it or read its memory or `/proc/<pid>/environ` (the admin token)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


async def probe_layers(launcher: Launcher, workdir: Path, base: SandboxSpec) -> SandboxReport:
    """Try every layer in a throwaway child and keep those that work; `base.uid` is the uid to try."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    request = ForkRequest(job="probe", workdir=str(workdir), limits=Rlimits(), sandbox=base)
    try:
        child = await launcher.launch(theirs, request)
    finally:
        theirs.close()
    answers: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
    protocol = FrameProtocol(host_wire(), answers.put_nowait, lambda: answers.put_nowait(None))
    loop = asyncio.get_running_loop()
    await loop.create_unix_connection(lambda: protocol, sock=ours)
    try:
        message = await asyncio.wait_for(answers.get(), PROBE_SECONDS)
    except TimeoutError:
        message = None
    finally:
        kill_group(child.pid, signal.SIGKILL)
        if protocol.transport is not None:
            protocol.transport.close()
        with contextlib.suppress(TimeoutError, ConnectionError):
            await asyncio.wait_for(asyncio.shield(child.exited), PROBE_SECONDS)
        await asyncio.to_thread(shutil.rmtree, workdir, True)
    layers: dict[str, str] = (message or {}).get("layers") or {"probe": "no answer"}
    spec = SandboxSpec(
        uid=base.uid if layers.get("L1") == "ok" else 0,
        namespaces=layers.get("L3") == "ok",
        landlock=layers.get("landlock") == "ok",
        seccomp=layers.get("seccomp") == "ok",
    )
    return SandboxReport({"L0": "ok", **layers}, spec)


class NoFreeUid(RuntimeError):
    """Every uid of the range is in use by a live child."""

    def __init__(self, base: int, size: int) -> None:
        self.text = Text("runtime_no_free_uid", {"count": size, "base": base})
        super().__init__(self.text.render("en"))


class UidSlots:
    """Unprivileged uids for children, one per live child: `base + slot`, the lowest free slot first."""

    def __init__(self, base: int, size: int = UID_SLOTS) -> None:
        self.base = base
        self.size = size
        self.used: set[int] = set()

    def take(self) -> int:
        """A uid no live child has."""
        for slot in range(self.size):
            if slot not in self.used:
                self.used.add(slot)
                return self.base + slot
        raise NoFreeUid(self.base, self.size)

    def give_back(self, uid: int) -> None:
        """`uid`'s child has exited (been reaped): the uid may be given to another child."""
        self.used.discard(uid - self.base)


def level_of(layers: dict[str, str]) -> str:
    """The level a child reported it runs at, named like `SandboxSpec.level`."""
    if layers.get("L3") == "on":
        return "L3"
    if "landlock" in layers and "seccomp" in layers:
        return "L2"
    if layers.get("L1") == "on":
        return "L1"
    return "L0"


def child_spec(report: SandboxReport, uid: int, **options: Any) -> SandboxSpec:
    """The spec of one child: the probed layers, its own uid (when L1 is on) and its options."""
    return replace(report.spec, uid=uid if report.spec.uid else 0, **options)
