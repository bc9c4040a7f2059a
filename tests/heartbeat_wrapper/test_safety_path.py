"""Nothing on the way from a lapse to a stopped bot can block or fail: stderr may be a closed
pipe or one nobody reads; the lapse is read from the clock even while a send hangs on a server
that trickles its answer; each failure is said once, and the last line says what happened."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import SERVER_DEADLINE, eventually, pid_in, running, start
from .servers import TricklingServer

BOT = "echo $$ > {pids}; exec sleep 300"
GRACE = "1"


def fail_heartbeats(clob: Any) -> None:
    clob.set_faults({"operations": ["send_heartbeat"], "status": 500})


def test_a_closed_stderr_does_not_keep_the_bot_running_after_a_lapse(
    clob: Any, tmp_path: Path, reaper: list[int]
) -> None:
    pids = tmp_path / "pids"
    run = start(clob.url, "--grace", GRACE, "--", "sh", "-c", BOT.format(pids=pids))
    reaper.append(run.pid)
    assert run.stderr is not None
    run.stderr.close()  # as `2>&1 | head -1` once head has its line
    bot = pid_in(pids)
    reaper.append(bot)
    fail_heartbeats(clob)
    run.wait(timeout=30)
    assert run.returncode == 3
    assert not running(bot)


def test_a_stderr_nobody_reads_does_not_hide_the_lapse(
    clob: Any, tmp_path: Path, reaper: list[int]
) -> None:
    pids = tmp_path / "pids"
    fills_the_pipe = f"echo $$ > {pids}; head -c 300000 /dev/zero >&2 & exec sleep 300"
    run = start(clob.url, "--grace", GRACE, "--", "sh", "-c", fills_the_pipe)
    reaper.append(run.pid)
    bot = pid_in(pids)
    reaper.append(bot)
    time.sleep(0.5)  # the pipe is full: every write to it blocks
    fail_heartbeats(clob)
    failed_at = time.monotonic()
    try:
        run.wait(timeout=30)
    finally:
        assert run.stderr is not None
        run.stderr.close()
    assert run.returncode == 3
    assert not running(bot)
    # the lapse at the deadline, the grace period, the final lines' bounded wait
    assert time.monotonic() - failed_at < SERVER_DEADLINE + 1 + 2 + 10


def test_each_failure_is_said_once_and_the_last_line_says_the_server_canceled(
    clob: Any, tmp_path: Path, reaper: list[int]
) -> None:
    pids = tmp_path / "pids"
    run = start(clob.url, "--grace", GRACE, "--", "sh", "-c", BOT.format(pids=pids))
    reaper.append(run.pid)
    reaper.append(pid_in(pids))
    fail_heartbeats(clob)
    _, err = run.communicate(timeout=30)
    assert run.returncode == 3, err
    lines = err.splitlines()
    assert all(line.startswith("clob-cancel: ") for line in lines), err  # no library log copy
    assert any("heartbeat failed" in line for line in lines)
    assert sum("DEAD-MAN'S SWITCH LAPSED" in line for line in lines) == 1
    last = lines[-1]
    assert "sh ended by SIGTERM" in last and "the switch lapsed" in last and "exit 3" in last
    assert "canceled, or is canceling" in last and "within" not in last  # not "will cancel"
    eventually(lambda: states(clob) == {"canceled"}, "the server canceled")


def states(clob: Any) -> set[str]:
    from .conftest import states as of

    return of(clob)


@pytest.fixture
def trickling() -> Iterator[TricklingServer]:
    server = TricklingServer()
    yield server
    server.close()


def test_a_server_trickling_its_answer_lapses_at_the_deadline(
    trickling: TricklingServer, tmp_path: Path, reaper: list[int]
) -> None:
    pids = tmp_path / "pids"
    run = start(trickling.url, "--grace", GRACE, "--", "sh", "-c", BOT.format(pids=pids))
    reaper.append(run.pid)
    bot = pid_in(pids)  # started: the first heartbeat was accepted
    reaper.append(bot)
    started = time.monotonic()
    _, err = run.communicate(timeout=60)
    assert run.returncode == 3, err
    assert not running(bot)
    # the deadline counts from the first send, before the bot started; then the grace period
    assert time.monotonic() - started < SERVER_DEADLINE + float(GRACE) + 6, err
    assert "DEAD-MAN'S SWITCH LAPSED" in err
