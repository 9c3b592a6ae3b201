"""The runtime as other features use it: start a script process, talk to it, and the registry."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
from pathlib import Path
from typing import Any

from vwed.runtime.child import Vwed as VwedObject
from vwed.runtime.launcher import Launcher, Limits, SpawnLauncher, describe_exit, make_launcher
from vwed.runtime.process import BootFailed, CallResult, ProcessObserver, ScriptProcess
from vwed.runtime.registry import Clash, Counts, Function, Listener, Registry, Route, route_path
from vwed.runtime.task_child import PRELOADED, SDK_FUNCTIONS, SDK_VARIABLES
from vwed.runtime.tasks import RunSpec, SdkRefused, TaskLimits, TaskRunResult, TaskRuntime

log = logging.getLogger("vwed.runtime")

__all__ = [
    "PRELOADED",
    "SDK_FUNCTIONS",
    "SDK_VARIABLES",
    "BootFailed",
    "CallResult",
    "Clash",
    "Counts",
    "Function",
    "Limits",
    "Listener",
    "ProcessObserver",
    "Registry",
    "Route",
    "RunSpec",
    "Runtime",
    "ScriptProcess",
    "SdkRefused",
    "TaskLimits",
    "TaskRunResult",
    "TaskRuntime",
    "VwedObject",
    "describe_exit",
    "route_path",
]


class Runtime:
    """Starts script processes with the configured launcher, limits and private working dirs."""

    def __init__(self, launcher_kind: str, workdir_root: Path, limits: Limits) -> None:
        self.launcher: Launcher = make_launcher(launcher_kind)
        self.workdir_root = workdir_root
        self.limits = limits

    @property
    def sandbox_level(self) -> str:
        """The isolation every script process gets (DESIGN.md "Sandbox"); this runtime provides L0."""
        return "L0"

    @property
    def launcher_name(self) -> str:
        """`zygote` or `spawn`."""
        return self.launcher.name

    async def start(self) -> None:
        """Prepare the launcher (start the zygote) and an empty work area.

        If the zygote cannot be started, scripts are spawned one interpreter each instead.
        """
        await asyncio.to_thread(self._reset_workdirs)
        try:
            await self.launcher.start()
        except OSError:
            log.exception("the zygote did not start; falling back to one fresh interpreter per script")
            self.launcher = SpawnLauncher()
            await self.launcher.start()

    async def stop(self) -> None:
        """Stop the launcher; script processes must have been stopped before."""
        await self.launcher.stop()
        await asyncio.to_thread(shutil.rmtree, self.workdir_root, True)

    def _reset_workdirs(self) -> None:
        shutil.rmtree(self.workdir_root, ignore_errors=True)
        self.workdir_root.mkdir(parents=True, mode=0o700)

    def workdir(self, script_id: str) -> Path:
        """The private working directory of `script_id`."""
        return self.workdir_root / script_id

    async def launch(
        self, script_id: str, spec: dict[str, Any], observer: ProcessObserver, boot_timeout: float
    ) -> tuple[ScriptProcess, dict[str, list[dict[str, Any]]]]:
        """Start `script_id`, run its `boot()` and return the process with its registrations.

        Raises `BootFailed` (after the process is gone) when the script cannot start.
        """
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            child = await self.launcher.launch(theirs, self.workdir(script_id), self.limits)
        finally:
            theirs.close()
        process = ScriptProcess(script_id, child, observer)
        await process.connect(ours)
        try:
            registrations = await process.boot({"script_id": script_id, **spec}, boot_timeout)
        except BootFailed:
            await process.stop(grace=1)
            self.cleanup(script_id)
            raise
        return process, registrations

    def cleanup(self, script_id: str) -> None:
        """Remove the working directory of a script that has exited."""
        shutil.rmtree(self.workdir(script_id), ignore_errors=True)
