"""One variant's run and the assertion that the suite caught it for its reason (shared by the
test_catches_* files, which split the ~120 runs so that xdist's workers share them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.broken_servers import proof
from tests.broken_servers.variants import VARIANTS, Variant


def assert_caught(variant: Variant, junit: Path, **options: Any) -> None:
    if variant.switch:  # dead_mans_switch_fires needs a seed command: a 3 s deadline
        options = {"check_switch": True, "heartbeat_deadline": 3.0, **options}
        if not options.get("seeded"):
            options["mock_seeder"] = True
    outcome = proof.run_suite(variant.clob_class, junit, **options)
    assert outcome.exit_code != 0, f"{variant.name} ({variant.bug}) passed the suite"
    expected = [(variant.expect, variant.message)]
    if variant.seeded_expect:  # with live orders, the live-order sequences may see it first
        expected.insert(0 if options.get("seeded") else 1, variant.seeded_expect)
    if options.get("seeded") and variant.seeded_expect:
        expected = expected[:1]
    assert any(outcome.reports(check, message) for check, message in expected), (
        f"{variant.name} ({variant.bug}) failed, but not with any of "
        f"{[(proof.title_of(c), m) for c, m in expected]}; reported: {outcome.titles()}"
    )


ON_MOCK = list(VARIANTS)
WITHOUT_ORDERS = [v for v in VARIANTS if not v.needs_orders and not v.switch]
# On a server that is not our mock, through a seed command: the loose verifiers the near-miss
# signatures find, the live-order bugs a seed command can show (it places open orders only), and
# the switch's.
SEEDED = [v for v in VARIANTS if v.near_miss or (v.needs_orders and v.seedable) or v.switch]


def ids(variants: list[Variant]) -> list[str]:
    return [v.name for v in variants]
