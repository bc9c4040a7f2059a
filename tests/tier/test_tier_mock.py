"""The tier read against the real mock on loopback (Standard tier: refill 80/s, burst 120, so 300
ids take 2.25 s at best): with the operation, the CLI and both clients size the first batch to the
burst and meet no 429; on a server without it (404), every id is still canceled in the same
requests as before the read existed; a tier read that hangs delays the cancel by its short
timeout only."""

from __future__ import annotations

import time

import attrs
import pytest

from bench.ratelimit import CLIENTS, run_one
from clob_cancel import CancelClient
from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

COUNT = 300


@pytest.mark.parametrize("client", list(CLIENTS))
def test_with_the_tier_read_the_first_batch_fits_the_burst(client: str) -> None:
    run = run_one(client, COUNT, "Standard")
    assert run.canceled == COUNT
    assert run.tier_reads == [200]
    cancels = [(s.cost, s.status) for s in run.sent if s.operation == "cancel_orders"]
    assert cancels == [(120, 200), (120, 200), (60, 200)]


@pytest.mark.parametrize("client", list(CLIENTS))
def test_without_the_operation_every_id_is_canceled_as_before(client: str) -> None:
    run = run_one(client, COUNT, "Standard", tier_endpoint=False)
    assert run.canceled == COUNT
    assert run.tier_reads == [404]
    cancels = [(s.cost, s.status) for s in run.sent if s.operation == "cancel_orders"]
    # before the read: the first batch whole, refused, then split at the burst the headers named
    assert cancels == [(300, 429), (120, 200), (120, 200), (60, 200)]


def test_a_hanging_tier_read_delays_the_cancel_by_its_timeout_only() -> None:
    account = attrs.evolve(DEFAULT_ACCOUNT, tier="Elite")
    orders = [{"id": f"0x{n:064x}", "market": "0xm", "asset_id": "1"} for n in range(1, 301)]
    faults = {"delay_seconds": 30, "operations": ["get_rate_limit_tier"]}
    with MockServer(accounts=[account], orders=orders, faults=faults) as mock:
        env = account.client_env(mock.url)
        with CancelClient.from_env(env, timeout=1.0) as client:
            started = time.monotonic()
            answer = client.cancel_orders([order["id"] for order in orders])
            elapsed = time.monotonic() - started
        assert sorted(answer.canceled) == sorted(order["id"] for order in orders)
        assert client.rate_limit is not None and client.rate_limit.tier == "Elite"
    assert 1.0 <= elapsed < 10.0  # the read's 1 s timeout, far below the 30 s it would hang
