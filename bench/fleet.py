"""The fleet kill switch: 1,000 ids by id on each of 20 accounts on the Silver tier (burst 600,
refill 400/s: one account's least is (1000 - 600) / 400 = 1 s), against the same 1,000 on one
account alone. The buckets are the signers' own, so the accounts run side by side and the fleet
should take about what one account takes (target: within 1.2x).

    python -m bench.fleet [--accounts 20] [--ids 1000] [--tier Silver] [--rounds 3]

The mock runs as its own process (``clob-cancel-mock --accounts N --orders IDS --tier TIER
--write-env FILE``), as a desk's CLOB would be elsewhere; it is reset (every order live again,
every bucket full) before each timed run. Each round times one account alone, then all of them,
through the sync fleet (a thread per account) and the async one; the medians and their ratio are
printed, with how many ids were canceled out of how many asked.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from clob_cancel import CancelError
from clob_cancel.accounts import AccountEnv, read_accounts_file
from clob_cancel.fleet import AsyncCancelFleet, CancelFleet, FleetResult
from clob_cancel.ratelimit import find_tier
from clob_cancel_mock.orders import generated_orders

TARGET = 1.2


@contextlib.contextmanager
def desk_mock(accounts: int, ids: int, tier: str) -> Iterator[tuple[str, list[AccountEnv]]]:
    """The mock serving ``accounts`` accounts of ``ids`` live orders each: its URL and the
    accounts file it wrote, read."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "desk.toml"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLOB_") and k != "PK"}
        argv = ["--port", "0", "--accounts", str(accounts), "--orders", str(ids)]
        argv += ["--tier", tier, "--write-env", str(path)]
        mock = subprocess.Popen(
            [sys.executable, "-m", "clob_cancel_mock", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        try:
            assert mock.stdout is not None
            for line in mock.stdout:  # the banner ends with the orders line
                if line.startswith("orders:"):
                    break
            desk = read_accounts_file(path)
            yield desk[0].environ["CLOB_API_URL"], desk
        finally:
            mock.terminate()
            mock.wait(10)


def ids_of(account: AccountEnv, count: int) -> list[str]:
    """The ids of the orders the mock generated for the account (they follow from its key)."""
    return [order.id for order in generated_orders(count, account.environ["CLOB_API_KEY"])]


def canceled(results: FleetResult) -> int:
    total = 0
    for name, result in results.items():
        if isinstance(result, CancelError):
            raise RuntimeError(f"account {name}: {result}")
        total += len(result.canceled)
    return total


def run_sync(accounts: list[AccountEnv], ids: dict[str, list[str]]) -> tuple[float, int]:
    with CancelFleet.from_accounts(accounts) as fleet:
        started = time.perf_counter()
        results = fleet.cancel_orders(ids)
        return time.perf_counter() - started, canceled(results)


def run_async(accounts: list[AccountEnv], ids: dict[str, list[str]]) -> tuple[float, int]:
    async def go() -> tuple[float, int]:
        async with AsyncCancelFleet.from_accounts(accounts) as fleet:
            started = time.perf_counter()
            results = await fleet.cancel_orders(ids)
            return time.perf_counter() - started, canceled(results)

    return asyncio.run(go())


RUNNERS: dict[str, Callable[[list[AccountEnv], dict[str, list[str]]], tuple[float, int]]] = {
    "CancelFleet (threads)": run_sync,
    "AsyncCancelFleet": run_async,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet", description=__doc__)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--ids", type=int, default=1000)
    parser.add_argument("--tier", default="Silver")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    tier = find_tier(args.tier)
    if tier is None:
        parser.error(f"unknown tier {args.tier!r}")
    floor = max(0.0, (args.ids - tier.burst) / tier.refill_per_second)
    print(
        f"{args.ids} ids by id on each of {args.accounts} accounts, tier {tier.name} (burst "
        f"{tier.burst}, refill {tier.refill_per_second:g}/s: one account's least {floor:.2f} s); "
        f"median of {args.rounds} rounds, target fleet <= {TARGET}x one account alone"
    )
    with desk_mock(args.accounts, args.ids, tier.name) as (url, desk):
        ids = {account.name: ids_of(account, args.ids) for account in desk}
        admin = httpx.Client(base_url=url, timeout=30)
        worst = 0.0
        for name, runner in RUNNERS.items():
            alone: list[float] = []
            fleet: list[float] = []
            done = {"alone": 0, "fleet": 0}
            for _ in range(args.rounds):
                for kind, accounts, times in (("alone", desk[:1], alone), ("fleet", desk, fleet)):
                    admin.post("/_mock/reset").raise_for_status()
                    seconds, count = runner(accounts, {a.name: ids[a.name] for a in accounts})
                    times.append(seconds)
                    done[kind] = count
            ratio = statistics.median(fleet) / statistics.median(alone)
            worst = max(worst, ratio)
            print(
                f"{name:<22} one account {statistics.median(alone):5.2f} s "
                f"({done['alone']}/{args.ids} canceled); {args.accounts} accounts "
                f"{statistics.median(fleet):5.2f} s ({done['fleet']}/{args.ids * args.accounts} "
                f"canceled); ratio {ratio:.2f}x  "
                f"[rounds: alone {', '.join(f'{t:.2f}' for t in alone)}; "
                f"fleet {', '.join(f'{t:.2f}' for t in fleet)}]"
            )
        admin.close()
    verdict = "met" if worst <= TARGET else "NOT met"
    print(f"target {verdict}: worst ratio {worst:.2f}x (<= {TARGET}x)")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
