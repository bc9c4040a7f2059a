"""Ctrl-C / SIGTERM during a fleet cancel: a real `clob-cancel --accounts` process and real
signals against one mock serving four accounts, two of them held in a long Retry-After wait.
Every account's accounting is printed (--json too), exit 130/143 as for one account; an
AsyncCancelFleet cancelled gives every account's accounting the same way."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from clob_cancel.accounts import AccountEnv
from clob_cancel.aio import AsyncCancelClient
from clob_cancel.cli.fleet import COUNTED
from clob_cancel.errors import CancelInterrupted
from clob_cancel.fleet import AsyncCancelFleet, CancelFleet, fleet_interruption_of
from clob_cancel_mock import MockServer
from clob_cancel_mock.accounts import generated_accounts
from clob_cancel_mock.orders import generated_orders

from ..held import fifo_opened_by, pipe_filled_by
from .conftest import NAMES, Desk, write_accounts_file

CLOB_CANCEL = str(Path(sys.executable).parent / "clob-cancel")
HELD = ["account-2", "account-3"]  # answered 429 with a long Retry-After: waiting when signalled
PATIENCE = 30.0


def hold(desk: Desk) -> None:
    keys = [desk.accounts[name].api_key for name in HELD]
    desk.server.set_faults({"status": 429, "retry_after": 8, "api_keys": keys})


def ids_file(desk: Desk, tmp_path: Path) -> Path:
    path = tmp_path / "ids.json"
    path.write_text(json.dumps(desk.order_ids))
    return path


def start(*argv: str) -> subprocess.Popen[str]:
    """``clob-cancel ARGV`` as a process, none of this one's CLOB_ variables given to it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOB_") and k != "PK"}
    return subprocess.Popen(
        [CLOB_CANCEL, *argv],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def interrupted_run(desk: Desk, tmp_path: Path, number: int, *argv: str) -> tuple[int, str, str]:
    """The fleet cancel as a process, signalled once the free accounts are done."""
    accounts = desk.accounts_file(tmp_path)
    ids = ids_file(desk, tmp_path)
    process = start("orders", "--accounts", str(accounts), "--file", str(ids), *argv)
    began = time.monotonic()
    while desk.live("account-1") or desk.live("account-4"):
        if time.monotonic() - began > PATIENCE or process.poll() is not None:
            process.kill()
            raise AssertionError(f"the free accounts were not canceled: {process.communicate()}")
        time.sleep(0.05)
    time.sleep(0.5)  # the held accounts are in their Retry-After wait by now
    sent = time.monotonic()
    code, out, err = signalled(process, number)
    assert time.monotonic() - sent < 5, "the interrupt waited for the Retry-After"
    return code, out, err


def accounted(record: dict[str, Any], ids: list[str]) -> None:
    """Every id in exactly one of the four lists."""
    lists = [
        record["canceled"],
        list(record["not_canceled"]),
        record["unknown"],
        record["untouched"],
    ]
    assert sorted(i for part in lists for i in part) == sorted(ids)


def assert_free_canceled_held_untouched(desk: Desk, results: Mapping[str, Any]) -> None:
    """The accounts the server answered canceled all their ids; the held ones, none sent."""
    for name in ("account-1", "account-4"):
        result = results[name]
        assert not isinstance(result, Exception)
        assert sorted(result.canceled) == sorted(desk.order_ids[name])
    for name in HELD:
        result = results[name]
        assert isinstance(result, CancelInterrupted)
        assert sorted(result.untouched_ids) == sorted(desk.order_ids[name])


def test_sigint_json_accounts_for_every_account(desk: Desk, tmp_path: Path) -> None:
    hold(desk)
    code, out, err = interrupted_run(desk, tmp_path, signal.SIGINT, "--json")
    assert code == 130, err
    report = json.loads(out)
    assert report["interrupted"] == "SIGINT" and report["exit_code"] == 130
    assert list(report["accounts"]) == NAMES
    for name in NAMES:
        accounted(report["accounts"][name], desk.order_ids[name])
    for name in ("account-1", "account-4"):
        assert sorted(report["accounts"][name]["canceled"]) == sorted(desk.order_ids[name])
    for name in HELD:
        assert report["accounts"][name]["interrupted"] is True
        assert sorted(report["accounts"][name]["untouched"]) == sorted(desk.order_ids[name])
        assert desk.live(name) == set(desk.order_ids[name])
    assert report["totals"]["untouched"] == sum(len(desk.order_ids[n]) for n in HELD)
    assert "interrupted (SIGINT): every account's cancel stopped" in err
    assert all(a.secret not in out + err for a in desk.accounts.values())


def test_sigterm_prints_the_summary_of_every_account(desk: Desk, tmp_path: Path) -> None:
    hold(desk)
    code, out, err = interrupted_run(desk, tmp_path, signal.SIGTERM)
    assert code == 143, err
    for name in NAMES:
        assert f"\n{name} " in f"\n{out}"
    assert out.count("interrupted") >= len(HELD)
    for name in HELD:
        assert f"{name}: certainly not canceled: {len(desk.order_ids[name])} orders" in out


def test_async_fleet_cancelled_gives_every_accounts_accounting(desk: Desk) -> None:
    hold(desk)

    async def scenario() -> Any:
        clients = {
            name: AsyncCancelClient(desk.server.url, a.creds, a.address)
            for name, a in desk.accounts.items()
        }
        async with AsyncCancelFleet(clients) as fleet:
            task = asyncio.ensure_future(fleet.cancel_orders(desk.order_ids))
            began = time.monotonic()
            while desk.live("account-1") or desk.live("account-4"):
                assert time.monotonic() - began < PATIENCE
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError) as caught:
                await task
            return caught.value

    cancelled = asyncio.run(scenario())
    found = fleet_interruption_of(cancelled)
    assert found is not None
    assert list(found.results) == NAMES
    assert_free_canceled_held_untouched(desk, found.results)


@pytest.mark.usefixtures("sigint_raises")
def test_sync_fleet_interrupted_gives_every_accounts_accounting(desk: Desk) -> None:
    """A real SIGINT to this process while CancelFleet waits: the KeyboardInterrupt carries
    every account's accounting, the held accounts' Retry-After waits cut short."""
    hold(desk)

    def interrupt_once_the_free_accounts_are_done() -> None:
        began = time.monotonic()
        while desk.live("account-1") or desk.live("account-4"):
            if time.monotonic() - began > PATIENCE:
                return  # the assertions below say what went wrong
            time.sleep(0.05)
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGINT)

    with CancelFleet.from_accounts(
        AccountEnv(name, a.client_env(desk.server.url)) for name, a in desk.accounts.items()
    ) as fleet:
        watcher = threading.Thread(target=interrupt_once_the_free_accounts_are_done)
        watcher.start()
        began = time.monotonic()
        with pytest.raises(KeyboardInterrupt) as caught:
            fleet.cancel_orders(desk.order_ids)
        assert time.monotonic() - began < 8, "the interrupt waited for the Retry-After"
        watcher.join()
    found = fleet_interruption_of(caught.value)
    assert found is not None and list(found.results) == NAMES
    assert_free_canceled_held_untouched(desk, found.results)


def signalled(process: subprocess.Popen[str], number: int) -> tuple[int, str, str]:
    """Send ``number`` to the process and wait for its end (killed if it hangs)."""
    try:
        process.send_signal(number)
        out, err = process.communicate(timeout=PATIENCE)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return process.returncode, out, err


def interrupted_reading(fifo: Path, number: int, *argv: str) -> tuple[int, dict[str, Any], str]:
    """``clob-cancel ARGV --json``, signalled while it waits reading ``fifo``."""
    os.mkfifo(fifo, 0o600)
    process = start(*argv, "--json")
    writer = fifo_opened_by(process, fifo)
    try:
        code, out, err = signalled(process, number)
    finally:
        os.close(writer)
    return code, json.loads(out), err


def assert_nothing_sent(desk: Desk) -> None:
    for name in NAMES:
        assert desk.live(name) == set(desk.order_ids[name])


def test_sigterm_while_reading_the_accounts_file_prints_a_report_of_no_account(
    desk: Desk, tmp_path: Path
) -> None:
    """Nothing is known of the accounts: the report names none (none guessed), and says so."""
    fifo = tmp_path / "desk.toml"
    code, report, err = interrupted_reading(
        fifo,
        signal.SIGTERM,
        "orders",
        "--accounts",
        str(fifo),
        "--file",
        str(ids_file(desk, tmp_path)),
    )
    assert code == 143, err
    assert report["interrupted"] == "SIGTERM" and report["exit_code"] == 143
    assert report["accounts"] == {}
    assert report["totals"] == dict.fromkeys([*COUNTED, "accounts", "failed"], 0)
    assert "interrupted (SIGTERM) before anything was sent" in err
    assert_nothing_sent(desk)


def test_sigint_while_reading_the_ids_lists_each_account_with_nothing_sent(
    desk: Desk, tmp_path: Path
) -> None:
    """The accounts are known, their ids not yet: each account, every list empty."""
    fifo = tmp_path / "ids"
    accounts = desk.accounts_file(tmp_path)
    code, report, err = interrupted_reading(
        fifo, signal.SIGINT, "orders", "--accounts", str(accounts), "--file", str(fifo)
    )
    assert code == 130, err
    assert report["interrupted"] == "SIGINT" and report["exit_code"] == 130
    assert list(report["accounts"]) == NAMES
    for record in report["accounts"].values():
        accounted(record, [])
        assert record["interrupted"] is True and record["error"].endswith(
            "interrupted (SIGINT) before anything was sent"
        )
    assert report["totals"]["accounts"] == len(NAMES) and report["totals"]["untouched"] == 0
    assert_nothing_sent(desk)


@pytest.mark.parametrize("json_output", [True, False])
def test_sigint_after_the_ids_were_read_reports_every_one_untouched(
    desk: Desk, tmp_path: Path, json_output: bool
) -> None:
    """Held after the ids were read, before any client was made: its stderr pipe left unread,
    the line naming the selected accounts without ids (2000 long names: 124 KB, a pipe holds
    64 KiB) fills it, and the process waits in write() until the interrupt. Every id read is
    untouched, in its account."""
    idle = [f"idle-{n:04d}-{'x' * 50}" for n in range(2000)]
    accounts = desk.accounts_file(tmp_path)
    accounts.write_text(accounts.read_text() + "".join(f"\n[{name}]\n" for name in idle))
    ids = ids_file(desk, tmp_path)
    argv = ["orders", "--accounts", str(accounts), "--file", str(ids)]
    process = start(*argv, *(["--json"] if json_output else []))
    pipe_filled_by(process, process.stderr)
    code, out, err = signalled(process, signal.SIGINT)
    assert code == 130, err[-2000:]
    assert_nothing_sent(desk)
    total = sum(len(desk.order_ids[name]) for name in NAMES)
    assert f"interrupted (SIGINT) before anything was sent: {total} orders certainly not" in err
    if not json_output:
        assert out == ""
        return
    report = json.loads(out)
    assert report["interrupted"] == "SIGINT" and report["exit_code"] == 130
    assert list(report["accounts"]) == NAMES  # the idle accounts had no ids: not part of it
    for name in NAMES:
        accounted(report["accounts"][name], desk.order_ids[name])
        assert report["accounts"][name]["untouched"] == desk.order_ids[name]
    assert report["totals"]["untouched"] == total


def test_sigint_while_the_summary_is_written_reports_no_id_untouched(tmp_path: Path) -> None:
    """Held after every account's cancel ended, writing the --json summary (2000 ids: more
    than a pipe holds) to a stdout left unread: nothing accounts for the interrupt there, and
    it must not say the canceled ids were never sent; it says to check the open orders."""
    accounts = generated_accounts(2)
    orders = [order for a in accounts for order in generated_orders(1000, a.api_key)]
    with MockServer(accounts, orders) as server:
        desk = write_accounts_file(server, dict(zip(NAMES, accounts, strict=False)), tmp_path)
        process = start("all", "--accounts", str(desk), "--json")
        pipe_filled_by(process, process.stdout)
        code, out, err = signalled(process, signal.SIGINT)
        assert not any(o["state"] == "live" for o in server.orders())
    assert code == 130, err
    assert "after every account's cancel ended, before the summary" in err
    assert "before anything was sent" not in err and "stopped" not in err
    assert out.startswith('{"accounts": {"account-1": {"canceled": ["')  # cut short
