"""Profile one client's hot loop on one operation: where its time goes, by layer and by function.

    python -m bench.profile --client ours --op "cancel_orders(1000)" --calls 300
    python -m bench.profile --async-client "ours (async, aiohttp)" --in-flight 32 --calls 5000

Same server, pinning and warm-up as the benchmark; cProfile over ``--calls`` calls. Socket calls
(which include waiting for the server) are shown apart; a C function's time goes to the layer
that called it (json.dumps' C encoder counts as json). cProfile inflates small Python functions:
read the shares, not the absolute times.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
from collections import defaultdict

from bench.clients import CLIENTS, FACTORIES
from bench.run import ASYNC_CLIENTS, async_clients, bench_server, pin_client
from bench.workload import OPS

SOCKET = "socket calls (incl. waiting for the server)"
LAYERS = (
    "clob_cancel_client",
    "clob_cancel",
    "httpx_aiohttp",
    "aiohttp",
    "yarl",
    "multidict",
    "asyncio",
    "anyio",
    "py_clob_client",
    "httpx",
    "httpcore",
    "h11",
    "json",
    "attrs",
    "bench",
)


def layer(filename: str) -> str:
    """The package a profiled Python function belongs to."""
    parts = filename.replace("\\", "/").split("/")
    for name in LAYERS:
        if name in parts or f"{name}.py" in parts:
            return name
    return "C, called from C" if filename == "~" else "other (stdlib)"


async def profile_async(url: str, name: str, in_flight: int, calls: int) -> cProfile.Profile:
    """cProfile over ``calls`` cancel(1) of one async client, ``in_flight`` at a time."""
    cancels, close = await async_clients(url)
    cancel = cancels[name]

    async def run(count: int) -> None:
        left = count

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                await cancel()

        await asyncio.gather(*(worker() for _ in range(in_flight)))

    await run(500)
    profile = cProfile.Profile()
    profile.enable()
    await run(calls)
    profile.disable()
    await close()
    return profile


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", choices=CLIENTS, default="ours")
    parser.add_argument(
        "--async-client", choices=ASYNC_CLIENTS, help="profile this async client's cancel(1)"
    )
    parser.add_argument("--in-flight", type=int, default=32, help="with --async-client")
    parser.add_argument("--op", choices=OPS, default="cancel(1)")
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    cores = pin_client()
    with bench_server(cores[1] if cores else None) as url:
        if args.async_client:
            profile = asyncio.run(profile_async(url, args.async_client, args.in_flight, args.calls))
            args.client, args.op = args.async_client, f"cancel(1), {args.in_flight} in flight"
        else:
            calls, close = FACTORIES[args.client](url)
            call = calls[args.op]
            for _ in range(100):
                call()
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.calls):
                call()
            profile.disable()
            close()

    stats = pstats.Stats(profile)
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in entries.values())
    by_layer: dict[str, float] = defaultdict(float)
    for (filename, _, name), (_, _, tt, _, callers) in entries.items():
        if "_socket.socket" in name:
            by_layer[SOCKET] += tt
        elif filename != "~" or not callers:
            by_layer[layer(filename)] += tt
        else:
            for (caller_file, _, _), (
                _,
                _,
                caller_tt,
                _,
            ) in callers.items():  # C code: its callers'
                by_layer[layer(caller_file)] += caller_tt
    per_call = 1e6 * total / args.calls
    print(f"{args.client}, {args.op}: {args.calls} calls, {per_call:.0f} µs/call (profiled)")
    print("time by layer:")
    for name, tt in sorted(by_layer.items(), key=lambda item: -item[1]):
        if tt >= total / 1000:
            print(f"  {100 * tt / total:5.1f}%  {name}")
    print(f"top {args.top} functions by own time:")
    ranked = sorted(entries.items(), key=lambda item: -item[1][2])[: args.top]
    for (filename, line, name), (_, calls_made, tt, ct, _) in ranked:
        where = f"{'/'.join(filename.split('/')[-2:])}:{line}"
        print(
            f"  {100 * tt / total:5.1f}% own {100 * ct / total:5.1f}% cum "
            f"{calls_made / args.calls:5.1f}/call  {name}  {where}"
        )


if __name__ == "__main__":
    main()
