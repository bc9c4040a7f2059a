"""`clob-cancel-mock --write-env FILE` in a shared CI runner: FILE holds the credentials, so it is
made safely in a directory others may write to, a FILE left by a killed mock never passes for
this one, and every stop signal (SIGINT, SIGTERM, SIGHUP), even one racing start-up, leaves no
FILE behind. Real processes and signals; the planted files are what another user could plant.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from clob_cancel.spec import spec_path
from clob_cancel_mock.cli import remove_env_file, write_env_file

MOCK = [sys.executable, "-m", "clob_cancel_mock", "--port", "0"]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CLOB_") and k != "PK"}


def _start(env_file: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*MOCK, "--write-env", str(env_file), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(),
    )


def _wait_for(env_file: Path, process: subprocess.Popen[str]) -> str:
    """FILE's text once the mock has printed its banner (after it wrote FILE): not merely once
    some FILE exists, which a planted or stale one does from the start."""
    assert process.stdout is not None
    banner = []
    for line in process.stdout:  # ends at the banner's last line, or when the process exits
        banner.append(line)
        if line.startswith("orders:"):
            return env_file.read_text()
    raise AssertionError(f"the mock exited {process.wait()}: {''.join(banner)}")


def test_version_prints_the_package_and_the_spec_version() -> None:
    from importlib.metadata import version

    done = subprocess.run(
        [sys.executable, "-m", "clob_cancel_mock", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    spec_version = yaml.safe_load(spec_path().read_text())["info"]["version"]
    expected = f"clob-cancel-mock {version('clob-cancel')} (OpenAPI spec {spec_version})\n"
    assert (done.returncode, done.stdout) == (0, expected)


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM, signal.SIGINT])
def test_each_stop_signal_is_a_clean_stop_that_removes_file(
    sig: signal.Signals, tmp_path: Path
) -> None:
    env_file = tmp_path / "mock.env"
    process = _start(env_file)
    try:
        _wait_for(env_file, process)
        assert env_file.stat().st_mode & 0o777 == 0o600
        process.send_signal(sig)
        out = process.communicate(timeout=20)[0]
    finally:
        process.kill()
    assert process.returncode == 0, out
    assert "clob-cancel-mock: stopped" in out and "Traceback" not in out
    assert list(tmp_path.iterdir()) == []  # neither FILE nor a temporary file


def test_a_signal_racing_start_up_never_leaves_file(tmp_path: Path) -> None:
    """SIGTERM at 10 moments from the first instant to after FILE appears: whenever it lands
    (before Python's handlers, before FILE, after it), no FILE is left once the process ended,
    and one that lands after our handlers went in is a clean exit."""
    for i in range(10):
        env_file = tmp_path / f"mock{i}.env"
        process = _start(env_file)
        time.sleep(i * 0.08)
        process.send_signal(signal.SIGTERM)
        out = process.communicate(timeout=30)[0]
        assert process.returncode in (0, -signal.SIGTERM), out
        assert not env_file.exists(), f"FILE left after SIGTERM at {i * 0.08:.2f} s"
        assert "Traceback" not in out
    assert list(tmp_path.iterdir()) == []


def test_a_file_left_by_a_killed_mock_is_removed_before_listening(tmp_path: Path) -> None:
    """SIGKILL leaves FILE; the next mock removes it before it listens, so a job polling for
    FILE never reads the dead one's URL. A next mock that cannot start removes it too."""
    env_file = tmp_path / "mock.env"
    killed = _start(env_file)
    dead_text = _wait_for(env_file, killed)
    killed.kill()
    killed.wait(10)
    assert env_file.read_text() == dead_text  # what a polling job would wrongly read
    failing = subprocess.run(
        [*MOCK, "--write-env", str(env_file), "--orders", str(tmp_path / "missing-seed.json")],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
    )
    assert failing.returncode == 2 and "missing-seed.json" in failing.stderr
    assert not env_file.exists()
    env_file.write_text(dead_text)
    process = _start(env_file)
    try:
        assert _wait_for(env_file, process) != dead_text  # this mock's own port
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)


def test_a_symlink_planted_at_file_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("theirs\n")
    env_file = tmp_path / "mock.env"
    env_file.symlink_to(victim)
    process = _start(env_file)
    try:
        text = _wait_for(env_file, process)
        assert not env_file.is_symlink() and "CLOB_SECRET=" in text
        assert env_file.stat().st_mode & 0o777 == 0o600 and env_file.stat().st_uid == os.getuid()
        assert victim.read_text() == "theirs\n"
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["victim.txt"]


def test_the_old_predictable_temporary_name_is_not_used(tmp_path: Path) -> None:
    """The attack on the old `.FILE.<pid>.tmp`: a symlink (or a file of another user, mode 666)
    planted at that name before the write. The write neither follows nor reuses it."""
    victim = tmp_path / "victim.txt"
    victim.write_text("theirs\n")
    env_file = tmp_path / "mock.env"
    planted = tmp_path / f".mock.env.{os.getpid()}.tmp"
    planted.symlink_to(victim)
    write_env_file(env_file, "CLOB_SECRET=s\n")
    assert victim.read_text() == "theirs\n" and planted.is_symlink()
    assert env_file.read_text() == "CLOB_SECRET=s\n" and env_file.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["victim.txt", planted.name, "mock.env"]
    )


def test_only_the_file_this_mock_wrote_is_removed(tmp_path: Path) -> None:
    env_file = tmp_path / "mock.env"
    ours = write_env_file(env_file, "A=1\n")
    env_file.unlink()
    env_file.write_text("A=2\n")  # another mock's, written since
    remove_env_file(env_file, ours, "A=1\n")
    assert env_file.read_text() == "A=2\n"
    remove_env_file(env_file, write_env_file(env_file, "A=3\n"), "A=3\n")
    assert not env_file.exists()
