"""Custom route vs a native route of the same app; start-to-running; RSS per idle service; 200 services.

Run: `.venv/bin/python bench/custom_route.py` (starts `vwed serve` itself on 127.0.0.1).
Targets (issue 5): custom route >= 0.6x the native requests/s; start-to-running p50 <= 100 ms; an idle
service adds <= 40 MB; with 200 idle services the custom-route p50 stays within 2x of one service.
"""

from __future__ import annotations

import statistics
import sys
import time

from harness import (
    Server,
    Target,
    add_script,
    available_kib,
    latencies,
    pss_kib,
    row,
    rss_kib,
    serve,
    throughput,
    verdict,
)

# Seed 000 section 7.1's greeting route.
HELLO = """def boot():
    @VWED.api.get("/hello", description="问候接口")
    def hello(request_data):
        name = request_data["query_params"].get("name", "World")
        return {"message": f"Hello, {name}!"}
"""
IDLE = """def boot():
    @VWED.event.listen("bench_idle")
    def on_idle(event_data):
        VWED.log.sync_info("idle")
"""
NATIVE = "/api/script/scripts/running"
CUSTOM = "/api/custom/hello?name=bench"
IDLE_SERVICES = 200


def start_idle(server: Server, count: int) -> list[float]:
    """Start `count` idle services; the start-to-running time of each in ms."""
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        server.api("POST", "/api/script/scripts/start", {"script_path": "idle.py"})
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> int:
    with serve() as server:
        add_script(server, "hello.py", HELLO)
        add_script(server, "idle.py", IDLE)
        server.api("POST", "/api/script/scripts/start", {"script_path": "hello.py"})

        native_lat, custom_lat = latencies(server, Target("GET", NATIVE), Target("GET", CUSTOM))
        native_rps = throughput(server, "GET", NATIVE)
        custom_rps = throughput(server, "GET", CUSTOM)

        before = available_kib()
        starts = start_idle(server, IDLE_SERVICES)
        time.sleep(1)
        after = available_kib()
        running = server.api("GET", NATIVE)["data"]
        pids = [r["pid"] for r in running if r["script_path"] == "idle.py"]
        rss = statistics.mean(rss_kib(pid) for pid in pids) / 1024
        pss = statistics.mean(pss_kib(pid) for pid in pids) / 1024
        added = (before - after) / len(pids) / 1024
        (crowded_lat,) = latencies(server, Target("GET", CUSTOM))

    start_p50 = statistics.median(starts)
    start_p90 = statistics.quantiles(starts, n=10)[8]
    rps_ratio = custom_rps / native_rps
    crowd_ratio = crowded_lat.p50 / custom_lat.p50
    memory = max(pss, added)
    services = len(pids) + 1
    print(row(f"native route GET {NATIVE}", native_rps, native_lat))
    print(row(f"custom route GET {CUSTOM}", custom_rps, custom_lat))
    print(f"  requests/s custom/native: {rps_ratio:.2f}x (target >= 0.6x)  {verdict(rps_ratio >= 0.6)}")
    print(
        f"start-to-running over {len(starts)} starts: p50 {start_p50:.1f} ms  p90 {start_p90:.1f} ms"
        f" (target p50 <= 100 ms)  {verdict(start_p50 <= 100)}"
    )
    print(
        f"idle service: RSS {rss:.1f} MB  PSS {pss:.1f} MB  MemAvailable drop {added:.1f} MB"
        f" (target <= 40 MB added)  {verdict(memory <= 40)}"
    )
    print(
        f"custom route with {services} services: p50 {crowded_lat.p50:.2f} ms  p99 {crowded_lat.p99:.2f} ms"
    )
    print(f"  p50 {services} services / 1: {crowd_ratio:.2f}x (target <= 2x)  {verdict(crowd_ratio <= 2)}")
    ok = rps_ratio >= 0.6 and start_p50 <= 100 and memory <= 40 and crowd_ratio <= 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
