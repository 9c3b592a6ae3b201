"""`script_deps`: one pip requirement per line, installed once per distinct set into a cached directory.

Each set is hashed; its directory under `<data_dir>/task-deps/<hash>` is filled by `uv pip install
--target` (or `pip install --target` when uv is absent) from the configured index, and marked complete only
when the installer succeeds. Runs add it to `sys.path` read-only; they still run in the sandbox.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from vwed.config import Settings
from vwed.i18n import translate

DONE_MARK = ".vwed-complete"
LOG_FILE = ".vwed-install.log"


@dataclass(frozen=True)
class DepsOutcome:
    """Where the set is installed (`path`), the installer's output, and whether it worked."""

    ok: bool
    path: str | None
    log: str


def requirements_of(script_deps: str | None) -> list[str]:
    """The requirement lines of `script_deps`: blank lines and `#` comments dropped, order kept."""
    lines = []
    for raw in (script_deps or "").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def installer(target: Path, requirements: Path, index_url: str | None) -> list[str]:
    """The install command: uv next to the interpreter if there, else pip of this interpreter."""
    uv = Path(sys.executable).parent / "uv"
    extra = ["--index-url", index_url] if index_url else []
    if uv.exists():
        return [
            str(uv),
            "pip",
            "install",
            "--python",
            sys.executable,
            "--target",
            str(target),
            "--no-cache",
            "-r",
            str(requirements),
            *extra,
        ]
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-input",
        "--disable-pip-version-check",
        "--target",
        str(target),
        "-r",
        str(requirements),
        *extra,
    ]


class DepsCache:
    """Installs requirement sets on first use; concurrent runs of one set wait for one install."""

    def __init__(self, settings: Settings) -> None:
        self.root = settings.task_deps_dir
        self.index_url = settings.task_deps_index_url
        self.timeout = settings.task_deps_timeout
        self.locks: dict[str, asyncio.Lock] = {}

    async def ensure(self, script_deps: str | None) -> DepsOutcome:
        """The environment of `script_deps` (installing it if needed); `path` None when there are none."""
        lines = requirements_of(script_deps)
        if not lines:
            return DepsOutcome(True, None, "")
        digest = hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()[:24]
        target = self.root / digest
        lock = self.locks.setdefault(digest, asyncio.Lock())
        async with lock:
            if (target / DONE_MARK).exists():
                cached = translate("deps_cached", "zh", requirements=", ".join(lines))
                return DepsOutcome(True, str(target), cached + "\n")
            return await self._install(target, lines)

    async def _install(self, target: Path, lines: list[str]) -> DepsOutcome:
        requirements = target / "requirements.txt"
        await asyncio.to_thread(_fresh_dir, target, "\n".join(lines) + "\n")
        process = await asyncio.create_subprocess_exec(
            *installer(target, requirements, self.index_url),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={"PATH": "/usr/bin:/bin", "HOME": str(self.root)},
        )
        try:
            out, _ = await asyncio.wait_for(process.communicate(), self.timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            return DepsOutcome(
                False, None, translate("deps_timeout", "zh", seconds=f"{self.timeout:g}") + "\n"
            )
        log = f"$ install {' '.join(lines)}\n{out.decode(errors='replace')}"
        if process.returncode != 0:
            await asyncio.to_thread(shutil.rmtree, target, True)
            return DepsOutcome(False, None, log)
        await asyncio.to_thread(_mark_done, target, log)
        return DepsOutcome(True, str(target), log)


def _fresh_dir(target: Path, requirements: str) -> None:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True, mode=0o755)
    (target / "requirements.txt").write_text(requirements)


def _mark_done(target: Path, log: str) -> None:
    (target / LOG_FILE).write_text(log)
    (target / DONE_MARK).touch()
