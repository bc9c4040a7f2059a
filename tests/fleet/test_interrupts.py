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
from clob_cancel.errors import CancelInterrupted
from clob_cancel.fleet import AsyncCancelFleet, CancelFleet, fleet_interruption_of

from .conftest import NAMES, Desk

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


def interrupted_run(desk: Desk, tmp_path: Path, number: int, *argv: str) -> tuple[int, str, str]:
    """The fleet cancel as a process, signalled once the free accounts are done."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOB_") and k != "PK"}
    accounts = desk.accounts_file(tmp_path)
    process = subprocess.Popen(
        [
            CLOB_CANCEL,
            "orders",
            "--accounts",
            str(accounts),
            "--file",
            str(ids_file(desk, tmp_path)),
            *list(argv),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        began = time.monotonic()
        while desk.live("account-1") or desk.live("account-4"):
            assert time.monotonic() - began < PATIENCE, "the free accounts were not canceled"
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
        time.sleep(0.5)  # the held accounts are in their Retry-After wait by now
        signalled = time.monotonic()
        process.send_signal(number)
        out, err = process.communicate(timeout=PATIENCE)
        assert time.monotonic() - signalled < 5, "the interrupt waited for the Retry-After"
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return process.returncode, out, err


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
