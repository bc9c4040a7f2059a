"""A/B of the sync client in one process: the working tree against another revision, or against
itself with the id check and the answer's reconciliation patched out; interleaved call by call.

    python -m bench.ab e50e7b7              # today's client against the one of that commit
    python -m bench.ab --ablate             # what the id check and the reconciliation cost

Separate processes differ by more than the figures sought on a shared machine (±25 % here), so
both clients live in this process: the other revision's overlay and generated packages are
extracted with `git archive` and imported under other names (clob_cancel_<rev>). Same server,
pinning, warm-up and GC handling as the benchmark; wall p50 and the ratio to a bare httpx replay
of the same call.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import io
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.clients import FACTORIES
from bench.run import ROOT, bench_server, pin_client, time_calls
from bench.workload import ADDRESS, API_KEY, API_PASSPHRASE, API_SECRET, ORDER_IDS

OPS = ("cancel(1)", "cancel_orders(100)", "cancel_orders(1000)")


def import_revision(revision: str, into: Path) -> ModuleType:
    """The client package of ``revision``, imported as clob_cancel_<revision>."""
    suffix = re.sub(r"\W", "_", revision)
    archive = subprocess.run(
        ["git", "archive", revision, "overlay/clob_cancel", "generated/clob_cancel_client"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into / "src", filter="data")
    names = {
        "clob_cancel_client": f"clob_cancel_client_{suffix}",
        "clob_cancel": f"clob_cancel_{suffix}",
    }
    (into / "src/overlay/clob_cancel").rename(into / names["clob_cancel"])
    (into / "src/generated/clob_cancel_client").rename(into / names["clob_cancel_client"])
    pattern = re.compile(r"\b(clob_cancel_client|clob_cancel)\b")
    for path in into.glob("clob_cancel_*/**/*.py"):
        path.write_text(pattern.sub(lambda m: names[m.group(1)], path.read_text()))
    sys.path.insert(0, str(into))
    return importlib.import_module(names["clob_cancel"])


def client_calls(package: Any, url: str) -> dict[str, Callable[[], Any]]:
    creds = package.ApiCreds(API_KEY, API_SECRET, API_PASSPHRASE)
    client = package.CancelClient(url, creds, ADDRESS)
    return {
        "cancel(1)": lambda: client.cancel(ORDER_IDS[0]),
        "cancel_orders(100)": lambda: client.cancel_orders(ORDER_IDS[:100]),
        "cancel_orders(1000)": lambda: client.cancel_orders(ORDER_IDS),
    }


def ablated(call: Callable[[], Any]) -> Callable[[], Any]:
    """``call`` with the id check and the answer's reconciliation replaced by no-ops."""
    import importlib

    # the names client.py calls (imported there from checks.py and accounting.py)
    module: Any = importlib.import_module("clob_cancel.client")
    check, reconcile = module.check_ids, module.reconcile

    def unchecked(order_ids: Any) -> list[str]:
        return list(order_ids)

    def trusted(operation: str, answer: Any, requested: Any) -> Any:
        return answer

    def patched() -> Any:
        module.check_ids, module.reconcile = unchecked, trusted
        try:
            return call()
        finally:
            module.check_ids, module.reconcile = check, reconcile

    return patched


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", nargs="?", help="a git revision to compare with")
    parser.add_argument("--ablate", action="store_true", help="compare with checks patched out")
    parser.add_argument("--rounds", type=int, default=3000)
    args = parser.parse_args(argv)
    if not args.revision and not args.ablate:
        parser.error("give a revision, --ablate, or both")
    import clob_cancel

    cores = pin_client()
    with tempfile.TemporaryDirectory() as folder, bench_server(cores[1] if cores else None) as url:
        clients = {"working tree": client_calls(clob_cancel, url)}
        if args.revision:
            clients[args.revision] = client_calls(import_revision(args.revision, Path(folder)), url)
        if args.ablate:
            clients["working tree, no id check or reconciliation"] = {
                op: ablated(call) for op, call in clients["working tree"].items()
            }
        bare, close_bare = FACTORIES["bare httpx"](url)
        clients["bare httpx"] = {op: bare[op] for op in OPS}
        calls = {(name, op): c[op] for name, c in clients.items() for op in OPS}
        time_calls(calls, 100, 1)
        gc.collect()
        gc.freeze()
        samples = time_calls(calls, args.rounds, 2)
        close_bare()
    for op in OPS:
        floor = statistics.median(samples[("bare httpx", op)][0])
        for name in clients:
            wall = statistics.median(samples[(name, op)][0])
            print(f"{op:20} {name:45} {wall / 1000:8.1f} µs  {wall / floor:.3f}x bare httpx")


if __name__ == "__main__":
    main()
