"""The proof: the conformance suite passes on the correct mock and fails on every broken variant,
for that variant's reason (the failing check's name and a fragment of its message).

Each test runs the whole suite (same schemathesis.toml, hooks and checks as `make conformance`)
in this process against a real server on loopback, with a small fixed seed and example count.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clob_cancel_mock import MockClob
from tests.broken_servers import proof
from tests.broken_servers.variants import VARIANTS, Variant


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


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_suite_catches(variant: Variant, tmp_path: Path) -> None:
    outcome = proof.run_suite(variant.clob_class, tmp_path / "junit.xml")
    assert outcome.exit_code != 0, f"{variant.name} ({variant.bug}) passed the suite"
    assert outcome.reports(variant.expect, variant.message), (
        f"{variant.name} ({variant.bug}) failed, but not with {proof.title_of(variant.expect)!r} "
        f"mentioning {variant.message!r}; reported: {outcome.titles()}"
    )


WITHOUT_ORDERS = [v for v in VARIANTS if not v.needs_orders]


@pytest.mark.parametrize("variant", WITHOUT_ORDERS, ids=[v.name for v in WITHOUT_ORDERS])
def test_suite_catches_without_admin_surface(variant: Variant, tmp_path: Path) -> None:
    """Against a server the suite cannot seed (staging, the real CLOB), every bug that does not
    need live orders is still caught, for the same reason."""
    outcome = proof.run_suite(variant.clob_class, tmp_path / "junit.xml", as_foreign=True)
    assert outcome.exit_code != 0, f"{variant.name} ({variant.bug}) passed the suite"
    assert outcome.reports(variant.expect, variant.message), outcome.titles()


def test_correct_mock_passes_without_admin_surface(tmp_path: Path) -> None:
    outcome = proof.run_suite(MockClob, tmp_path / "junit.xml", as_foreign=True)
    assert outcome.failures == [], "\n\n".join(outcome.failures)
    assert outcome.exit_code == 0


def test_variants_cover_every_area() -> None:
    """At least ten kinds of bug, spread over the areas the issue names."""
    assert len(VARIANTS) >= 10
    assert {v.area for v in VARIANTS} >= {
        "auth",
        "schema",
        "status codes",
        "input validation",
        "cancel semantics",
    }
    assert len({v.name for v in VARIANTS}) == len(VARIANTS)
