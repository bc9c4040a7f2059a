"""No false alarms with a seed command either: each correct server of test_no_false_alarms.py,
as a server that is not our mock (no /_mock/, its own seed route) with a seed command, passes
with zero failures, and the live-order sequences ran to a verdict wherever the server's answers
allow one (not on a server that refuses every cancel)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clob_cancel_conformance import findings
from tests.broken_servers import proof
from tests.broken_servers.test_no_false_alarms import CORRECT, Correct

# Servers whose cancels are all refused (or all refused for a while) cannot show live orders.
NO_VERDICT = {"trading_disabled"}


@pytest.mark.parametrize("server", CORRECT, ids=[c.name for c in CORRECT])
def test_correct_server_passes_with_a_seeder(server: Correct, tmp_path: Path) -> None:
    outcome = proof.run_suite(
        server.clob_class,
        tmp_path / "junit.xml",
        wrap_app=server.wrap_app,
        faults=server.faults,
        seeded=True,
    )
    assert outcome.failures == [], f"{server.difference}:\n\n" + "\n\n".join(outcome.failures)
    assert outcome.exit_code == 0
    if server.name not in NO_VERDICT:
        ran = [
            path
            for path in ("/order", "/orders", "/cancel-all", "/cancel-market-orders")
            if findings.was_completed("live_orders_cancel_as_reported", f"DELETE {path}")
        ]
        assert ran, f"{server.name}: no live-order sequence ran"
