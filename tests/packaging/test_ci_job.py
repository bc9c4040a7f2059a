"""The README's CI recipes as a CI team runs them: the mock step (bounded wait, log to a file, no
stale file read) and the conformance job after `make dist`, in a fresh venv, with no
CLOB_CANCEL_PACKAGE (the job's default branch: the wheel `make dist` left in dist/).

Slow by nature (a build, a venv and an install: about a minute), so the venv is made once.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def _block(language: str, containing: str) -> str:
    found: list[str] = [
        b for lang, b in BLOCK.findall(README) if lang == language and containing in b
    ]
    assert len(found) == 1, f"README.md: {len(found)} {language} blocks with {containing!r}"
    return found[0]


def _user_env(bin_dir: Path, **extra: str) -> dict[str, str]:
    """A CI job's environment: none of our CLOB_*, PYTHON* or virtualenv; bin_dir first."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CLOB_", "CONFORMANCE_", "PYTHON", "VIRTUAL_ENV")) and k != "PK"
    }
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return {**env, **extra}


@pytest.fixture(scope="module")
def job_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A job's directory after `make dist` (DIST=its dist/), with a fresh venv's bin at venv/."""
    root = tmp_path_factory.mktemp("job")
    started = time.monotonic()
    built = subprocess.run(
        ["make", "--no-print-directory", "dist", f"DIST={root / 'dist'}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert built.stdout.count("PASSED") == 2, built.stdout  # twine check: the wheel and the sdist
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True, timeout=120)
    print(f"make dist and a fresh venv in {time.monotonic() - started:.1f} s")
    return root


def test_the_conformance_job_runs_as_written_after_make_dist(job_dir: Path) -> None:
    script = job_dir / "job.sh"
    script.write_text(_block("bash", "clob-cancel-conformance"), encoding="utf-8")
    env = _user_env(job_dir / "venv" / "bin", CONFORMANCE_MAX_EXAMPLES="3")
    done = subprocess.run(
        ["bash", str(script)], cwd=job_dir, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    assert re.search(r"^clob-cancel-conformance \S+ \(OpenAPI spec \S+\)$", done.stdout, re.M)
    assert "conformance: PASSED" in done.stdout
    log = (job_dir / "reports" / "mock.log").read_text()
    assert "clob-cancel-mock: serving" in log and "clob-cancel-mock: stopped" in log
    assert "INFO:" not in done.stderr  # uvicorn's lines went to the log
    assert not (job_dir / "reports" / "mock.env").exists()


def test_the_conformance_job_says_when_the_mock_cannot_start(job_dir: Path) -> None:
    """A mock that exits at once (here: the environment's CLOB_* credentials lack an address):
    the job fails within seconds, saying so and showing the mock's log."""
    script = job_dir / "job.sh"
    script.write_text(_block("bash", "clob-cancel-conformance"), encoding="utf-8")
    env = _user_env(job_dir / "venv" / "bin", CLOB_API_KEY="k", CLOB_SECRET="s")
    started = time.monotonic()
    done = subprocess.run(
        ["bash", str(script)], cwd=job_dir, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert "clob-cancel-mock did not start; reports/mock.log:" in done.stderr
    assert "not set: CLOB_PASS_PHRASE" in done.stderr  # the mock's own words, from its log
    print(f"failed in {time.monotonic() - started:.1f} s, the install included")


def _mock_step() -> str:
    return _block("sh", "--write-env")


def test_the_mock_step_never_reads_a_file_a_killed_mock_left(tmp_path: Path) -> None:
    (tmp_path / "mock.env").write_text("CLOB_API_URL=http://127.0.0.1:9\n")  # a dead mock's
    done = subprocess.run(
        ["bash", "-c", "set -e\n" + _mock_step()],
        cwd=tmp_path,
        env=_user_env(Path(sys.executable).parent),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "canceled 100 orders" in done.stdout
    assert "clob-cancel-mock: serving" in (tmp_path / "mock.log").read_text()


def test_the_mock_step_gives_up_with_the_log_when_the_mock_cannot_start(tmp_path: Path) -> None:
    started = time.monotonic()
    done = subprocess.run(
        ["bash", "-c", "set -e\n" + _mock_step()],
        cwd=tmp_path,
        env=_user_env(Path(sys.executable).parent, CLOB_API_KEY="k", CLOB_SECRET="s"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    seconds = time.monotonic() - started
    assert done.returncode == 1, done.stdout + done.stderr
    assert "clob-cancel-mock did not start within 30 s; mock.log:" in done.stderr
    assert "not set: CLOB_PASS_PHRASE" in done.stderr
    assert seconds < 25  # the mock's exit ends the wait, not the 30 s
