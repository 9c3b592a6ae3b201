"""`script_deps`: plain PEP 508 requirements, installed as wheels by a confined installer, cached per set.

Each non-blank line (after `#` comments are cut) must parse as one `packaging` requirement: a name,
optional extras, version specifiers and markers, in ASCII. Everything a requirements *file* could also
say is refused with the line's number and the reason, before anything is stored or installed: options
(`-r`, `-c`, `-e`, `--index-url`, any `-x` / `--x` spelling), line continuations, `$` expansions, URLs
(`name @ url`), paths, archives, VCS references and hashes. The lines never become a file the installer
reads: each is handed over as one argument after `--`.

A set is installed once into `<data_dir>/task-deps/<hash>` by uv, wheels only (`--no-build`, so no
package code runs at install time), from the operator's index only (`VWED_DEPS_INDEX_URL`; uv's own
configuration files are ignored), in the jail of `vwed.sdk.install_jail`: an unprivileged uid with an
empty environment in a mount namespace where the data dir is hidden. The result is owned by root and
read-only to runs, which add it to `sys.path` inside their own sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import uv
from packaging.requirements import InvalidRequirement, Requirement

from vwed.config import Settings
from vwed.errors import BadRequest, Forbidden
from vwed.i18n import translate

DONE_MARK = ".vwed-complete"
LOG_FILE = ".vwed-install.log"
MAX_LINES = 50
MAX_LINE_CHARS = 200
JAIL_PATH = str(Path(__file__).with_name("install_jail.py").resolve())
# Names ending like an archive would be taken by the installer for a local file.
_ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".egg", ".git")


class ScriptDepsRefused(BadRequest):
    """A `script_deps` line is not a plain PEP 508 requirement (400, naming the line)."""

    default_key = "deps_line_refused"


class ScriptDepsNotAllowed(Forbidden):
    """This tenant (or this server) may not use `script_deps` (403)."""

    default_key = "deps_not_allowed"


@dataclass(frozen=True)
class DepsOutcome:
    """Where the set is installed (`path`), the installer's output, and whether it worked."""

    ok: bool
    path: str | None
    log: str


def _refuse(number: int, line: str, reason: str) -> ScriptDepsRefused:
    return ScriptDepsRefused(line=number, text=line[:MAX_LINE_CHARS], reason=reason)


def _reason(line: str) -> str | None:
    """Why `line` is not allowed before it is even parsed, or None."""
    if len(line) > MAX_LINE_CHARS:
        return f"longer than {MAX_LINE_CHARS} characters"
    if not line.isascii() or not line.isprintable():
        return "only printable ASCII is allowed"
    if line.startswith("-"):
        return "installer options are not allowed"
    if line.endswith("\\"):
        return "line continuations are not allowed"
    if "$" in line:
        return "variable expansion is not allowed"
    return None


def parse_script_deps(script_deps: str | None) -> list[str]:
    """The requirements of `script_deps` in canonical form, order kept; `ScriptDepsRefused` otherwise."""
    requirements: list[str] = []
    for number, raw in enumerate((script_deps or "").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        reason = _reason(line)
        if reason is not None:
            raise _refuse(number, line, reason)
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            raise _refuse(number, line, str(exc).splitlines()[0]) from None
        if requirement.url:
            raise _refuse(number, line, "URLs, paths and VCS references are not allowed")
        if requirement.name.lower().endswith(_ARCHIVE_SUFFIXES):
            raise _refuse(number, line, "a file name is not a package name")
        requirements.append(str(requirement))
    if len(requirements) > MAX_LINES:
        raise ScriptDepsRefused(line=MAX_LINES + 1, text="", reason=f"at most {MAX_LINES} requirements")
    return requirements


def check_deps_allowed(settings: Settings, tenant_id: str | None, script_deps: str | None) -> list[str]:
    """Validate `script_deps` for a task of `tenant_id` (None: global); the requirements, or raise.

    `VWED_DEPS_ENABLED=false` refuses every set; `VWED_DEPS_ALLOWED_TENANTS` (`*` by default, or a
    comma-separated list, empty for none) says which tenants' tasks may have one. Global tasks, which only
    admins create, may whenever dependencies are enabled.
    """
    requirements = parse_script_deps(script_deps)
    if not requirements:
        return requirements
    if not settings.deps_enabled:
        raise ScriptDepsNotAllowed(reason="VWED_DEPS_ENABLED=false")
    if tenant_id is not None and not settings.deps_allowed_for(tenant_id):
        raise ScriptDepsNotAllowed(reason="VWED_DEPS_ALLOWED_TENANTS")
    return requirements


def installer_argv(target: Path, cache: Path, index_url: str, requirements: list[str]) -> list[str]:
    """uv installing `requirements` as wheels only, into `target`, from `index_url` and nowhere else."""
    return [
        uv.find_uv_bin(),
        "pip",
        "install",
        "--no-config",
        "--no-python-downloads",
        "--python",
        sys.executable,
        "--target",
        str(target),
        "--index-url",
        index_url,
        "--no-build",
        "--cache-dir",
        str(cache),
        "--link-mode",
        "copy",
        "--no-progress",
        "--",
        *requirements,
    ]


def jail_config(settings: Settings, staging: Path, argv: list[str]) -> dict[str, object]:
    """What `install_jail` needs: what to hide, what to reveal, the uid, the command and its environment."""
    return {
        "hide": [str(settings.data_dir.resolve())],
        "reveal": sorted(_needed_dirs(argv[0])),
        "work": str(staging),
        "uid": settings.deps_uid,
        "argv": argv,
        "env": {"PATH": "/usr/bin:/bin", "HOME": str(staging / "home"), "LANG": "C.UTF-8"},
    }


def _needed_dirs(installer: str) -> set[str]:
    """Directories the installer must reach: the interpreter (venv and base) and the installer itself."""
    return {sys.prefix, sys.base_prefix, str(Path(sys.executable).parent), str(Path(installer).parent)}


class DepsCache:
    """Installs requirement sets on first use; concurrent runs of one set wait for one install."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.task_deps_dir
        self.index_url = settings.deps_index
        self.timeout = settings.task_deps_timeout
        self.locks: dict[str, asyncio.Lock] = {}

    async def ensure(self, requirements: list[str]) -> DepsOutcome:
        """The environment of `requirements` (installing it if needed); `path` None when there are none."""
        if not requirements:
            return DepsOutcome(True, None, "")
        digest = hashlib.sha256("\n".join(sorted(requirements)).encode()).hexdigest()[:24]
        target = self.root / digest
        lock = self.locks.setdefault(digest, asyncio.Lock())
        async with lock:
            if (target / DONE_MARK).exists():
                cached = translate("deps_cached", "zh", requirements=", ".join(requirements))
                return DepsOutcome(True, str(target), cached + "\n")
            return await self._install(target, requirements)

    async def _install(self, target: Path, requirements: list[str]) -> DepsOutcome:
        if os.geteuid() != 0:
            return DepsOutcome(False, None, translate("deps_needs_root", "zh") + "\n")
        staging = Path(await asyncio.to_thread(new_staging, self.settings.deps_uid))
        try:
            argv = installer_argv(staging / "target", staging / "cache", self.index_url, requirements)
            code, out = await self._confined(jail_config(self.settings, staging, argv))
            log = f"$ install {' '.join(requirements)}\n{out}"
            if code != 0:
                return DepsOutcome(False, None, log)
            await asyncio.to_thread(_publish, staging / "target", target, log)
            return DepsOutcome(True, str(target), log)
        finally:
            await asyncio.to_thread(shutil.rmtree, staging, True)

    async def _confined(self, config: dict[str, object]) -> tuple[int | None, str]:
        """Run the installer in its jail; its exit code (None on timeout) and output."""
        process = await run_in_jail(config)
        try:
            out, _ = await asyncio.wait_for(process.communicate(), self.timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
            return None, translate("deps_timeout", "zh", seconds=f"{self.timeout:g}") + "\n"
        return process.returncode, out.decode(errors="replace")


async def run_in_jail(config: dict[str, object]) -> asyncio.subprocess.Process:
    """Start `config["argv"]` inside the install jail, output piped, in a process group of its own."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-I",
        "-S",
        JAIL_PATH,
        json.dumps(config),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={},
        start_new_session=True,
    )


def new_staging(uid: int) -> str:
    """A fresh private directory outside the data dir, owned by the installer's uid."""
    staging = tempfile.mkdtemp(prefix="vwed-deps-")
    for sub in ("home", "cache", "target"):
        os.mkdir(os.path.join(staging, sub), 0o700)
    for path in (staging, *(os.path.join(staging, s) for s in ("home", "cache", "target"))):
        os.chown(path, uid, uid)
    return staging


def _publish(built: Path, target: Path, log: str) -> None:
    """Move a finished install into the cache, owned by root and read-only to everyone else."""
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(built, target, symlinks=True)
    for folder, dirs, files in os.walk(target):
        for name in [*dirs, *files, ""]:
            path = os.path.join(folder, name) if name else folder
            os.lchown(path, 0, 0)
            if not os.path.islink(path):
                os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)
    (target / LOG_FILE).write_text(log)
    (target / DONE_MARK).touch()
