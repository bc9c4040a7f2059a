"""On a server that is not our mock (no /_mock/ surface: its own seed route, foreign.py) with a
seed command: the auth bugs (the loose verifiers the near-miss signatures find among them), the
live-order bugs a seed command can show, and the dead-man's switch bugs are caught, each for its
reason; the correct server passes, with the switch check, at the default deadline's shape (2 s
here) and with a 3 s deadline given as --heartbeat-deadline 3."""

from __future__ import annotations

from pathlib import Path

import pytest

from clob_cancel_conformance import findings
from clob_cancel_mock import MockClob
from tests.broken_servers import proof
from tests.broken_servers.catching import SEEDED, assert_caught, ids
from tests.broken_servers.variants import Variant

LIVE_ORDER_CHECKS = {
    ("live_orders_cancel_as_reported", f"DELETE {path}")
    for path in ("/order", "/orders", "/cancel-all", "/cancel-market-orders")
}


@pytest.mark.parametrize("variant", SEEDED, ids=ids(SEEDED))
def test_suite_catches_on_a_seeded_server(variant: Variant, tmp_path: Path) -> None:
    assert_caught(variant, tmp_path / "junit.xml", seeded=True)


def test_correct_server_passes_with_a_3_s_deadline(tmp_path: Path) -> None:
    """Every live-order sequence and the switch ran to a verdict (not skipped), and passed."""
    outcome = proof.run_suite(
        MockClob, tmp_path / "junit.xml", seeded=True, check_switch=True, heartbeat_deadline=3.0
    )
    assert outcome.failures == [], "\n\n".join(outcome.failures)
    assert outcome.exit_code == 0
    ran = {*LIVE_ORDER_CHECKS, ("dead_mans_switch_fires", "POST /v1/heartbeats")}
    assert all(findings.was_completed(*key) for key in ran), findings.reason_not_run
