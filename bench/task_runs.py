"""Sandboxed task runs: p50 start-to-finish of a trivial run vs `python -c pass`, and runs/s on 2 cores.

Run: `.venv/bin/python bench/task_runs.py`. A run here is what the executor does for a `script` task:
fork a child from the warm zygote, apply every sandbox layer the probe found (namespaces, uid, Landlock,
seccomp), send the script, broker its `log()` frame, receive `done`, reap and clean up.
Target (issue 9): trivial run p50 < 50 ms; both figures are printed next to a baseline from this run.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from vwed.runtime.tasks import RunSpec, TaskLimits, TaskRuntime

TRIVIAL = "log('one line')\n"
SAMPLES = 60
THROUGHPUT_SECONDS = 5.0
CONCURRENCY = 4  # enough runs in flight to keep both cores busy


async def no_calls(fn: str, args: dict[str, Any]) -> Any:
    raise AssertionError(f"a trivial run makes no SDK calls, got {fn}")


async def python_pass() -> float:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await process.wait()
    return (time.perf_counter() - started) * 1000


async def one_run(runtime: TaskRuntime, index: int) -> float:
    started = time.perf_counter()
    result = await runtime.run(
        RunSpec(TRIVIAL, {}, 1, None, f"bench-{index}"),
        TaskLimits(timeout_seconds=30),
        no_calls,
        lambda _t: None,
    )
    elapsed = (time.perf_counter() - started) * 1000
    if not result.ok or "one line" not in result.output:
        raise SystemExit(f"run failed: {result}")
    return elapsed


async def throughput(runtime: TaskRuntime) -> float:
    done = 0
    deadline = time.perf_counter() + THROUGHPUT_SECONDS

    async def worker(offset: int) -> None:
        nonlocal done
        index = offset
        while time.perf_counter() < deadline:
            await one_run(runtime, index)
            done += 1
            index += CONCURRENCY

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(CONCURRENCY)))
    return done / (time.perf_counter() - started)


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        runtime = TaskRuntime("zygote", Path(folder) / "runs", 62000)
        await runtime.start()
        try:
            print(f"sandbox: {runtime.report.as_dict()}")
            for i in range(5):
                await one_run(runtime, i)
                await python_pass()
            runs, baseline = [], []
            # Interleaved, so both see the same machine state.
            for i in range(SAMPLES):
                runs.append(await one_run(runtime, i))
                baseline.append(await python_pass())
            p50, base = statistics.median(runs), statistics.median(baseline)
            p90 = sorted(runs)[int(SAMPLES * 0.9)]
            print(f"trivial run start-to-finish: p50 {p50:.1f} ms, p90 {p90:.1f} ms (target p50 < 50 ms)")
            print(f"python -c pass (same run):   p50 {base:.1f} ms; ratio run/baseline {p50 / base:.2f}")
            rate = await throughput(runtime)
            print(f"throughput, {CONCURRENCY} runs in flight on 2 cores: {rate:.0f} runs/s")
            print("PASS" if p50 < 50 else "FAIL: p50 above 50 ms")
        finally:
            await runtime.stop()


if __name__ == "__main__":
    asyncio.run(main())
