"""`clob-cancel heartbeat` against the real mock CLOB (its heartbeat deadline cut to 3 s), run as
the operator runs it: a separate process, real signals, a real wrapped command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

mock = pytest.importorskip("clob_cancel_mock")
ACCOUNT = mock.DEFAULT_ACCOUNT
TIMEOUT = 3.0  # the mock's heartbeat deadline
CLI = Path(sys.executable).parent / "clob-cancel"
IDS = [f"0xhb{n}" for n in range(3)]


@pytest.fixture(scope="module")
def server() -> Iterator[object]:
    with mock.MockServer(heartbeat_timeout=TIMEOUT) as running:
        yield running


@pytest.fixture
def clob(server: object) -> object:
    server.reset()  # type: ignore[attr-defined]
    server.add_orders([{"id": i, "owner": ACCOUNT.api_key} for i in IDS])  # type: ignore[attr-defined]
    return server


def env(clob: object, url: str | None = None) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("CLOB_") and k != "PK"}
    values.update(ACCOUNT.client_env(url or clob.url))  # type: ignore[attr-defined]
    return values


def states(clob: object) -> set[str]:
    return {o["state"] for o in clob.orders() if o["id"] in IDS}  # type: ignore[attr-defined]


def start(clob: object, *argv: str, url: str | None = None) -> subprocess.Popen[str]:
    command = [str(CLI), "heartbeat", "--interval", "1", "--deadline", str(TIMEOUT), *argv]
    return subprocess.Popen(
        command, env=env(clob, url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_wrapped_command_keeps_orders_alive_then_the_server_cancels_after_the_deadline(
    clob: object,
) -> None:
    began = time.monotonic()
    run = start(clob, "--", "sleep", "6")
    time.sleep(5.5)  # well past the 3 s deadline: only the heartbeats keep the orders
    assert states(clob) == {"live"}
    _, err = run.communicate(timeout=30)
    ended = time.monotonic()
    assert run.returncode == 0, err
    assert ended - began >= 6
    assert states(clob) == {"live"}  # not at once: the server's deadline runs from the last one
    while states(clob) != {"canceled"}:
        assert time.monotonic() - ended < TIMEOUT + 2, "the server never canceled"
        time.sleep(0.1)
    assert time.monotonic() - ended >= TIMEOUT - 1.5  # canceled by the deadline, ~3 s after
    assert "armed" in err and "heartbeats stopped" in err


def test_the_wrapped_commands_exit_code_is_the_exit_code(clob: object) -> None:
    run = start(clob, "--", "sh", "-c", "exit 7")
    run.communicate(timeout=30)
    assert run.returncode == 7


def test_an_unreachable_clob_never_starts_the_command(clob: object, tmp_path: Path) -> None:
    marker = tmp_path / "started"
    run = start(clob, "--retries", "0", "--", "touch", str(marker), url="http://127.0.0.1:9")
    _, err = run.communicate(timeout=30)
    assert run.returncode == 3
    assert not marker.exists()
    assert "nothing is armed" in err and "touch not started" in err


def armed(clob: object) -> None:
    """Wait until the wrapper's first heartbeat armed the key (its signal handlers are set)."""
    began = time.monotonic()
    while not clob.heartbeats().get(ACCOUNT.api_key, {}).get("armed"):  # type: ignore[attr-defined]
        assert time.monotonic() - began < 30, "never armed"
        time.sleep(0.05)


def test_signals_are_passed_on_to_the_command(clob: object) -> None:
    run = start(clob, "--", "sleep", "30")
    armed(clob)
    run.send_signal(signal.SIGTERM)
    run.communicate(timeout=30)
    assert run.returncode == 128 + signal.SIGTERM  # sleep died of the SIGTERM passed on


def test_alone_until_sigint_then_cancel_on_exit_cancels_at_once(clob: object) -> None:
    run = start(clob, "--cancel-on-exit")
    armed(clob)
    assert states(clob) == {"live"}
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=30)
    assert run.returncode == 0, err
    assert states(clob) == {"canceled"}  # at once, not after the deadline
    assert "canceled all: 3 orders" in err


def test_a_lapse_is_said_and_stops_the_command(clob: object) -> None:
    run = start(clob, "--", "sleep", "30")
    armed(clob)
    clob.set_faults({"operations": ["send_heartbeat"], "status": 500})  # type: ignore[attr-defined]
    _, err = run.communicate(timeout=30)
    assert run.returncode == 3
    assert err.count("heartbeat failed") >= 2
    assert "DEAD-MAN'S SWITCH LAPSED" in err and "stopping sleep" in err
