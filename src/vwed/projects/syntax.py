"""Compiling user code, away from the server's event loop: in a short-lived child process.

`compile()` and `ast.parse()` hold the interpreter lock for the whole file, so even in a thread an 800 KB
file would stall every request for seconds. `inspect_source` runs this module as
`python -I -S syntax.py` (standard library only, empty environment), sends the source on stdin and reads
one JSON line back: the first syntax error, and whether a module-level `boot()` is defined. At most
`PARALLEL` such children run at once and each is killed after `TIMEOUT` seconds. Nothing is executed.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import sys
import weakref
from dataclasses import asdict, dataclass
from pathlib import Path

PARALLEL = 2
TIMEOUT = 20.0
SCRIPT = str(Path(__file__).resolve())
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class SyntaxReport:
    """Outcome of a syntax check; `line` and `offset` are 1-based, as Python reports them."""

    valid: bool
    message: str
    line: int | None = None
    offset: int | None = None


@dataclass(frozen=True)
class Inspection:
    """What the child found: the syntax report and whether `boot()` is defined at module level."""

    report: SyntaxReport
    has_boot: bool


class InspectionFailed(Exception):
    """The checking child timed out or died (the source is not judged)."""


def check_syntax(content: str) -> SyntaxReport:
    """Compile `content` without running it and report the first syntax error."""
    try:
        compile(content, "<script>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        return SyntaxReport(valid=False, message=exc.msg, line=exc.lineno, offset=exc.offset)
    except ValueError as exc:  # NUL bytes in the source
        return SyntaxReport(valid=False, message=str(exc))
    return SyntaxReport(valid=True, message="")


def has_boot_function(content: str) -> bool:
    """Whether `content` defines a module-level `def boot` or `async def boot` (False if unparsable)."""
    try:
        tree = ast.parse(content)
    except (SyntaxError, ValueError):
        return False
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "boot" for node in tree.body
    )


async def inspect_source(content: str) -> Inspection:
    """Check `content` in a child process (see the module docstring); `InspectionFailed` on timeout."""
    loop = asyncio.get_running_loop()
    gate = _gates.setdefault(loop, asyncio.Semaphore(PARALLEL))
    async with gate:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-I",
            "-S",
            SCRIPT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env={},
        )
        try:
            out, _ = await asyncio.wait_for(
                process.communicate(content.encode("utf-8", "surrogatepass")), TIMEOUT
            )
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            raise InspectionFailed(f"syntax check took longer than {TIMEOUT:g} s") from None
    try:
        found = json.loads(out)
        return Inspection(SyntaxReport(**found["report"]), bool(found["has_boot"]))
    except (ValueError, KeyError, TypeError):
        raise InspectionFailed(f"syntax check failed (exit {process.returncode})") from None


def _main() -> None:
    content = sys.stdin.buffer.read().decode("utf-8", "surrogatepass")
    report = check_syntax(content)
    boot = report.valid and has_boot_function(content)
    sys.stdout.write(json.dumps({"report": asdict(report), "has_boot": boot}))


if __name__ == "__main__":
    _main()
