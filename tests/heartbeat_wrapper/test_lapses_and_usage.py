"""What the wrapper makes of the server's answers and of its own options: a lapse the server
declared (a mismatch naming "") stops the bot; another wrapper on the key is no alarm; bad
timings are usage errors that arm nothing; a failed --cancel-on-exit has its own exit code."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import armed, eventually, pid_in, running, start, states

BOT = "echo $$ > {pids}; exec sleep 300"


def test_a_lapse_the_server_declared_stops_the_bot(
    clob: Any, tmp_path: Path, reaper: list[int]
) -> None:
    pids = tmp_path / "pids"
    # the wrapper's deadline longer than the server's: only the server's answer can tell
    run = start(clob.url, "--grace", "1", "--", "sh", "-c", BOT.format(pids=pids), deadline=30)
    reaper.append(run.pid)
    bot = pid_in(pids)
    reaper.append(bot)
    clob.set_faults({"operations": ["send_heartbeat"], "status": 500})
    eventually(lambda: states(clob) == {"canceled"}, "the server's lapse")
    clob.set_faults({})
    _, err = run.communicate(timeout=30)
    assert run.returncode == 3, err
    assert not running(bot)
    assert "the server declared the lapse" in err
    assert "the server declared it and canceled every open order" in err.splitlines()[-1]
    assert not armed(clob)  # not re-armed past the lapse


def test_another_process_on_the_key_is_no_alarm(clob: Any, reaper: list[int]) -> None:
    first = start(clob.url, "--", "sleep", "300")
    reaper.append(first.pid)
    eventually(lambda: armed(clob), "armed")
    second = start(clob.url, "--", "sleep", "300", interval=1.7)
    reaper.append(second.pid)
    time.sleep(6)  # several sends each, every one after the other wrapper's
    for run in (first, second):
        run.send_signal(signal.SIGTERM)
    errs = [run.communicate(timeout=30)[1] for run in (first, second)]
    for run, err in zip((first, second), errs, strict=True):
        assert run.returncode == 128 + signal.SIGTERM, err
        assert "heartbeat failed" not in err
        assert "LAPSED" not in err
    assert states(clob) == {"live"}


@pytest.mark.parametrize(
    "timing",
    [
        ("--deadline", "inf"),
        ("--deadline", "nan"),
        ("--interval", "nan"),
        ("--interval", "0.0001"),
        ("--interval", "5", "--deadline", "5"),
        ("--interval", "6", "--deadline", "5"),
        ("--grace", "-1"),
        ("--grace", "inf"),
    ],
)
def test_bad_timings_are_usage_errors_and_arm_nothing(
    clob: Any, tmp_path: Path, timing: tuple[str, ...]
) -> None:
    marker = tmp_path / "started"
    run = start(clob.url, *timing, "--", "touch", str(marker))
    _, err = run.communicate(timeout=30)
    assert run.returncode == 2, err
    assert not marker.exists() and not armed(clob)
    assert "clob-cancel: --" in err


def test_a_failed_cancel_on_exit_has_its_own_exit_code(clob: Any) -> None:
    run = start(clob.url, "--cancel-on-exit", "--retries", "0", "--", "sh", "-c", "sleep 1; exit 7")
    eventually(lambda: armed(clob), "armed")
    clob.set_faults({"operations": ["cancel_all"], "status": 500})
    _, err = run.communicate(timeout=30)
    assert run.returncode == 4, err
    last = err.splitlines()[-1]
    assert "sh exited 7" in last and "cancel-all FAILED" in last and "exit 4" in last


def test_cancel_on_exit_says_the_commands_exit_code(clob: Any) -> None:
    run = start(clob.url, "--cancel-on-exit", "--", "sh", "-c", "sleep 1; exit 7")
    _, err = run.communicate(timeout=30)
    assert run.returncode == 7, err
    assert states(clob) == {"canceled"}
    assert err.splitlines()[-1].endswith("sh exited 7; canceled all: 3 orders; exit 7")
