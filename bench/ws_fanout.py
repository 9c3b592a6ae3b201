"""Log fan-out over WebSocket: a script logging as fast as it can vs pre-built frames, same server, same run.

Run: `.venv/bin/python bench/ws_fanout.py [subscribers ...]` (default 10 100 1000; starts `vwed serve`).
For each subscriber count, every client subscribes to one script, then:
- baseline: `broadcast/test` with `repeat` queues one pre-built frame LINES times (no script, bus or storage);
- script: a running script's function logs LINES lines with `VWED.log.sync_info` in a tight loop.
Printed: delivered lines/s per client, total messages/s, and script/baseline. Target (issue 6): >= 0.5 at 100.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import websockets
from service_harness import TOKEN, Server, add_script, serve, verdict

LINES = 2000
FLOOD = """def boot():
    @VWED.function.register("flood", description="log as fast as possible")
    def flood(args):
        for n in range(args["n"]):
            VWED.log.sync_info(f"line {n}")
        return {"logged": args["n"]}
"""


async def clients(server: Server, count: int, script_id: str) -> list[websockets.ClientConnection]:
    url = server.url.replace("http://", "ws://") + "/api/script/ws/script-logs"
    opened = []
    for n in range(count):
        ws = await websockets.connect(
            f"{url}?client_id=bench{n}&token={TOKEN}", max_size=None, max_queue=None
        )
        await ws.recv()
        await ws.send(f'{{"type": "subscribe", "script_id": "{script_id}"}}')
        while '"subscribed"' not in str(await ws.recv()):
            pass
        opened.append(ws)
    return opened


async def drain(ws: websockets.ClientConnection, expected: int) -> float:
    """Read until `expected` log frames arrived; the monotonic time of the last one."""
    got = 0
    while got < expected:
        frame = await asyncio.wait_for(ws.recv(), 60)
        if '"script_log"' in str(frame):
            got += 1
    return time.monotonic()


async def measure(server: Server, sockets: list[websockets.ClientConnection], trigger: object) -> float:
    """Seconds from the trigger until every client received LINES lines."""
    readers = [asyncio.create_task(drain(ws, LINES)) for ws in sockets]
    started = time.monotonic()
    await asyncio.to_thread(trigger)  # type: ignore[arg-type]
    finished = await asyncio.gather(*readers)
    return max(finished) - started


async def run(server: Server, script_id: str, count: int) -> float:
    sockets = await clients(server, count, script_id)
    try:

        def baseline() -> None:
            server.api(
                "POST",
                "/api/script/ws/broadcast/test",
                {"script_id": script_id, "message": "pre-built", "repeat": LINES},
            )

        def script() -> None:
            server.api(
                "POST",
                "/api/script/scripts/execute-function",
                {"script_id": script_id, "function_name": "flood", "function_args": {"n": LINES}},
            )

        base_s = await measure(server, sockets, baseline)
        script_s = await measure(server, sockets, script)
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets))
    base_total = LINES * count / base_s
    script_total = LINES * count / script_s
    ratio = script_total / base_total
    print(
        f"{count:>5} subscribers | baseline {LINES / base_s:>9,.0f} lines/s/client {base_total:>11,.0f} msg/s"
        f" | script {LINES / script_s:>9,.0f} lines/s/client {script_total:>11,.0f} msg/s | ratio {ratio:.2f}"
    )
    return ratio


def main() -> int:
    counts = [int(arg) for arg in sys.argv[1:]] or [10, 100, 1000]
    # measure fan-out, not the flood limiter or the slow-client shedding
    os.environ.update(
        {"VWED_LOG_RATE_PER_SECOND": "1e9", "VWED_LOG_BURST": "1000000000", "VWED_WS_MAX_PENDING": "10000000"}
    )
    with serve() as server:
        add_script(server, "flood.py", FLOOD)
        script_id = server.api("POST", "/api/script/scripts/start", {"script_path": "flood.py"})["script_id"]
        print(f"{LINES} lines per measurement, one script, {os.cpu_count()} cores")
        ratios = {count: asyncio.run(run(server, script_id, count)) for count in counts}
    if 100 in ratios:
        met = ratios[100] >= 0.5
        print(f"target: script >= 0.5x baseline at 100 subscribers: {ratios[100]:.2f} {verdict(met)}")
        return 0 if met else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
