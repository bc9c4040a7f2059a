"""Signals reach the whole command, leftovers and escalation: the command runs in its own process
group, a signal to the wrapper goes to the group, what the command leaves behind is stopped when
it exits, and a command that ignores SIGTERM is killed after --grace or at a second signal."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

from .conftest import armed, pid_in, running, start

BOT_IGNORING_SIGTERM = (
    "import os, signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "open(sys.argv[1], 'w').write(str(os.getpid()))\n"
    "time.sleep(300)\n"
)


def test_a_signal_reaches_the_bot_a_launcher_script_started(
    clob: Any, tmp_path: Path, reaper: list[int]
) -> None:
    bot = tmp_path / "bot.pid"
    launcher = f"sleep 300 & echo $! > {bot}; wait"  # the shell stays, as run.sh or poetry run do
    run = start(clob.url, "--", "sh", "-c", launcher)
    reaper.append(run.pid)
    bot_pid = pid_in(bot)
    reaper.append(bot_pid)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=30)
    assert run.returncode == 128 + signal.SIGTERM, err
    assert not running(bot_pid), "the launcher's bot runs on after the wrapper said it stopped"


def test_workers_the_bot_leaves_are_stopped_when_it_exits(
    clob: Any, tmp_path: Path, reaper: list[int]
) -> None:
    worker = tmp_path / "worker.pid"
    run = start(clob.url, "--", "sh", "-c", f"sleep 300 & echo $! > {worker}; sleep 1; exit 0")
    reaper.append(run.pid)
    worker_pid = pid_in(worker)
    reaper.append(worker_pid)
    _, err = run.communicate(timeout=30)
    assert run.returncode == 0, err
    assert not running(worker_pid), "a worker trades on after the heartbeats stopped"
    assert "rest of its process group stopped" in err.splitlines()[-1]


def test_a_bot_ignoring_sigterm_is_killed_after_the_grace_period(
    clob: Any, tmp_path: Path, reaper: list[int]
) -> None:
    bot = tmp_path / "bot.pid"
    script = tmp_path / "stubborn.py"
    script.write_text(BOT_IGNORING_SIGTERM)
    run = start(clob.url, "--grace", "1", "--", "python3", str(script), str(bot))
    reaper.append(run.pid)
    reaper.append(pid_in(bot))
    asked = time.monotonic()
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=30)
    assert run.returncode == 128 + signal.SIGKILL, err
    assert time.monotonic() - asked >= 1  # the grace period first
    assert "still running 1 s after SIGTERM" in err


def test_a_second_signal_kills_at_once(clob: Any, tmp_path: Path, reaper: list[int]) -> None:
    bot = tmp_path / "bot.pid"
    script = tmp_path / "stubborn.py"
    script.write_text(BOT_IGNORING_SIGTERM)
    run = start(clob.url, "--grace", "120", "--", "python3", str(script), str(bot))
    reaper.append(run.pid)
    reaper.append(pid_in(bot))
    run.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=30)  # not the 120 s grace
    assert run.returncode == 128 + signal.SIGKILL, err
    assert "a second stop signal, SIGINT" in err


def test_a_command_that_does_not_exist_arms_nothing(clob: Any, tmp_path: Path) -> None:
    not_executable = tmp_path / "bot.sh"
    not_executable.write_text("#!/bin/sh\nexit 0\n")
    for command in ("no-such-bot-anywhere", str(not_executable)):
        run = start(clob.url, "--", command)
        _, err = run.communicate(timeout=30)
        assert run.returncode == 127, err
        assert "command not found or not executable; nothing armed" in err
        assert not armed(clob)  # the server cancels nothing 10 s later
    assert clob.heartbeats() == {} or not armed(clob)


def test_a_command_that_fails_to_start_after_arming_is_said(clob: Any, tmp_path: Path) -> None:
    bad_interpreter = tmp_path / "bot"
    bad_interpreter.write_text("#!/no/such/interpreter\n")
    bad_interpreter.chmod(0o755)  # found and executable: only exec finds the #! line wrong
    run = start(clob.url, "--", str(bad_interpreter))
    _, err = run.communicate(timeout=30)
    assert run.returncode == 127, err
    assert f"cannot start {bad_interpreter}" in err.splitlines()[-1]
