"""Run the benchmark: every client, every operation, interleaved in one process; write the results.

    python -m bench [--rounds N] [--readme README.md]      # what `make bench` runs

Method (see README, "Benchmarks"): the client process is pinned to one core, the bench server to
another. After a warm-up, each round calls every (client, operation) pair once, in a fresh random
order, timing wall (perf_counter) and this thread's CPU (thread_time) per call. GC stays enabled
during calls (a client's own garbage is its cost) and a full gc.collect() runs between rounds,
untimed, so no client pays for another's garbage; after the warm-up, gc.freeze() takes the
start-up heap out of all later collections (a full collection then costs microseconds, not
~30 ms of scanning the modules every client imported). If the ratios (or, beyond a looser
bound, the floor itself) vary too much across blocks of rounds, the run is refused: ratios are
withheld and the exit status is 3 (see spread_check).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson

from bench import report
from bench.clients import CLIENTS, FACTORIES, canceled_count
from bench.report import DEV_VENV, RUNTIME_INSTALL
from bench.runtime import runtime_pythons
from bench.workload import (
    ADDRESS,
    API_KEY,
    API_PASSPHRASE,
    API_SECRET,
    CALLS,
    OPS,
    ORDER_IDS,
    PRIVATE_KEY,
    answer_bytes,
)
from clob_cancel._transport import Backend
from clob_cancel.signing import ApiCreds, l2_signature

ROOT = Path(__file__).resolve().parent.parent
NOISY_EXIT = 3
ASYNC_GROUPS = 5  # groups of async bursts the spread check compares


@contextmanager
def bench_server(
    cpu: int | None,
    module: str = "bench.server",
    *extra: str,
    scheme: str = "http",
    log: Path | None = None,
) -> Iterator[str]:
    """Start a server (the bench server, or ``bench.tls``: the mock over TLS) in its own process;
    yield its URL; stop it (only it) on exit. Its stderr goes to ``log`` when given."""
    command = [sys.executable, "-m", module, *extra]
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    stderr = log.open("w") if log is not None else None
    server = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=ROOT
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        port = int(server.stdout.readline())
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        server.stdin.close()  # the server stops at the end of its stdin (also if we are killed)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if stderr is not None:
            stderr.close()


def pin_client() -> tuple[int, int] | None:
    """Pin this process to the first core it may use; return (its core, the server's core)."""
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return None
    os.sched_setaffinity(0, {allowed[0]})
    return allowed[0], allowed[1]


def time_calls(
    calls: dict[tuple[str, str], Callable[[], Any]], rounds: int, seed: int
) -> dict[tuple[str, str], tuple[list[int], list[int]]]:
    """Wall and CPU nanoseconds per call, each pair once per round in a fresh random order."""
    order = list(calls)
    rng = random.Random(seed)
    samples: dict[tuple[str, str], tuple[list[int], list[int]]] = {k: ([], []) for k in order}
    cpu_ns, wall_ns = time.thread_time_ns, time.perf_counter_ns
    for _ in range(rounds):
        rng.shuffle(order)
        for key in order:
            call = calls[key]
            c0 = cpu_ns()
            t0 = wall_ns()
            call()
            t1 = wall_ns()
            c1 = cpu_ns()
            walls, cpus = samples[key]
            walls.append(t1 - t0)
            cpus.append(c1 - c0)
        gc.collect()
    return samples


def p90(values: list[int]) -> float:
    return statistics.quantiles(values, n=10)[8]


def block_medians(walls: list[int], blocks: int) -> list[float]:
    """The median of each of ``blocks`` consecutive blocks of rounds."""
    size = len(walls) // blocks
    return [statistics.median(walls[i * size : (i + 1) * size]) for i in range(blocks)]


def spread_check(
    samples: dict[tuple[str, str], tuple[list[int], list[int]]],
    bursts: dict[str, list[tuple[int, float]]],
    blocks: int,
    async_bursts: dict[str, dict[str, list[tuple[int, float]]]],
) -> dict[str, dict[str, float]]:
    """How steady the run was, across blocks of rounds (coefficients of variation).

    ratio_cv: each client's p50 over the bare-httpx p50 of the same block (and ours over
    py-clob-client's sequential rate, block by block): the figures the run reports.
    floor_cv: the bare-httpx p50 itself (and its rate): the machine's own drift, which the
    interleaving cancels out of the ratios as long as it stays moderate.
    async_ratio_cv: our async client's rate over each reference's, group of bursts by group, per
    concurrency (judged against its own limit: a burst lasts 0.1 s, not interleaved call by
    call).
    """
    ratio_cv, floor_cv = {}, {}
    for op in OPS:
        floor = block_medians(samples[("bare httpx", op)][0], blocks)
        floor_cv[op] = cv(floor)
        for name in ("ours", "py-clob-client", "tuned httpx", "minimal client"):
            mine = block_medians(samples[(name, op)][0], blocks)
            ratio_cv[f"{name} {op}"] = cv([ratio(m, f) for m, f in zip(mine, floor, strict=True)])
    ours, theirs = (grouped_rates(bursts[name], blocks) for name in ("ours", "py-clob-client"))
    pairs = zip(ours, theirs, strict=True)
    ratio_cv[report.SEQUENTIAL_RATIO] = cv([ratio(a, b) for a, b in pairs])
    floor_cv["sequential cancel(1)/s"] = cv(grouped_rates(bursts["bare httpx"], blocks))
    async_cv = {}
    for in_flight, by_client in async_bursts.items():
        ours_async = grouped_rates(by_client[report.OURS_ASYNC], ASYNC_GROUPS)
        for reference in ("bare httpx (async)", "raw aiohttp"):
            theirs_async = grouped_rates(by_client[reference], ASYNC_GROUPS)
            pairs = zip(ours_async, theirs_async, strict=True)
            async_cv[f"{report.OURS_ASYNC} / {reference}, {in_flight} in flight"] = cv(
                [ratio(a, b) for a, b in pairs]
            )
    return {"ratio_cv": ratio_cv, "floor_cv": floor_cv, "async_ratio_cv": async_cv}


def sequential_bursts(
    cancels: dict[str, Callable[[], Any]], seconds: float, rounds: int
) -> dict[str, list[tuple[int, float]]]:
    """(calls, seconds) of each burst of back-to-back cancel(1) on one thread. The clients take
    turns in a fresh random order every round, in short bursts, so that the machine's drift
    over seconds falls on all of them alike."""
    bursts: dict[str, list[tuple[int, float]]] = {name: [] for name in cancels}
    names = list(cancels)
    for _ in range(rounds):
        random.shuffle(names)
        for name in names:
            cancel, count = cancels[name], 0
            start = time.perf_counter()
            deadline = start + seconds
            while time.perf_counter() < deadline:
                cancel()
                count += 1
            bursts[name].append((count, time.perf_counter() - start))
        gc.collect()
    return bursts


def rate(bursts: list[tuple[int, float]]) -> float:
    """Calls per second over the given bursts."""
    return sum(count for count, _ in bursts) / sum(seconds for _, seconds in bursts)


def grouped_rates(bursts: list[tuple[int, float]], groups: int) -> list[float]:
    """The rate of each of ``groups`` consecutive groups of bursts."""
    n = min(groups, len(bursts))
    size = len(bursts) // n
    return [rate(bursts[i * size : (i + 1) * size]) for i in range(n)]


def ratio(a: float, b: float) -> float:
    """a / b; infinite when b is 0 (a block in which the reference completed nothing)."""
    return a / b if b else math.inf


def cv(values: list[float]) -> float:
    """Coefficient of variation: 0 when there is only one value; infinite when a value is, or the
    mean is 0 (a block that completed nothing: the run was too disturbed to judge, not a crash)."""
    mean = statistics.fmean(values)
    if not math.isfinite(mean) or mean == 0:
        return math.inf
    return statistics.pstdev(values) / mean


async def async_burst(
    cancel: Callable[[], Awaitable[Any]], in_flight: int, seconds: float
) -> tuple[int, float]:
    """(calls, seconds) of one burst of cancel(1) with ``in_flight`` calls outstanding at all
    times, until each of them finds the time up."""
    count = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            await cancel()
            count += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return count, time.perf_counter() - start


IN_FLIGHT = (1, 32)


async def raw_aiohttp(url: str, path: str, body: bytes, headers: dict[str, str]) -> Any:
    """A bare aiohttp session replaying the request, its answer read: the floor of aiohttp."""
    import aiohttp

    session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
    target = url + path

    async def call() -> bytes:
        async with session.request("DELETE", target, data=body, headers=headers) as answer:
            return await answer.read()

    return call, session.close


ASYNC_CLIENTS = (
    "ours (async, aiohttp)",
    "ours (async, httpx transport)",
    "bare httpx (async)",
    "bare httpx on our aiohttp transport",
    "raw aiohttp",
)


async def async_clients(
    url: str,
) -> tuple[dict[str, Callable[[], Awaitable[Any]]], Callable[[], Awaitable[None]]]:
    """cancel(1) of each async client (ASYNC_CLIENTS), and a coroutine function closing them:
    our async client on each backend, a bare httpx.AsyncClient replay on httpx's default
    transport and on our aiohttp transport, and a raw aiohttp session (the floor)."""
    import httpx

    from bench.clients import signed_headers
    from bench.workload import body_bytes
    from clob_cancel import AsyncCancelClient
    from clob_cancel._transport import async_http_client

    call = CALLS["cancel(1)"]
    body = body_bytes(call.body)
    headers = signed_headers(call.path, body)
    creds = ApiCreds(API_KEY, API_SECRET, API_PASSPHRASE)
    ours = AsyncCancelClient(url, creds, ADDRESS, backend="aiohttp")
    ours_httpx = AsyncCancelClient(url, creds, ADDRESS, backend="httpx")
    bare = httpx.AsyncClient(base_url=url)  # httpx's default pool limits, as ours
    bare_aiohttp = async_http_client("aiohttp", {"base_url": url})
    raw, raw_close = await raw_aiohttp(url, call.path, body, headers)
    cancels: dict[str, Callable[[], Awaitable[Any]]] = {
        "ours (async, aiohttp)": functools.partial(ours.cancel, ORDER_IDS[0]),
        "ours (async, httpx transport)": functools.partial(ours_httpx.cancel, ORDER_IDS[0]),
        "bare httpx (async)": functools.partial(
            bare.request, "DELETE", call.path, content=body, headers=headers
        ),
        "bare httpx on our aiohttp transport": functools.partial(
            bare_aiohttp.request, "DELETE", call.path, content=body, headers=headers
        ),
        "raw aiohttp": raw,
    }
    assert tuple(cancels) == ASYNC_CLIENTS

    async def close() -> None:
        for client in (ours, ours_httpx):
            await client.aclose()
        for http in (bare, bare_aiohttp):
            await http.aclose()
        await raw_close()

    return cancels, close


async def async_rates(
    url: str, seconds: float, rounds: int
) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """The bursts of each async client at 1 and 32 in flight (see interleaved_async_bursts)."""
    cancels, close = await async_clients(url)
    results: dict[str, dict[str, list[tuple[int, float]]]] = {}
    try:
        for in_flight in IN_FLIGHT:
            results[str(in_flight)] = await interleaved_async_bursts(
                cancels, in_flight, seconds, rounds
            )
    finally:
        await close()
    return results


async def interleaved_async_bursts(
    cancels: dict[str, Callable[[], Awaitable[Any]]], in_flight: int, seconds: float, rounds: int
) -> dict[str, list[tuple[int, float]]]:
    """(calls, seconds) of each client's burst in each of ``rounds`` rounds, the clients taking
    turns in a fresh random order every round, in short bursts, so that the machine's drift
    falls on all of them alike (as sequential_bursts does)."""
    bursts: dict[str, list[tuple[int, float]]] = {name: [] for name in cancels}
    for cancel in cancels.values():  # warm: open the connections
        await async_burst(cancel, in_flight, seconds)
    for _ in range(rounds):
        for name, cancel in random.sample(list(cancels.items()), len(cancels)):
            bursts[name].append(await async_burst(cancel, in_flight, seconds))
        gc.collect()
    return bursts


TLS_ASYNC: tuple[tuple[Backend, str, bool], ...] = (
    ("aiohttp", "HTTP/1.1", False),
    ("httpx", "HTTP/1.1", False),
    ("httpx", "HTTP/2", True),
)


def tls_rates(url: str, ca: Path, seconds: float, rounds: int) -> dict[str, float]:
    """cancel(1)/s over TLS against the mock (which checks every signature) under hypercorn:
    HTTP/1.1 and HTTP/2, the sync client on one thread and the async client at 1 and 32 in
    flight on each backend that speaks the protocol."""
    import ssl

    from clob_cancel import AsyncCancelClient, CancelClient
    from clob_cancel_mock import DEFAULT_ACCOUNT

    creds, address = DEFAULT_ACCOUNT.creds, DEFAULT_ACCOUNT.address
    context = ssl.create_default_context(cafile=str(ca))
    order = ORDER_IDS[0]  # not on the mock's book: each answer says so (not canceled)
    sync = {
        f"sync, {name}": CancelClient(url, creds, address, verify=context, http2=h2)
        for name, h2 in (("HTTP/1.1", False), ("HTTP/2", True))
    }
    bursts = sequential_bursts(
        {name: functools.partial(c.cancel, order) for name, c in sync.items()}, seconds, rounds
    )
    for client in sync.values():
        client.close()
    rates = {name: rate(b) for name, b in bursts.items()}

    async def run_async() -> None:
        clients = {
            f"async {backend}, {name}": AsyncCancelClient(
                url, creds, address, verify=context, http2=h2, backend=backend
            )
            for backend, name, h2 in TLS_ASYNC
        }
        cancels: dict[str, Callable[[], Awaitable[Any]]] = {
            name: functools.partial(c.cancel, order) for name, c in clients.items()
        }
        for in_flight in IN_FLIGHT:
            got = await interleaved_async_bursts(cancels, in_flight, seconds, rounds)
            rates.update({f"{name}, {in_flight} in flight": rate(b) for name, b in got.items()})
        for client in clients.values():
            await client.aclose()

    asyncio.run(run_async())
    return rates


STARTUP = {
    # the reference of issue 16: httpx itself, imported and constructed the same way
    "httpx": "import httpx\nclient = httpx.Client()\n",
    "ours": (
        "from clob_cancel import ApiCreds, CancelClient\n"
        "client = CancelClient(url, ApiCreds(env['BENCH_API_KEY'], env['BENCH_SECRET'], "
        "env['BENCH_PASSPHRASE']), env['BENCH_ADDRESS'])\n"
    ),
    "py-clob-client": (
        "from py_clob_client.client import ClobClient\n"
        "from py_clob_client.clob_types import ApiCreds\n"
        "client = ClobClient(url, key=env['BENCH_PK'], chain_id=137, creds=ApiCreds("
        "api_key=env['BENCH_API_KEY'], api_secret=env['BENCH_SECRET'], "
        "api_passphrase=env['BENCH_PASSPHRASE']))\n"
    ),
}


def startup_ms(
    url: str, runs: int, pythons: dict[str, dict[str, Path]]
) -> dict[str, dict[str, Any]]:
    """Import + construction in fresh processes (median ms), variants alternating run by run.

    ``pythons`` maps where a client is installed (DEV_VENV, RUNTIME_INSTALL) to each client's
    interpreter there. Timed inside the process, from before the first import of the client to
    after its construction; the interpreter's own start-up is shown apart ("python -c pass",
    wall).
    """
    env = dict(
        os.environ,
        BENCH_ADDRESS=ADDRESS,
        BENCH_API_KEY=API_KEY,
        BENCH_SECRET=API_SECRET,
        BENCH_PASSPHRASE=API_PASSPHRASE,
        BENCH_PK=PRIVATE_KEY,
        BENCH_URL=url,
    )
    scripts = {"python -c pass": (Path(sys.executable), "pass")}
    for where, clients in pythons.items():
        for name, code in STARTUP.items():
            scripts[f"{name}, {where}"] = (
                clients[name],
                "import time\nt0 = time.perf_counter()\nimport os\nenv = os.environ\n"
                f"url = env['BENCH_URL']\n{code}"
                "import sys\nprint(time.perf_counter() - t0, len(sys.modules))\n",
            )
    times: dict[str, list[float]] = {name: [] for name in scripts}
    modules = dict.fromkeys(scripts, 0)
    for _ in range(runs):
        for name, (python, script) in scripts.items():
            start = time.perf_counter()
            out = subprocess.run(
                [str(python), "-c", script], env=env, check=True, capture_output=True, text=True
            ).stdout.split()
            if out:
                times[name].append(float(out[0]))
                modules[name] = int(out[1])
            else:
                times[name].append(time.perf_counter() - start)  # `pass`: the whole process, wall
    return {
        name: {"ms": 1000 * statistics.median(t), "modules": modules[name]}
        for name, t in times.items()
    }


def required_work_us(runs: int) -> dict[str, float]:
    """Per op, the CPU any client must spend that no floor does (median µs of ``runs``, hot):
    encoding the body, HMAC-signing it and parsing the answer into str objects, with the same
    libraries ours uses (orjson, hashlib). Inside a real call the same work costs more: the
    minimal client over tuned httpx shows that."""
    creds = ApiCreds(API_KEY, API_SECRET, API_PASSPHRASE)
    work = {}
    for op, call in CALLS.items():
        answer = answer_bytes(call.answered)
        times = []
        for _ in range(runs):
            start = time.perf_counter_ns()
            body = orjson.dumps(call.body) if call.body is not None else b""
            l2_signature(creds, "1700000000", "DELETE", call.path, body)
            orjson.loads(answer)
            times.append(time.perf_counter_ns() - start)
        work[op] = statistics.median(times) / 1000
    return work


def machine() -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "httpx": metadata.version("httpx"),
        "py-clob-client": metadata.version("py-clob-client"),
    }


def tls_figures(args: argparse.Namespace, cores: tuple[int, int] | None) -> dict[str, float]:
    """The TLS rows: the mock over TLS in its own process (on the server's core), tls_rates."""
    print("TLS rates against the mock under hypercorn...", file=sys.stderr)
    # hypercorn logs a traceback now and then when a client closes a TLS connection as its idle
    # timer fires (APPLICATION_DATA_AFTER_CLOSE_NOTIFY, after the answers): kept in a file.
    args.out.mkdir(parents=True, exist_ok=True)
    tls_log = args.out / "tls-server.log"
    with tempfile.TemporaryDirectory() as folder:
        ca = Path(folder) / "ca.pem"
        server_cpu = [] if cores is None else ["--cpu", str(cores[1])]
        with bench_server(
            None, "bench.tls", "--ca", str(ca), *server_cpu, scheme="https", log=tls_log
        ) as tls:
            over_tls = tls_rates(tls, ca, args.async_seconds, args.async_rounds)
    if tls_log.stat().st_size:
        print(f"the TLS server logged errors: {tls_log}", file=sys.stderr)
    return over_tls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the cancel clients side by side.")
    parser.add_argument("--rounds", type=int, default=3000, help="timed rounds (default 3000)")
    parser.add_argument("--warmup", type=int, default=100, help="untimed rounds first")
    parser.add_argument("--seed", type=int, default=7, help="seed of the call order")
    parser.add_argument("--blocks", type=int, default=10, help="blocks for the spread check")
    parser.add_argument("--max-cv", type=float, default=0.05, help="refuse: ratio spread")
    parser.add_argument("--max-floor-cv", type=float, default=0.10, help="refuse: floor drift")
    parser.add_argument(
        "--max-async-cv", type=float, default=0.10, help="refuse: async ratio spread"
    )
    parser.add_argument("--skip-noise-check", action="store_true", help="smoke runs only")
    parser.add_argument("--startup-runs", type=int, default=7, help="fresh processes per client")
    parser.add_argument(
        "--required-runs", type=int, default=500, help="runs of the required-work timing"
    )
    parser.add_argument(
        "--no-runtime-install",
        action="store_true",
        help="time start-up in this venv only (makes no venvs: smoke runs, no package index)",
    )
    parser.add_argument("--rate-seconds", type=float, default=0.1, help="one sequential burst")
    parser.add_argument("--rate-rounds", type=int, default=100, help="sequential bursts per client")
    parser.add_argument("--async-seconds", type=float, default=0.1, help="one async burst")
    parser.add_argument(
        "--async-rounds", type=int, default=25, help="async bursts per client and concurrency"
    )
    parser.add_argument("--no-tls", action="store_true", help="skip the TLS rows (smoke runs)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument(
        "--readme", type=Path, help="put the table into this file (make bench: bench/README.md)"
    )
    args = parser.parse_args(argv)
    if args.rounds < 2 * args.blocks:
        parser.error(f"--rounds must be at least 2 x --blocks ({2 * args.blocks})")

    here = Path(sys.executable)
    pythons = {DEV_VENV: {"ours": here, "py-clob-client": here, "httpx": here}}
    if not args.no_runtime_install:
        print("runtime installs for the start-up figure...", file=sys.stderr)
        runtime = runtime_pythons()
        pythons[RUNTIME_INSTALL] = {**runtime, "httpx": runtime["ours"]}  # ours' httpx
    cores = pin_client()
    load_before = os.getloadavg()
    if load_before[0] > 0.5:
        print(f"warning: load average {load_before[0]:.2f} before the run", file=sys.stderr)
    started = datetime.now(UTC)

    with bench_server(cores[1] if cores else None) as url:
        made = {name: FACTORIES[name](url) for name in CLIENTS}
        calls = {(name, op): made[name][0][op] for name in CLIENTS for op in OPS}
        for (name, op), call in calls.items():
            got = canceled_count(call())
            if got != CALLS[op].answered:
                raise SystemExit(f"{name} {op}: answer names {got} ids, expected the workload's")
        time_calls(calls, args.warmup, args.seed + 1)
        gc.collect()
        gc.freeze()  # the start-up heap is never garbage: keep it out of every later collection
        print(f"timing {args.rounds} rounds of {len(calls)} calls...", file=sys.stderr)
        samples = time_calls(calls, args.rounds, args.seed)
        print("sequential and async rates...", file=sys.stderr)
        bursts = sequential_bursts(
            {name: made[name][0]["cancel(1)"] for name in ("ours", "py-clob-client", "bare httpx")},
            args.rate_seconds,
            args.rate_rounds,
        )
        for _, close in made.values():
            close()
        print("async rates...", file=sys.stderr)
        async_bursts = asyncio.run(async_rates(url, args.async_seconds, args.async_rounds))
        concurrent = {
            n: {name: rate(b) for name, b in by_client.items()}
            for n, by_client in async_bursts.items()
        }
        print("import + construction in fresh processes...", file=sys.stderr)
        startup = startup_ms(url, args.startup_runs, pythons)
        required = required_work_us(args.required_runs)
    over_tls = {} if args.no_tls else tls_figures(args, cores)

    results: dict[str, Any] = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "pinned": {"client": cores[0], "server": cores[1]} if cores else None,
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "rounds": args.rounds,
        "warmup_rounds": args.warmup,
        "calls": [
            {
                "client": name,
                "op": op,
                "wall_p50_us": statistics.median(walls) / 1000,
                "wall_p90_us": p90(walls) / 1000,
                "cpu_p50_us": statistics.median(cpus) / 1000,
            }
            for (name, op), (walls, cpus) in samples.items()
        ],
        "sequential_cancel_per_s": {name: rate(b) for name, b in bursts.items()},
        "async_cancel_per_s": concurrent,
        "tls_cancel_per_s": over_tls,
        "startup_ms": startup,
        "required_work_us": required,
    }
    noise = spread_check(samples, bursts, args.blocks, async_bursts)
    noisy = (
        max(noise["ratio_cv"].values()) > args.max_cv
        or max(noise["floor_cv"].values()) > args.max_floor_cv
        or max(noise["async_ratio_cv"].values()) > args.max_async_cv
    )
    results["noise"] = {
        "check": "skipped" if args.skip_noise_check else "noisy" if noisy else "ok",
        "max_cv": args.max_cv,
        "max_floor_cv": args.max_floor_cv,
        "max_async_cv": args.max_async_cv,
        **noise,
    }
    refused = noisy and not args.skip_noise_check
    report.add_ratios_and_targets(results, withheld=refused)

    args.out.mkdir(parents=True, exist_ok=True)
    stem = "noisy" if refused else "latest"
    table = report.markdown(results)
    (args.out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / f"{stem}.md").write_text(table)
    print(table)
    if refused:
        print(
            f"warning: too noisy to compare: {report.worst_spread(results['noise'])}; ratios "
            f"withheld, results in {args.out / 'noisy.md'}. Run again on a quiet machine.",
            file=sys.stderr,
        )
        return NOISY_EXIT
    if args.readme and not args.skip_noise_check:
        report.update_readme(args.readme, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
