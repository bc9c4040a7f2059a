"""--baseline: a team records the findings it accepts, and its CI then fails only on new ones."""

from __future__ import annotations

import json
from pathlib import Path

from clob_cancel_conformance import run
from clob_cancel_mock import MockClob
from tests.broken_servers import proof
from tests.broken_servers.variants import ErrorsAsPlainText, NotCanceledAsList


def run_with_baseline(
    clob_class: type[MockClob], baseline: Path, junit: Path, *extra: str
) -> tuple[int, int]:
    """(exit code, failures in the JUnit report) of a run with ``baseline``."""
    with proof.started_mock(clob_class) as t:
        args = run.cli_args(
            t,
            seed=proof.PROOF_SEED,
            max_examples=proof.PROOF_MAX_EXAMPLES,
            junit=junit,
            baseline=baseline,
            extra=extra,
        )
        code = run.run_cli(t, args)
    return code, len(proof.junit_failures(junit))


def test_recorded_findings_pass_and_new_ones_fail(tmp_path: Path) -> None:
    baseline, junit = tmp_path / "baseline.json", tmp_path / "junit.xml"
    # Recording: the run still fails (the findings are real), and the file now holds them.
    code, failures = run_with_baseline(NotCanceledAsList, baseline, junit, "--baseline-update")
    assert code == 1 and failures > 0
    entries = json.loads(baseline.read_text())["entries"]
    assert {e["check"] for e in entries} == {"response_schema_conformance"}
    # The same server again: every finding is a known one, the run passes.
    assert run_with_baseline(NotCanceledAsList, baseline, junit) == (0, 0)
    # Another bug is new: the run fails, for it.
    code, failures = run_with_baseline(ErrorsAsPlainText, baseline, junit)
    assert code == 1 and failures > 0
    assert all("Undocumented Content-Type" in text for text in proof.junit_failures(junit))
