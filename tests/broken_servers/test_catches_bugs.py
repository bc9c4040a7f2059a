"""The proof: the conformance suite passes on the correct mock and fails on every broken variant,
for that variant's reason (the failing check's name and a fragment of its message).

Each test runs the whole suite (same schemathesis.toml, hooks and checks as `make conformance`)
in this process against a real server on loopback, with a small fixed seed and example count.
The variants' runs are split over the test_catches_* files so that both xdist workers share them
(`--dist loadfile` keeps a file on one worker): here the first half on the mock.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clob_cancel_mock import MockClob
from tests.broken_servers import proof
from tests.broken_servers.catching import ON_MOCK, assert_caught, ids
from tests.broken_servers.variants import VARIANTS, Variant

FIRST_HALF = ON_MOCK[: len(ON_MOCK) // 2]


def test_correct_mock_passes(tmp_path: Path) -> None:
    """The mock, which verifies the signature over the exact bytes only, passes; and it did
    accept (200) correctly signed bodies with apostrophes and with raw UTF-8, the bodies on which
    the exact bytes and the official Python clients' quote-replaced form differ, while the
    suite's quote-swapped replays of its own signed bodies were refused (or the run fails)."""
    clob_class, answers = proof.recording(MockClob)
    outcome = proof.run_suite(clob_class, tmp_path / "junit.xml")
    assert outcome.failures == [], "\n\n".join(outcome.failures)
    assert outcome.exit_code == 0
    accepted = [a.body for a in answers if a.status == 200 and a.operation_id != "get_server_time"]
    assert any(b"'" in body for body in accepted)
    assert any(not body.isascii() for body in accepted)
    assert any(b"'" in body and not body.isascii() for body in accepted)


@pytest.mark.parametrize("variant", FIRST_HALF, ids=ids(FIRST_HALF))
def test_suite_catches(variant: Variant, tmp_path: Path) -> None:
    assert_caught(variant, tmp_path / "junit.xml")


def test_variants_cover_every_area() -> None:
    """At least ten kinds of bug, spread over the areas the issue names."""
    assert len(VARIANTS) >= 10
    assert {v.area for v in VARIANTS} >= {
        "auth",
        "schema",
        "status codes",
        "input validation",
        "cancel semantics",
        "heartbeat",
    }
    assert len({v.name for v in VARIANTS}) == len(VARIANTS)
