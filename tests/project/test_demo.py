"""`make demo` runs what examples/demo.py runs: it must keep working, so CI runs it too."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_end_to_end() -> None:
    done = subprocess.run(
        [sys.executable, "examples/demo.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "demo: everything worked"
    assert any("canceled 1500 in 2 requests" in line for line in lines)
    assert any(line.strip().startswith("clob-cancel all") for line in lines)
    assert any(" generated, " in line and " passed" in line for line in lines)  # the suite's count
