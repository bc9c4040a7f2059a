"""2,500 ids against a rate-limited CLOB: the CLI, the sync and the async client each cancel them
on the mock with the Silver tier (refill 400/s, burst 600), and the time taken is set against the
least the bucket allows ((2500 - 600) / 400 = 4.75 s). Each runs against two servers: the mock as
it is, which answers ``GET /v1/user/rate-limit-tier`` (the clients read the tier before the first
bulk cancel: target 5 requests of at most 600 ids, no 429, <= 1.05x the minimum), and the mock
without that operation (404, as a CLOB that lacks it: the tier is learned from the first answer,
as before issue 26: every id canceled in no more cancel requests than then, 6).

    python -m bench.ratelimit [--ids 2500] [--tier Silver] [--above-burst refuse|admit]
                              [--server both|tier|no-tier]

Prints one row per client and server: seconds (from the client's start, construction included,
to its return), their ratio to the bucket's minimum, the seconds from the first cancel request's
arrival to the last one's answer (the pacing alone), the cancel requests sent (largest, and how
many the bucket refused) and the tier reads (with their status).
Whether a negative-balance tier admits a batch above its burst is undocumented: ``--above-burst``
runs the mock either way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import yaml
from starlette.requests import Request
from starlette.responses import Response

from clob_cancel import AsyncCancelClient, CancelClient
from clob_cancel.cli import main as cli_main
from clob_cancel.ratelimit import find_tier
from clob_cancel.spec import spec_path
from clob_cancel_mock import DEFAULT_ACCOUNT, MockClob, MockServer
from clob_cancel_mock.contract import Operation

_BODY = "bench.ratelimit.body"


@attrs.frozen
class Sent:
    """One request the mock answered: its operation, cost in tokens, status, and when its
    handling began and ended (``time.perf_counter``)."""

    operation: str
    cost: int
    status: int
    began: float = 0.0
    ended: float = 0.0


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
        began = time.perf_counter()
        response = await super().handle(operation, request)
        body = request.scope.get(_BODY, b"")
        try:
            value = json.loads(body) if body else None
        except ValueError:
            value = None
        cost = len(value) if isinstance(value, list) else 1
        ended = time.perf_counter()
        self.sent.append(Sent(operation.operation_id, cost, response.status_code, began, ended))
        return response


TIER_PATH = "/v1/user/rate-limit-tier"


class TierReadCounter:
    """ASGI middleware noting the status of each ``GET /v1/user/rate-limit-tier``, answered by
    the mock or, on a server without the operation, by its 404 (which the clob never sees)."""

    def __init__(self, app: Any, statuses: list[int]) -> None:
        self.app = app
        self.statuses = statuses

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != TIER_PATH:
            await self.app(scope, receive, send)
            return

        async def noting(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.statuses.append(message["status"])
            await send(message)

        await self.app(scope, receive, noting)


@attrs.frozen
class Run:
    client: str
    seconds: float
    canceled: int
    sent: list[Sent]
    tier_reads: list[int]  # the status of each GET /v1/user/rate-limit-tier


def spec_without_tier(directory: Path) -> Path:
    """A copy of the shipped spec without ``GET /v1/user/rate-limit-tier``, for a mock that
    answers it 404 as a server without the operation would."""
    spec = yaml.safe_load(spec_path().read_text(encoding="utf-8"))
    del spec["paths"][TIER_PATH]
    path = directory / "spec-without-tier.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def order_ids(count: int) -> list[str]:
    return [f"0x{n:064x}" for n in range(1, count + 1)]


@contextlib.contextmanager
def rate_limited_mock(
    count: int, tier: str, above_burst: str, *, tier_endpoint: bool = True
) -> Iterator[tuple[MockServer, list[int]]]:
    """A mock holding ``count`` orders, every signer limited by ``tier``; with
    ``tier_endpoint=False`` it lacks the tier read (404); the status of each tier read."""
    orders = [{"id": order_id, "market": "0xm", "asset_id": "1"} for order_id in order_ids(count)]
    faults = {"rate_limit": {"tier": tier, "above_burst": above_burst}}
    with tempfile.TemporaryDirectory() as directory:
        spec = None if tier_endpoint else spec_without_tier(Path(directory))
        mock = MockServer(orders=orders, faults=faults, clob_class=RecordingClob, spec=spec)
        tier_reads: list[int] = []
        mock.app.add_middleware(TierReadCounter, statuses=tier_reads)
        with mock:
            yield mock, tier_reads


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


def run_one(
    name: str, count: int, tier: str, above_burst: str = "refuse", *, tier_endpoint: bool = True
) -> Run:
    """Cancel ``count`` ids with client ``name`` against a fresh mock on ``tier`` (without the
    tier read when ``tier_endpoint`` is False)."""
    ids = order_ids(count)
    with rate_limited_mock(count, tier, above_burst, tier_endpoint=tier_endpoint) as (
        mock,
        tier_reads,
    ):
        started = time.perf_counter()
        CLIENTS[name](mock.url, ids)
        seconds = time.perf_counter() - started
        clob = mock.clob
        assert isinstance(clob, RecordingClob)
        return Run(name, seconds, _canceled(mock), list(clob.sent), list(tier_reads))


def minimum_seconds(count: int, tier: str) -> float:
    """The least time the tier's bucket, full at the start, allows for ``count`` tokens."""
    found = find_tier(tier)
    if found is None:
        raise ValueError(f"unknown tier {tier!r}")
    return max(0.0, (count - found.burst) / found.refill_per_second)


SERVERS = {"tier": [True], "no-tier": [False], "both": [True, False]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ratelimit",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--ids", type=int, default=2500)
    parser.add_argument("--tier", default="Silver")
    parser.add_argument("--above-burst", choices=["refuse", "admit"], default="refuse")
    parser.add_argument("--server", choices=list(SERVERS), default="both")
    args = parser.parse_args(argv)
    floor = minimum_seconds(args.ids, args.tier)
    print(
        f"{time.strftime('%Y-%m-%d')}: {args.ids} ids, tier {args.tier} (above-burst batches: "
        f"{args.above_burst}); the bucket allows it in {floor:.2f} s at best"
    )
    print(f"{'client':<26} {'server':<8} {'seconds':>8} {'ratio':>6}  requests")
    for tier_endpoint in SERVERS[args.server]:
        server = "tier" if tier_endpoint else "no-tier"
        for name in CLIENTS:
            run = run_one(name, args.ids, args.tier, args.above_burst, tier_endpoint=tier_endpoint)
            cancels = [s for s in run.sent if s.operation == "cancel_orders"]
            refused = [s.cost for s in cancels if s.status == 429]
            ratio = f"{run.seconds / floor:5.2f}x" if floor else "    -"
            paced = cancels[-1].ended - cancels[0].began
            print(
                f"{name:<26} {server:<8} {run.seconds:8.2f} {ratio}  "
                f"first to last cancel {paced:.2f} s; "
                f"{len(cancels)} cancels, largest {max(s.cost for s in cancels)} ids, "
                f"429 for {refused or 'none'}; tier reads {run.tier_reads or 'none'}; "
                f"canceled {run.canceled}/{args.ids}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
