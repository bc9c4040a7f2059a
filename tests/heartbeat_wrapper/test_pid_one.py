"""`docker stop` on a wrapper that is PID 1 (a new pid namespace, by unshare): the SIGTERM
reaches the launcher's real bot, which shuts down on it, rather than dying by the kernel's
SIGKILL when PID 1 exits."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import env_for, eventually, pid_in, running, wrapper_argv

BOT = """\
import os, signal, sys, time
def on_term(number, frame):
    open(sys.argv[2], "w").write("shut down on SIGTERM")
    sys.exit(0)
signal.signal(signal.SIGTERM, on_term)
open(sys.argv[1], "w").write(os.readlink("/proc/self"))  # the host's /proc: the host's pid
time.sleep(300)
"""


def pid_one_possible() -> bool:
    if shutil.which("unshare") is None:
        return False
    tried = subprocess.run(
        ["unshare", "--pid", "--fork", "--kill-child", "true"], capture_output=True, timeout=30
    )
    return tried.returncode == 0


def test_docker_stop_of_a_wrapper_that_is_pid_one_reaches_the_bot(
    clob: Any, tmp_path: Path, reaper: list[int]
) -> None:
    if not pid_one_possible():
        pytest.skip("no new pid namespace here (unshare --pid not permitted)")
    script, pids, said = tmp_path / "bot.py", tmp_path / "bot.pid", tmp_path / "said"
    script.write_text(BOT)
    launcher = f"python3 {script} {pids} {said} & wait"  # the shell stays: its child is the bot
    wrapper = wrapper_argv("--", "sh", "-c", launcher)
    run = subprocess.Popen(
        ["unshare", "--pid", "--fork", "--kill-child", *wrapper],
        env=env_for(clob.url),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reaper.append(run.pid)
    bot = pid_in(pids)
    reaper.append(bot)
    children = Path(f"/proc/{run.pid}/task/{run.pid}/children").read_text().split()
    assert len(children) == 1
    pid_one = int(children[0])  # the wrapper, PID 1 of its namespace
    reaper.append(pid_one)
    status = Path(f"/proc/{pid_one}/status").read_text().splitlines()
    assert [line.split()[-1] for line in status if line.startswith("NSpid:")] == ["1"]
    os.kill(pid_one, signal.SIGTERM)  # what `docker stop` does
    _, err = run.communicate(timeout=60)
    eventually(lambda: not running(bot), "the bot stopped", within=10)
    assert said.exists() and said.read_text() == "shut down on SIGTERM", err
