"""Benchmark (not a test): signed cancel(1) requests per second the mock sustains on one core.

The mock runs as its own command (`python -m clob_cancel_mock`, what users run) pinned to one
CPU; this load generator runs pinned to another, with raw asyncio sockets and requests signed in
advance, so that the client is not what is measured. Each request cancels a distinct live order.

    .venv/bin/python mock/bench/bench_mock.py [--seconds 5] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter

from clob_cancel.signing import l2_headers
from clob_cancel_mock import DEFAULT_ACCOUNT
from clob_cancel_mock.orders import generated_orders


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def request_bytes(order_id: str, host: str) -> bytes:
    body = json.dumps({"orderID": order_id}, separators=(",", ":")).encode()
    headers = l2_headers(
        DEFAULT_ACCOUNT.creds, DEFAULT_ACCOUNT.address, int(time.time()), "DELETE", "/order", body
    )
    lines = [
        "DELETE /order HTTP/1.1",
        f"Host: {host}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def connection(
    host: str, port: int, requests: list[bytes], stop_at: float, results: list[tuple[float, int]]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while requests and time.perf_counter() < stop_at:
            start = time.perf_counter()
            writer.write(requests.pop())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            results.append((time.perf_counter() - start, int(head[9:12])))
    finally:
        writer.close()


async def load(
    host: str, port: int, requests: list[bytes], seconds: float, conns: int
) -> list[tuple[float, int]]:
    results: list[tuple[float, int]] = []
    stop_at = time.perf_counter() + seconds
    await asyncio.gather(
        *(connection(host, port, requests, stop_at, results) for _ in range(conns))
    )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured duration (max 60)")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--client-cpu", type=int, default=1)
    parser.add_argument("--http", default="auto", choices=("auto", "h11", "httptools"))
    args = parser.parse_args()
    seconds = min(args.seconds, 60.0)
    capacity = int((seconds + args.warmup) * 20000)  # more orders than the mock can cancel

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "clob_cancel_mock",
            "--port",
            "0",
            "--orders",
            str(capacity),
            "--http",
            args.http,
        ],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.sched_setaffinity(0, {args.server_cpu}),
    )
    try:
        os.sched_setaffinity(0, {args.client_cpu})
        assert server.stdout is not None
        url = ""
        for line in server.stdout:
            found = re.search(r"http://([\d.]+):(\d+)", line)
            url = url or (found.group(0) if found else "")
            if line.startswith("orders:"):
                break
        host, port = url.removeprefix("http://").split(":")
        ids = [o.id for o in generated_orders(capacity, DEFAULT_ACCOUNT.api_key)]
        requests = [request_bytes(order_id, url) for order_id in reversed(ids)]
        asyncio.run(load(host, int(port), requests, args.warmup, args.connections))
        start, cpu_start = time.perf_counter(), cpu_seconds(server.pid)
        results = asyncio.run(load(host, int(port), requests, seconds, args.connections))
        elapsed, cpu = time.perf_counter() - start, cpu_seconds(server.pid) - cpu_start
    finally:
        server.terminate()
        server.wait(10)
    latencies = sorted(r[0] for r in results)
    statuses = Counter(r[1] for r in results)
    print(
        f"mock: {len(results)} signed cancel(1) in {elapsed:.2f} s on one core "
        f"({args.connections} connections, http={args.http}): {len(results) / elapsed:.0f}/s"
    )
    # The machine may be shared: the rate per CPU-second of the server is what one uncontended
    # core sustains; the wall-clock rate is lower when other processes take the core.
    print(
        f"server CPU {cpu:.2f} s of {elapsed:.2f} s: {len(results) / cpu:.0f} cancels per "
        "CPU-second (the rate one uncontended core sustains)"
    )
    print(
        f"statuses: {dict(statuses)}; latency p50 {statistics.median(latencies) * 1000:.2f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.2f} ms"
    )
    if not requests:
        print("warning: ran out of prepared requests; raise the capacity", file=sys.stderr)
    return 0 if set(statuses) == {200} else 1


if __name__ == "__main__":
    sys.exit(main())
