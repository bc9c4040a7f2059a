"""A rate-limited server gets the verdict an unlimited one gets: the suite waits out each 429
with Retry-After (schemathesis' --rate-limit auto, and the checks' own follow-ups) instead of
holding the answer inconclusive.

The bug: any POLY_SIGNATURE accepted. Behind a tight bucket (2/s, burst 4, no negative balance)
the forged-signature probe passes auth and then meets an empty bucket: 429. Without the waits the
suite reported it only on the heartbeat and /cancel-market-orders (measured); with them, on every
L2 operation. As a server the suite cannot reset (no admin surface), so the bucket is never
refilled for it. ~25 s: the price of the waits.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from clob_cancel_conformance import contract
from clob_cancel_mock import MockClob
from tests.broken_servers import proof
from tests.broken_servers.variants import SignatureNotChecked


class SignatureNotCheckedRateLimited(SignatureNotChecked):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["faults"] = {"rate_limit": {"rate": 2, "burst": 4}}
        super().__init__(*args, **kwargs)


def failing_operations(junit: Path) -> set[str]:
    root = ET.parse(junit).getroot()
    return {
        case.get("name", "")
        for case in root.iter("testcase")
        if any(child.tag in ("failure", "error") for child in case)
    }


def test_a_bug_behind_a_rate_limit_is_reported_on_every_operation(tmp_path: Path) -> None:
    clob: type[MockClob] = SignatureNotCheckedRateLimited
    outcome = proof.run_suite(clob, tmp_path / "junit.xml", as_foreign=True)
    assert outcome.exit_code == 1
    assert outcome.reports("auth_covers_the_whole_request", "a forged signature")
    every_l2 = {f"{method} {path}" for path, method in contract.l2_operations().items()}
    assert "POST /v1/heartbeats" in every_l2 and "DELETE /orders" in every_l2  # read as meant
    assert failing_operations(tmp_path / "junit.xml") == every_l2
