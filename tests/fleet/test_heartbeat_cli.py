"""`clob-cancel heartbeat --accounts FILE -- CMD` as an operator runs it: a separate process,
one real mock on loopback serving three accounts (its heartbeat deadline cut to 3 s), real
commands and signals. Every account is armed before CMD starts; one account failing to arm
keeps CMD from starting; one account's heartbeats failing is a lapse that stops CMD."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from clob_cancel_mock import Account, MockServer
from clob_cancel_mock.accounts import generated_accounts

from ..heartbeat_wrapper.conftest import CLI, PATIENCE, eventually, pid_in, running
from .conftest import write_accounts_file

NAMES = ["account-1", "account-2", "account-3"]
SERVER_DEADLINE = 3.0  # the mock's heartbeat deadline, seconds


@attrs.frozen
class Desk:
    server: MockServer
    accounts: dict[str, Account]

    def accounts_file(self, directory: Path, passphrases: dict[str, str] | None = None) -> Path:
        return write_accounts_file(self.server, self.accounts, directory, passphrases)

    def armed(self) -> dict[str, bool]:
        beats = self.server.heartbeats()
        return {
            name: bool(beats.get(a.api_key, {}).get("armed")) for name, a in self.accounts.items()
        }


@pytest.fixture(scope="module")
def desk_server() -> Iterator[Desk]:
    accounts = dict(zip(NAMES, generated_accounts(len(NAMES)), strict=True))
    with MockServer(list(accounts.values()), heartbeat_timeout=SERVER_DEADLINE) as server:
        yield Desk(server, accounts)


@pytest.fixture
def desk(desk_server: Desk) -> Desk:
    desk_server.server.reset()
    return desk_server


def wrapper(accounts: Path, *argv: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOB_") and k != "PK"}
    return subprocess.Popen(
        [
            str(CLI),
            "heartbeat",
            "--accounts",
            str(accounts),
            "--interval",
            "1",
            "--deadline",
            f"{SERVER_DEADLINE:g}",
            "--grace",
            "5",
            *argv,
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_every_account_is_armed_before_the_command_and_kept(desk: Desk, tmp_path: Path) -> None:
    seen = tmp_path / "seen"
    # the command runs longer than the deadline: every account kept alive meanwhile
    script = f"sleep {SERVER_DEADLINE * 1.5:g}; echo $$ > {seen}; exit 7"
    wrapped = wrapper(desk.accounts_file(tmp_path), "--", "sh", "-c", script)
    out, err = wrapped.communicate(timeout=PATIENCE)
    assert wrapped.returncode == 7, err
    assert seen.exists()
    assert "dead-man's switch armed on 3 accounts (account-1, account-2, account-3" in err
    assert "sh exited 7" in err
    beats = desk.server.heartbeats()
    assert all(beats[a.api_key]["lapses"] == 0 for a in desk.accounts.values()), beats
    assert all(beats[a.api_key]["armed"] for a in desk.accounts.values()), beats
    assert all(a.secret not in err + out for a in desk.accounts.values())


def test_one_account_failing_to_arm_keeps_the_command_from_starting(
    desk: Desk, tmp_path: Path
) -> None:
    started = tmp_path / "started"
    accounts = desk.accounts_file(tmp_path, passphrases={"account-2": "wrong"})
    wrapped = wrapper(accounts, "--", "sh", "-c", f"touch {started}")
    out, err = wrapped.communicate(timeout=PATIENCE)
    assert wrapped.returncode == 3, err
    assert not started.exists()
    assert "[account-2] the first heartbeat failed, not armed: " in err
    assert "401" in err
    assert "armed, then stopped again: account-1, account-3" in err
    assert "sh not started" in err
    assert desk.accounts["account-1"].passphrase not in err + out
    # the ones armed were stopped: the server lapses them at its deadline
    eventually(
        lambda: not any(desk.armed().values()),
        "the accounts armed, then stopped, lapsed on the server",
    )


def test_a_lapse_on_one_account_stops_the_command_and_names_it(desk: Desk, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    wrapped = wrapper(
        desk.accounts_file(tmp_path), "--", "sh", "-c", f"echo $$ > {pid_file}; exec sleep 600"
    )
    try:
        pid = pid_in(pid_file)
        eventually(lambda: all(desk.armed().values()), "every account armed")
        broken = desk.accounts["account-2"].api_key
        desk.server.set_faults(
            {"operations": ["send_heartbeat"], "status": 503, "api_keys": [broken]}
        )
        _, err = wrapped.communicate(timeout=PATIENCE)
    finally:
        desk.server.set_faults({})
        if wrapped.poll() is None:
            wrapped.kill()
            wrapped.wait()
    assert wrapped.returncode == 3, err
    assert not running(pid)
    assert "[account-2] heartbeat failed: " in err
    assert "[account-2] DEAD-MAN'S SWITCH LAPSED" in err
    assert "stopping sh (the switch lapsed" in err
    assert "the switch lapsed on account-2" in err
    assert "[account-1]" not in err and "[account-3]" not in err
    assert desk.server.heartbeats()[broken]["lapses"] >= 1


def test_a_signal_stops_the_command_and_every_account_is_left_to_lapse(
    desk: Desk, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pid"
    wrapped = wrapper(
        desk.accounts_file(tmp_path),
        "--cancel-on-exit",
        "--",
        "sh",
        "-c",
        f"echo $$ > {pid_file}; exec sleep 600",
    )
    pid = pid_in(pid_file)
    eventually(lambda: all(desk.armed().values()), "every account armed")
    wrapped.send_signal(signal.SIGTERM)
    _, err = wrapped.communicate(timeout=PATIENCE)
    assert wrapped.returncode == 128 + signal.SIGTERM, err
    assert not running(pid)
    assert "canceled all: 0 orders on 3 accounts" in err


def test_dry_run_names_every_account_and_sends_nothing(desk: Desk, tmp_path: Path) -> None:
    wrapped = wrapper(desk.accounts_file(tmp_path), "--dry-run", "--only", "account-1,account-3")
    out, err = wrapped.communicate(timeout=PATIENCE)
    assert wrapped.returncode == 0, err
    assert out.count("dry run: POST ") == 2
    assert "[account-1]" in out and "[account-3]" in out and "account-2" not in out
    assert not any(desk.armed().values())


def test_without_a_command_every_account_is_kept_until_a_signal(desk: Desk, tmp_path: Path) -> None:
    wrapped = wrapper(desk.accounts_file(tmp_path), "--except", "account-3")
    try:
        eventually(
            lambda: desk.armed() == {"account-1": True, "account-2": True, "account-3": False},
            "the two selected accounts armed",
        )
        wrapped.send_signal(signal.SIGINT)
        _, err = wrapped.communicate(timeout=PATIENCE)
    finally:
        if wrapped.poll() is None:
            wrapped.kill()
            wrapped.wait()
    assert wrapped.returncode == 0, err
    assert "stopped by SIGINT" in err
    assert "every open order of each account's API key within 3 s" in err
