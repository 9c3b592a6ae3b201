"""A small HTTP/1.1 load client: raw keep-alive sockets on one event loop, fast enough not to be the limit.

httpx tops out near 500 requests/s on this machine, far below the servers it measures. This client writes
a pre-built request on each of `concurrency` keep-alive connections, reads the response by its
`Content-Length`, and records each round trip. It runs in its own process (`python bench/loadgen.py ...`
prints one JSON line), so it never shares an interpreter with the server it loads.

Run: `python bench/loadgen.py --url http://127.0.0.1:8000/api/health --concurrency 8 --seconds 3
[--header 'Authorization: Bearer x'] [--method POST --body '{"a": 1}']`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

HEADER_END = b"\r\n\r\n"


@dataclass(frozen=True)
class LoadResult:
    """What one load run measured: completed requests, their rate, latency percentiles, failures."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    statuses: dict[str, int]


def build_request(method: str, url: str, headers: list[str], body: bytes) -> bytes:
    """The raw bytes of one keep-alive request."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: keep-alive"]
    lines += headers
    if body or method in ("POST", "PUT", "PATCH"):
        lines += [f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one response with a Content-Length body; return its status code."""
    head = await reader.readuntil(HEADER_END)
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
            break
    if length:
        await reader.readexactly(length)
    return status


async def connection(
    host: str, port: int, request: bytes, stop_at: float, samples: list[float], statuses: dict[str, int]
) -> int:
    """Send requests back to back on one connection until `stop_at`; return the transport errors."""
    errors = 0
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            try:
                status = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            samples.append(time.perf_counter() - started)
            key = str(status)
            statuses[key] = statuses.get(key, 0) + 1
    finally:
        writer.close()
    return errors


async def load(url: str, concurrency: int, seconds: float, request: bytes, warmup: float) -> LoadResult:
    """Run `concurrency` connections for `seconds` (after `warmup` seconds not counted)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if warmup > 0:
        await asyncio.gather(
            *(
                connection(host, port, request, time.perf_counter() + warmup, [], {})
                for _ in range(concurrency)
            )
        )
    samples: list[float] = []
    statuses: dict[str, int] = {}
    started = time.perf_counter()
    stop_at = started + seconds
    errors = await asyncio.gather(
        *(connection(host, port, request, stop_at, samples, statuses) for _ in range(concurrency))
    )
    elapsed = time.perf_counter() - started
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0
    return LoadResult(
        requests=len(samples),
        seconds=round(elapsed, 3),
        rps=round(len(samples) / elapsed, 1),
        p50_ms=round(statistics.median(ordered) * 1000, 3) if ordered else 0.0,
        p99_ms=round(p99 * 1000, 3),
        errors=sum(errors),
        statuses=statuses,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--body", default="")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=0.5)
    args = parser.parse_args(argv)
    if args.body and not any(h.lower().startswith("content-type") for h in args.header):
        args.header.append("Content-Type: application/json")
    request = build_request(args.method, args.url, args.header, args.body.encode())
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(load(args.url, args.concurrency, args.seconds, request, args.warmup))
    print(json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
