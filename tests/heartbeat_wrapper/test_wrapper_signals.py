"""The bot never outlives the wrapper, nor runs on frozen: SIGKILL of the wrapper takes the whole
group with it (PR_SET_PDEATHSIG for the command, the watchdog for a launcher's children);
SIGQUIT, SIGUSR1/2 and SIGTSTP no longer end or suspend the wrapper alone; a suspended bot is
stopped, not heartbeated forever."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from .conftest import eventually, pid_in, running, start

LAUNCHER = "sleep 300 & echo $! > {pids}; echo $$ >> {pids}; wait"


def test_sigkill_of_the_wrapper_kills_the_bot_and_its_launcher(
    clob: Any, tmp_path: Path, reaper: list[int]
) -> None:
    pids = tmp_path / "pids"
    run = start(clob.url, "--", "sh", "-c", LAUNCHER.format(pids=pids))
    reaper.append(run.pid)
    eventually(lambda: pids.exists() and len(pids.read_text().split()) == 2, "pids written")
    bot, launcher = (int(p) for p in pids.read_text().split())
    reaper.extend([bot, launcher])
    run.kill()
    run.communicate(timeout=30)
    eventually(lambda: not running(launcher), "the launcher (pdeathsig) dead", within=10)
    eventually(lambda: not running(bot), "the launcher's bot (watchdog) dead", within=10)


@pytest.mark.parametrize("signame", ["SIGQUIT", "SIGUSR1", "SIGUSR2"])
def test_a_signal_that_used_to_end_the_wrapper_alone_reaches_the_bot(
    clob: Any, tmp_path: Path, reaper: list[int], signame: str
) -> None:
    number = signal.Signals[signame]
    pids = tmp_path / "pids"
    run = start(clob.url, "--", "sh", "-c", f"echo $$ > {pids}; exec sleep 300")
    reaper.append(run.pid)
    bot = pid_in(pids)
    reaper.append(bot)
    run.send_signal(number)
    _, err = run.communicate(timeout=30)
    assert run.returncode == 128 + number, err  # the bot died of it: the wrapper waited for it
    assert not running(bot)


def test_sigtstp_stops_the_bot_instead_of_suspending_the_heartbeats(
    clob: Any, tmp_path: Path, reaper: list[int]
) -> None:
    pids = tmp_path / "pids"
    run = start(clob.url, "--", "sh", "-c", f"echo $$ > {pids}; exec sleep 300")
    reaper.append(run.pid)
    bot = pid_in(pids)
    reaper.append(bot)
    run.send_signal(signal.SIGTSTP)
    _, err = run.communicate(timeout=30)
    assert run.returncode == 128 + signal.SIGTERM, err
    assert not running(bot)
    assert "stopping sh (SIGTSTP" in err


def test_a_suspended_bot_is_stopped_not_heartbeated_forever(
    clob: Any, tmp_path: Path, reaper: list[int]
) -> None:
    pids = tmp_path / "pids"
    run = start(clob.url, "--", "sh", "-c", f"echo $$ > {pids}; exec sleep 300")
    reaper.append(run.pid)
    bot = pid_in(pids)
    reaper.append(bot)
    os.kill(bot, signal.SIGSTOP)
    _, err = run.communicate(timeout=30)
    assert run.returncode == 128 + signal.SIGTERM, err
    assert "suspended by SIGSTOP: a frozen bot is not kept armed" in err
    assert not running(bot)
