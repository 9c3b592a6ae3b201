"""The runtime as other features use it: start a sandboxed script process, talk to it, and the registry."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vwed.runtime.child.sandbox import Network, Rlimits, SandboxSpec
from vwed.runtime.child.sdk import PRELOADED, SDK_FUNCTIONS, SDK_VARIABLES
from vwed.runtime.child.vwed import Vwed as VwedObject
from vwed.runtime.child.wire import DEFAULT_MAX_FRAME
from vwed.runtime.child.zygote import ForkRequest
from vwed.runtime.framing import host_wire
from vwed.runtime.launcher import Launcher, SpawnLauncher, describe_exit, make_launcher
from vwed.runtime.layers import (
    NoFreeUid,
    SandboxReport,
    UidSlots,
    child_spec,
    level_of,
    probe_layers,
    protect_host,
)
from vwed.runtime.process import Booted, BootFailed, CallResult, ProcessObserver, ScriptProcess
from vwed.runtime.registry import (
    Clash,
    Counts,
    Function,
    Listener,
    Owner,
    Registrations,
    Registry,
    Route,
    route_path,
)
from vwed.runtime.tasks import RunSpec, SdkRefused, TaskLimits, TaskRunResult, TaskRuntime
from vwed.runtime.texts import child_line

log = logging.getLogger("vwed.runtime")

__all__ = [
    "PRELOADED",
    "SDK_FUNCTIONS",
    "SDK_VARIABLES",
    "BootFailed",
    "Booted",
    "CallResult",
    "Clash",
    "Counts",
    "Function",
    "Listener",
    "Network",
    "Owner",
    "ProcessObserver",
    "Registrations",
    "Registry",
    "Rlimits",
    "Route",
    "RunSpec",
    "Runtime",
    "ScriptProcess",
    "SdkRefused",
    "ServiceSandbox",
    "TaskLimits",
    "TaskRunResult",
    "TaskRuntime",
    "VwedObject",
    "child_line",
    "describe_exit",
    "layers_wanted",
    "level_of",
    "route_path",
]

LAYER_NAMES = ("namespaces", "uid", "landlock", "seccomp")


def layers_wanted(setting: str) -> frozenset[str]:
    """The layers a `*_SANDBOX` setting allows: `auto` (all that work), `L0` (none), or a list of
    `namespaces`, `uid`, `landlock`, `seccomp`."""
    value = setting.strip()
    if value == "auto":
        return frozenset(LAYER_NAMES)
    if value == "L0":
        return frozenset()
    wanted = frozenset(part.strip() for part in value.split(",") if part.strip())
    unknown = wanted - set(LAYER_NAMES)
    if unknown:
        raise ValueError(f"unknown sandbox layers {sorted(unknown)}; use {', '.join(LAYER_NAMES)}")
    return wanted


@dataclass(frozen=True)
class ServiceSandbox:
    """How services are confined: rlimits, the uid range, thread and disk caps, and what they never see."""

    limits: Rlimits
    uid_base: int
    max_threads: int
    disk_bytes: int
    hide: tuple[str, ...]
    max_frame: int = DEFAULT_MAX_FRAME
    layers: frozenset[str] = frozenset(LAYER_NAMES)


class Runtime:
    """Starts script processes with the configured launcher, the probed sandbox and private work dirs."""

    def __init__(self, launcher_kind: str, workdir_root: Path, sandbox: ServiceSandbox) -> None:
        self.launcher: Launcher = make_launcher(launcher_kind, ("service",))
        self.workdir_root = workdir_root
        self.sandbox = sandbox
        self.wire = host_wire(sandbox.max_frame)
        self.report = SandboxReport()
        self.uids = UidSlots(sandbox.uid_base)

    @property
    def sandbox_level(self) -> str:
        """The level every script process gets (DESIGN.md "Sandbox"), from the probe at start."""
        return self.report.level

    @property
    def launcher_name(self) -> str:
        """`zygote` or `spawn`."""
        return self.launcher.name

    async def start(self) -> None:
        """Prepare the launcher (start the zygote), an empty work area, and probe the sandbox layers.

        If the zygote cannot be started, scripts are spawned one interpreter each instead.
        """
        await asyncio.to_thread(self._reset_workdirs)
        protect_host()
        try:
            await self.launcher.start()
        except OSError:
            log.exception("the zygote did not start; falling back to one fresh interpreter per script")
            self.launcher = SpawnLauncher()
            await self.launcher.start()
        self.report = await self.probe()
        log.info("script service sandbox level %s: %s", self.report.level, self.report.layers)

    async def probe(self) -> SandboxReport:
        """The layers that work here, limited to those the settings allow."""
        wanted = self.sandbox.layers
        if not wanted:
            return SandboxReport({"L0": "ok"}, SandboxSpec())
        base = SandboxSpec(uid=self.sandbox.uid_base if "uid" in wanted else 0, hide=self.sandbox.hide)
        found = await probe_layers(self.launcher, self.workdir_root / "probe", base)
        spec = SandboxSpec(
            uid=found.spec.uid,
            namespaces=found.spec.namespaces and "namespaces" in wanted,
            landlock=found.spec.landlock and "landlock" in wanted,
            seccomp=found.spec.seccomp and "seccomp" in wanted,
        )
        return SandboxReport(found.layers, spec)

    async def stop(self) -> None:
        """Stop the launcher; script processes must have been stopped before."""
        await self.launcher.stop()
        await asyncio.to_thread(shutil.rmtree, self.workdir_root, True)

    def _reset_workdirs(self) -> None:
        shutil.rmtree(self.workdir_root, ignore_errors=True)
        self.workdir_root.mkdir(parents=True, mode=0o700)

    def workdir(self, script_id: str) -> Path:
        """The private working directory of `script_id` (below the data dir, where L3 is off)."""
        return self.workdir_root / script_id

    async def launch(
        self,
        script_id: str,
        spec: dict[str, Any],
        observer: ProcessObserver,
        boot_timeout: float,
        network: Network,
    ) -> tuple[ScriptProcess, Booted]:
        """Start `script_id` in its sandbox, run its `boot()` and return the process and what it reported.

        Raises `BootFailed` (after the process is gone) when the script cannot start.
        """
        try:
            uid = self.uids.take() if self.report.spec.uid else 0
        except NoFreeUid as exc:
            raise BootFailed("sandbox", exc.text) from None
        sandbox = child_spec(
            self.report,
            uid,
            network=network,
            disk_bytes=self.sandbox.disk_bytes,
            max_threads=self.sandbox.max_threads,
            hide=self.sandbox.hide,
        )
        request = ForkRequest(
            job="service",
            workdir=str(self.workdir(script_id)),
            limits=self.sandbox.limits,
            sandbox=sandbox,
            max_frame=self.sandbox.max_frame,
        )
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            child = await self.launcher.launch(theirs, request)
        except BaseException:
            self.uids.give_back(uid)
            raise
        finally:
            theirs.close()
        # The uid is free again only once the child is reaped, so two live children never share one.
        child.exited.add_done_callback(lambda _done: self.uids.give_back(uid))
        process = ScriptProcess(script_id, child, observer, self.wire)
        await process.connect(ours)
        try:
            booted = await process.boot({"script_id": script_id, **spec}, boot_timeout)
        except BootFailed:
            await process.stop(grace=1)
            self.cleanup(script_id)
            raise
        return process, booted

    def cleanup(self, script_id: str) -> None:
        """Remove the working directory of a script that has exited."""
        shutil.rmtree(self.workdir(script_id), ignore_errors=True)
