"""The suite as a user gets it: the wheel, installed with its conformance extra into a fresh venv
outside the repository, runs `clob-cancel-conformance` against a mock; the CI recipe of
README.md (its "A CI job for the conformance suite") runs as the script it shows.

Slow by nature (a venv and an install, ~30 s with pip's cache), so the venv is made once for the
module and both tests use it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import attrs
import pytest

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"


@attrs.frozen
class Installed:
    wheel: Path
    bin: Path
    seconds: float  # building the wheel, making the venv and installing into it


def clean_env(venv_bin: Path, **extra: str) -> dict[str, str]:
    """The environment of a user's shell: no CLOB_* or CONFORMANCE_* of ours, no PYTHONPATH or
    virtualenv pointing back into the repository; the venv's bin first on PATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CLOB_", "CONFORMANCE_", "PYTHON", "VIRTUAL_ENV")) and k != "PK"
    }
    env["PATH"] = f"{venv_bin}{os.pathsep}{env.get('PATH', '')}"
    return {**env, **extra}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """`pip install '<the wheel>[conformance]'` into a new venv in a temporary directory."""
    root = tmp_path_factory.mktemp("shipped")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root / "dist"), "."],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    (wheel,) = (root / "dist").glob("clob_cancel-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", f"{wheel}[conformance]"],
        cwd=root,
        env=clean_env(venv / "bin"),
        capture_output=True,
        text=True,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    seconds = time.monotonic() - started
    print(f"wheel built and installed with [conformance] into a fresh venv in {seconds:.1f} s")
    return Installed(wheel, venv / "bin", seconds)


def junit_counts(path: Path) -> tuple[int, int]:
    """(test cases, failures + errors) of a JUnit report."""
    root = ET.parse(path).getroot()
    cases = list(root.iter("testcase"))
    bad = [e for e in root.iter() if e.tag in ("failure", "error")]
    return len(cases), len(bad)


def test_installed_command_passes_against_the_mock(installed: Installed, tmp_path: Path) -> None:
    """No URL: the command starts the embedded mock (shipped in the same wheel) and passes; run
    from a directory outside the repository, by the venv's own entry point."""
    done = subprocess.run(
        [str(installed.bin / "clob-cancel-conformance"), "--max-examples", "3"],
        cwd=tmp_path,
        env=clean_env(installed.bin),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "conformance: PASSED" in done.stdout
    cases, bad = junit_counts(tmp_path / "reports" / "conformance.xml")
    assert cases >= 6 and bad == 0
    assert (tmp_path / "reports" / "conformance-notes.json").read_text().strip() == "[]"


def test_missing_credential_is_a_usage_error(installed: Installed, tmp_path: Path) -> None:
    env = clean_env(
        installed.bin, CLOB_API_URL="http://127.0.0.1:9", CLOB_API_KEY="k", CLOB_PASS_PHRASE="p"
    )
    done = subprocess.run(
        [str(installed.bin / "clob-cancel-conformance")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "CLOB_SECRET" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def ci_recipe() -> str:
    """The ```bash block under "A CI job for the conformance suite" in README.md."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### A CI job for the conformance suite") :]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match, "README.md has no ```bash block under ### A CI job for the conformance suite"
    return match.group(1)


def test_ci_recipe_runs_as_a_script(installed: Installed, tmp_path: Path) -> None:
    """The recipe, verbatim, in a fresh job directory: it installs the package (here the wheel,
    already installed), starts a throwaway mock with --write-env, runs the command and keeps the
    JUnit report; no CLOB_API_URL, as in a job without a staging server."""
    script = tmp_path / "job.sh"
    script.write_text(ci_recipe(), encoding="utf-8")
    env = clean_env(
        installed.bin, CLOB_CANCEL_PACKAGE=str(installed.wheel), CONFORMANCE_MAX_EXAMPLES="3"
    )
    done = subprocess.run(
        ["bash", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    cases, bad = junit_counts(tmp_path / "reports" / "conformance.xml")
    assert cases >= 6 and bad == 0
    assert "SKIPPED" not in done.stdout  # proved a mock (seeded) and allowed: every operation ran
    assert not (tmp_path / "reports" / "mock.env").exists()  # the mock stopped cleanly


def test_ci_recipe_against_a_staging_server(installed: Installed, tmp_path: Path) -> None:
    """The recipe's other branch: CLOB_API_URL and the CLOB_* secrets set (here a mock standing
    in for staging). The run passes, and the destructive operations are skipped with the reason
    printed: the job did not pass --allow-destructive for a server it did not start."""
    from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

    script = tmp_path / "job.sh"
    script.write_text(ci_recipe(), encoding="utf-8")
    with MockServer() as staging:
        env = clean_env(
            installed.bin,
            CLOB_CANCEL_PACKAGE=str(installed.wheel),
            CONFORMANCE_MAX_EXAMPLES="3",
            **DEFAULT_ACCOUNT.client_env(staging.url),
        )
        done = subprocess.run(
            ["bash", str(script)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    assert "SKIPPED DELETE /cancel-all, DELETE /cancel-market-orders, POST /v1/heartbeats" in (
        done.stdout
    )
    cases, bad = junit_counts(tmp_path / "reports" / "conformance.xml")
    assert cases >= 3 and bad == 0


def test_installed_command_seeded_run(installed: Installed, tmp_path: Path) -> None:
    """The wheel's command against a mock at a URL with the shipped reference seed command and
    destructive checks: every check runs (the live-order sequences and the dead-man's switch,
    at a 2 s deadline), and passes."""
    from clob_cancel_conformance import run
    from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

    accounts = (DEFAULT_ACCOUNT, run.second_account())
    with MockServer(accounts=accounts, heartbeat_timeout=2.0) as mock:
        env = clean_env(installed.bin, **DEFAULT_ACCOUNT.client_env(mock.url))
        seeder = f"{installed.bin / 'python'} -m clob_cancel_conformance.mock_seeder"
        done = subprocess.run(
            [
                str(installed.bin / "clob-cancel-conformance"),
                "--max-examples",
                "3",
                "--allow-destructive",
                "--seed-command",
                seeder,
                "--heartbeat-deadline",
                "2",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "conformance: PASSED" in done.stdout and "(every check ran)" in done.stdout
