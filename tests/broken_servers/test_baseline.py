"""--baseline: a team records the findings it accepts, and its CI then fails only on new ones."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import clob_cancel_conformance as conformance
from clob_cancel_conformance import run
from clob_cancel_mock import DEFAULT_ACCOUNT, MockClob, MockServer
from tests.broken_servers import proof
from tests.broken_servers.variants import (
    ErrorsAsPlainText,
    NotCanceledAsList,
    TimestampNotChecked,
)

REPO = Path(__file__).resolve().parents[2]


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


def test_baseline_matches_from_another_directory_and_after_lines_moved(tmp_path: Path) -> None:
    """A baseline of the suite's own checks' findings, recorded by one copy of the package run
    from one directory, still matches when another copy (its checks moved down by a few lines,
    as a release would) runs from another directory: the findings' identity is the operation
    and the check, never a file or a line."""
    moved = tmp_path / "moved"
    shutil.copytree(Path(conformance.__file__).parent, moved / "clob_cancel_conformance")
    checks = moved / "clob_cancel_conformance" / "auth_checks.py"  # the check the baseline records
    checks.write_text("\n\n\n\n\n" + checks.read_text(encoding="utf-8"), encoding="utf-8")
    baseline = tmp_path / "baseline.json"

    def run_from(directory: Path, package_root: Path | None, *extra: str) -> int:
        directory.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOB_", "CONFORMANCE_"))}
        env.update(DEFAULT_ACCOUNT.client_env(server.url))
        env["PYTHONPATH"] = os.pathsep.join([str(package_root)] * bool(package_root) + [str(REPO)])
        command = [sys.executable, "-m", "clob_cancel_conformance", "--seed", "1"]
        command += ["--max-examples", "3", "--baseline", str(baseline), "--", *extra]
        done = subprocess.run(
            command, cwd=directory, env=env, capture_output=True, text=True, timeout=300
        )
        assert "Traceback" not in done.stderr, done.stderr[-3000:]
        return done.returncode

    with MockServer(clob_class=TimestampNotChecked) as server:
        assert run_from(tmp_path / "a", None, "--baseline-update") == 1
        entries = json.loads(baseline.read_text())["entries"]
        ours = [e for e in entries if e["check"] == "auth_covers_the_whole_request"]
        assert ours, entries
        assert not any(".py" in e["signature"] for e in entries), entries
        assert run_from(tmp_path / "b", moved) == 0
