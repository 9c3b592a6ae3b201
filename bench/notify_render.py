"""Cost of turning `result` dicts into robot payloads, as a ratio to serialising the same dicts to JSON.

Rendering runs once per channel per run, so it must stay a small multiple of the JSON encoding that the
send itself needs anyway.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.results import SEED_RESULTS

from vwed.notify.formats import parse_result, render

ROUNDS = 2000


def timed(work: object) -> float:
    assert callable(work)
    start = time.perf_counter()
    for _ in range(ROUNDS):
        work()
    return time.perf_counter() - start


def baseline() -> None:
    for result in SEED_RESULTS.values():
        json.dumps(result, ensure_ascii=False)


def rendering() -> None:
    for result in SEED_RESULTS.values():
        message = parse_result(result)
        render(message, "dingtalk")
        render(message, "wecom")


def main() -> None:
    base = timed(baseline)
    cost = timed(rendering)
    per_result = cost / ROUNDS / len(SEED_RESULTS) * 1e6
    print(f"json.dumps baseline: {base:.3f} s; parse+render for 2 robots: {cost:.3f} s")
    print(f"ratio render/json = {cost / base:.1f}x ({per_result:.1f} us per result)")


if __name__ == "__main__":
    main()
