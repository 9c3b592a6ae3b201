"""`execute-function` vs a native route of the same app: requests/s and p50/p99 latency.

Run: `.venv/bin/python bench/execute_function.py` (starts `vwed serve` itself on 127.0.0.1).
Target (issue 5): execute-function p50 within 1 ms of the native route's p50 at concurrency 1.
"""

from __future__ import annotations

import sys

from harness import Target, add_script, latencies, row, serve, throughput, verdict

# Seed 000 section 7.1's calculate_sum.
CALC = """def boot():
    @VWED.function.register("calculate_sum", description="计算数组和")
    def calculate_sum(args):
        numbers = args.get("numbers", [])
        total = sum(numbers)
        return {"sum": total, "count": len(numbers)}
"""
NATIVE = "/api/script/scripts/running"
EXECUTE = "/api/script/scripts/execute-function"


def main() -> int:
    with serve() as server:
        add_script(server, "calc.py", CALC)
        script_id = server.api("POST", "/api/script/scripts/start", {"script_path": "calc.py"})["script_id"]
        body = {
            "script_id": script_id,
            "function_name": "calculate_sum",
            "function_args": {"numbers": [1, 2, 3]},
        }

        native_lat, execute_lat = latencies(server, Target("GET", NATIVE), Target("POST", EXECUTE, body))
        native_rps = throughput(server, "GET", NATIVE)
        execute_rps = throughput(server, "POST", EXECUTE, body)

    gap = execute_lat.p50 - native_lat.p50
    print(row(f"native route GET {NATIVE}", native_rps, native_lat))
    print(row(f"execute-function POST {EXECUTE}", execute_rps, execute_lat))
    print(f"  requests/s execute/native: {execute_rps / native_rps:.2f}x")
    print(f"  p50 gap at concurrency 1: {gap:+.2f} ms (target <= 1 ms)  {verdict(gap <= 1)}")
    return 0 if gap <= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
