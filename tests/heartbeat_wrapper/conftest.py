"""The heartbeat wrapper run as an operator runs it: `clob-cancel heartbeat` as a separate process
against the real mock CLOB on loopback (its heartbeat deadline cut to 3 s), real commands, real
signals. Helpers to watch the processes a command leaves, by the pid files it writes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

mock = pytest.importorskip("clob_cancel_mock")
ACCOUNT = mock.DEFAULT_ACCOUNT
SERVER_DEADLINE = 3.0  # the mock's heartbeat deadline, seconds
CLI = Path(sys.executable).parent / "clob-cancel"
IDS = [f"0xwrap{n}" for n in range(3)]
PATIENCE = 30.0  # seconds a wait for something that must happen may take on a loaded machine


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    with mock.MockServer(heartbeat_timeout=SERVER_DEADLINE) as running:
        yield running


@pytest.fixture
def clob(server: Any) -> Any:
    server.reset()
    server.add_orders([{"id": i, "owner": ACCOUNT.api_key} for i in IDS])
    return server


def env_for(url: str) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("CLOB_") and k != "PK"}
    values.update(ACCOUNT.client_env(url))
    return values


def wrapper_argv(*argv: str, interval: float = 1.0, deadline: float = SERVER_DEADLINE) -> list[str]:
    return [
        str(CLI),
        "heartbeat",
        "--interval",
        f"{interval:g}",
        "--deadline",
        f"{deadline:g}",
        *argv,
    ]


def start(
    url: str, *argv: str, stderr: Any = subprocess.PIPE, **timing: float
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        wrapper_argv(*argv, **timing),
        env=env_for(url),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )


def states(clob: Any) -> set[str]:
    return {o["state"] for o in clob.orders() if o["id"] in IDS}


def armed(clob: Any) -> bool:
    return bool(clob.heartbeats().get(ACCOUNT.api_key, {}).get("armed"))


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie is dead: it only waits to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def eventually(check: Callable[[], bool], what: str, within: float = PATIENCE) -> float:
    """Wait for ``check()``; the seconds it took. Fails saying ``what`` did not happen."""
    began = time.monotonic()
    while not check():
        assert time.monotonic() - began < within, f"{what}: not within {within:g} s"
        time.sleep(0.05)
    return time.monotonic() - began


def pid_in(path: Path) -> int:
    """The pid a command wrote to ``path``, once it has."""
    eventually(lambda: path.exists() and path.read_text().strip() != "", f"{path.name} written")
    return int(path.read_text().split()[0])


@pytest.fixture
def reaper() -> Iterator[list[int]]:
    """Pids a test started indirectly: killed at the end whatever happened, so that a failing
    test leaves no bot behind."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if running(pid):
            os.kill(pid, 9)
