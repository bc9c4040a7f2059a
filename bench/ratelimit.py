"""2,500 ids against a rate-limited CLOB: the CLI, the sync and the async client each cancel them
on the mock with the Silver tier (refill 400/s, burst 600), and the time taken is set against the
least the bucket allows ((2500 - 600) / 400 = 4.75 s).

    python -m bench.ratelimit [--ids 2500] [--tier Silver] [--above-burst refuse|admit]

Prints one row per client: seconds, the bucket's minimum, their ratio (target <= 1.5x), the
requests sent (largest, and how many the bucket refused). Whether a negative-balance tier admits
a batch above its burst is undocumented: ``--above-burst`` runs the mock either way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from clob_cancel import AsyncCancelClient, CancelClient
from clob_cancel.cli import main as cli_main
from clob_cancel.ratelimit import find_tier
from clob_cancel_mock import DEFAULT_ACCOUNT, MockClob, MockServer
from clob_cancel_mock.contract import Operation

_BODY = "bench.ratelimit.body"


@attrs.frozen
class Sent:
    """One request the mock answered: its operation, cost in tokens, status."""

    operation: str
    cost: int
    status: int


class RecordingClob(MockClob):
    """The mock, unchanged, noting each cancel request's cost and answer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sent: list[Sent] = []
        super().__init__(*args, **kwargs)

    async def read_body(self, request: Request, *limits: Any) -> bytes:
        body = await super().read_body(request, *limits)
        request.scope[_BODY] = body
        return body

    async def handle(self, operation: Operation, request: Request) -> Response:
        response = await super().handle(operation, request)
        body = request.scope.get(_BODY, b"")
        try:
            value = json.loads(body) if body else None
        except ValueError:
            value = None
        cost = len(value) if isinstance(value, list) else 1
        self.sent.append(Sent(operation.operation_id, cost, response.status_code))
        return response


@attrs.frozen
class Run:
    client: str
    seconds: float
    canceled: int
    sent: list[Sent]


def order_ids(count: int) -> list[str]:
    return [f"0x{n:064x}" for n in range(1, count + 1)]


@contextlib.contextmanager
def rate_limited_mock(count: int, tier: str, above_burst: str) -> Iterator[MockServer]:
    orders = [{"id": order_id, "market": "0xm", "asset_id": "1"} for order_id in order_ids(count)]
    faults = {"rate_limit": {"tier": tier, "above_burst": above_burst}}
    with MockServer(orders=orders, faults=faults, clob_class=RecordingClob) as mock:
        yield mock


def _canceled(mock: MockServer) -> int:
    return sum(order["state"] == "canceled" for order in mock.orders())


def _run_sync(url: str, ids: list[str]) -> None:
    with CancelClient.from_env(DEFAULT_ACCOUNT.client_env(url)) as client:
        client.cancel_orders(ids)


def _run_async(url: str, ids: list[str]) -> None:
    async def go() -> None:
        async with AsyncCancelClient.from_env(DEFAULT_ACCOUNT.client_env(url)) as client:
            await client.cancel_orders(ids)

    asyncio.run(go())


def _run_cli(url: str, ids: list[str]) -> None:
    stdin, out, err = io.StringIO("\n".join(ids)), io.StringIO(), io.StringIO()
    with _environment(DEFAULT_ACCOUNT.client_env(url)):
        code = cli_main(["orders", "--file", "-"], stdin=stdin, stdout=out, stderr=err)
    if code != 0:
        raise RuntimeError(f"clob-cancel exited {code}: {err.getvalue()}{out.getvalue()[:500]}")


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


CLIENTS: dict[str, Callable[[str, list[str]], None]] = {
    "clob-cancel orders (CLI)": _run_cli,
    "CancelClient": _run_sync,
    "AsyncCancelClient": _run_async,
}


def run_one(name: str, count: int, tier: str, above_burst: str = "refuse") -> Run:
    """Cancel ``count`` ids with client ``name`` against a fresh mock on ``tier``."""
    ids = order_ids(count)
    with rate_limited_mock(count, tier, above_burst) as mock:
        started = time.perf_counter()
        CLIENTS[name](mock.url, ids)
        seconds = time.perf_counter() - started
        clob = mock.clob
        assert isinstance(clob, RecordingClob)
        return Run(name, seconds, _canceled(mock), list(clob.sent))


def minimum_seconds(count: int, tier: str) -> float:
    """The least time the tier's bucket, full at the start, allows for ``count`` tokens."""
    found = find_tier(tier)
    if found is None:
        raise ValueError(f"unknown tier {tier!r}")
    return max(0.0, (count - found.burst) / found.refill_per_second)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ratelimit", description=__doc__)
    parser.add_argument("--ids", type=int, default=2500)
    parser.add_argument("--tier", default="Silver")
    parser.add_argument("--above-burst", choices=["refuse", "admit"], default="refuse")
    args = parser.parse_args(argv)
    floor = minimum_seconds(args.ids, args.tier)
    print(
        f"{args.ids} ids, tier {args.tier} (above-burst batches: {args.above_burst}); "
        f"the bucket allows it in {floor:.2f} s at best"
    )
    print(f"{'client':<26} {'seconds':>8} {'ratio':>6}  requests")
    for name in CLIENTS:
        run = run_one(name, args.ids, args.tier, args.above_burst)
        cancels = [s for s in run.sent if s.operation == "cancel_orders"]
        refused = [s.cost for s in cancels if s.status == 429]
        print(
            f"{name:<26} {run.seconds:8.2f} {run.seconds / floor:5.2f}x  "
            f"{len(cancels)} sent, largest {max(s.cost for s in cancels)} ids, "
            f"429 for {refused or 'none'}, canceled {run.canceled}/{args.ids}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
