"""The issue's bar, against the real mock on loopback with the Silver tier (refill 400/s, burst
600): the CLI and both clients cancel 2,500 ids with every id canceled, no request over 1000 ids,
no 400, and no batch retried that can never be admitted. The time taken against the bucket's
minimum is a figure for `python -m bench.ratelimit`, not asserted here."""

from __future__ import annotations

import pytest

from bench.ratelimit import CLIENTS, run_one

COUNT = 2500
BURST = 600  # Silver


@pytest.mark.parametrize(
    ("client", "above_burst"),
    [*((name, "refuse") for name in CLIENTS), ("CancelClient", "admit")],
)
def test_2500_ids_on_silver(client: str, above_burst: str) -> None:
    run = run_one(client, COUNT, "Silver", above_burst)
    assert run.canceled == COUNT
    cancels = [sent for sent in run.sent if sent.operation == "cancel_orders"]
    assert all(sent.cost <= 1000 for sent in cancels)
    assert all(sent.status in (200, 429) for sent in cancels)
    refused = [sent.cost for sent in cancels if sent.status == 429]
    # Only the first batch, sent before any answer named the tier, may be above the burst; a 429
    # for it means split. Anything the bucket can admit is paced, so it meets no 429 at all.
    assert all(cost > BURST for cost in refused)
    assert sum(sent.cost > BURST for sent in cancels) <= 1
    assert sum(sent.cost for sent in cancels if sent.status == 200) == COUNT
