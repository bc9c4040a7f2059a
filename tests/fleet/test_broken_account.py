"""One mock, four accounts, one of them broken each way (401, a 429 storm, dropped connections,
503 trading disabled): the other three are canceled in full, and every id of every account is
in exactly one of canceled / not_canceled / unknown / untouched, in the JSON and in the words."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import NAMES, ORDERS_EACH, Desk, run_cli, run_json

BROKEN = "account-3"
NEVER_PLACED = "0x" + "e" * 64
"""An id no account has: each account is asked for it too, so not_canceled is exercised."""

# way: (the broken account's faults, its passphrase in the file, where its ids end, its status)
WAYS: dict[str, tuple[dict[str, Any], str | None, str, int | None]] = {
    "401": ({}, "not-this-accounts-passphrase", "untouched", 401),
    "429 storm": ({"status": 429, "retry_after": 1}, None, "untouched", 429),
    "dropped connections": ({"drop_connection": True}, None, "unknown", None),
    "503 trading disabled": ({"trading_disabled": True}, None, "untouched", 503),
}


def break_one(desk: Desk, tmp_path: Path, way: str) -> Path:
    faults, passphrase, _, _ = WAYS[way]
    if faults:
        desk.server.set_faults({**faults, "api_keys": [desk.accounts[BROKEN].api_key]})
    return desk.accounts_file(tmp_path, {BROKEN: passphrase} if passphrase else None)


@pytest.mark.parametrize("way", WAYS)
def test_orders_by_id_every_id_accounted_for(desk: Desk, tmp_path: Path, way: str) -> None:
    accounts_file = break_one(desk, tmp_path, way)
    requested = {name: [*ids, NEVER_PLACED] for name, ids in desk.order_ids.items()}
    ids_file = tmp_path / "ids.json"
    ids_file.write_text(json.dumps(requested))
    argv = ["orders", "--accounts", str(accounts_file), "--file", str(ids_file), "--retries", "1"]
    code, report, err = run_json(*argv)

    assert code == 3  # the worst account's: a failure
    accounts = report["accounts"]
    assert isinstance(accounts, dict) and list(accounts) == NAMES
    _, _, broken_ids_end, status = WAYS[way]
    for name, record in accounts.items():
        lists = [record["canceled"], list(record["not_canceled"]), record["unknown"]]
        lists.append(record["untouched"])
        every = [order_id for ids in lists for order_id in ids]
        assert sorted(every) == sorted(requested[name]), name  # each id once, none missing
        if name == BROKEN:
            assert record[broken_ids_end] == requested[name]
            assert record["status"] == status and record["exit_code"] == 3
            assert record["error"] and f"[{name}]" in err
            assert desk.live(name) == set(desk.order_ids[name])  # nothing canceled there
        else:
            assert record["canceled"] == desk.order_ids[name]  # canceled in full
            assert list(record["not_canceled"]) == [NEVER_PLACED]
            assert record["error"] is None and record["exit_code"] == 1
            assert desk.live(name) == set()
    assert report["totals"] == {
        "canceled": 3 * ORDERS_EACH,
        "not_canceled": 3,
        "unknown": ORDERS_EACH + 1 if broken_ids_end == "unknown" else 0,
        "untouched": ORDERS_EACH + 1 if broken_ids_end == "untouched" else 0,
        "accounts": 4,
        "failed": 1,
    }
    assert report["exit_code"] == 3


@pytest.mark.parametrize("way", WAYS)
def test_cancel_all_cancels_the_others_and_says_which_failed(
    desk: Desk, tmp_path: Path, way: str
) -> None:
    accounts_file = break_one(desk, tmp_path, way)
    code, out, err = run_cli("all", "--accounts", str(accounts_file), "--retries", "1")

    assert code == 3
    lines = out.splitlines()
    assert lines[0].split() == ["account", "canceled", "not", "canceled", "unknown", "untouched",
                                "result"]  # fmt: skip
    rows = {line.split()[0]: line.split() for line in lines[1:6]}
    assert list(rows) == [*NAMES, "total"]
    for name in NAMES:
        if name == BROKEN:
            assert rows[name][1:5] == ["0", "0", "0", "0"] and rows[name][5] == "failed:"
            assert desk.live(name) == set(desk.order_ids[name])
            assert f"clob-cancel: [{name}] " in err
        else:
            assert rows[name][1:] == [str(ORDERS_EACH), "0", "0", "0", "ok"]
            assert desk.live(name) == set()
    assert rows["total"][1:] == [str(3 * ORDERS_EACH), "0", "0", "0", "4", "accounts,", "1",
                                 "failed"]  # fmt: skip


def test_the_ids_in_words_are_the_ids_in_json(desk: Desk, tmp_path: Path) -> None:
    """The text summary names the broken account's untouched ids, and the not canceled ones."""
    accounts_file = break_one(desk, tmp_path, "503 trading disabled")
    lines = "".join(f"{name} {i}\n" for name, ids in desk.order_ids.items() for i in ids[:2])
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(lines + f"account-1 {NEVER_PLACED}\n")
    code, out, _ = run_cli(
        "orders", "--accounts", str(accounts_file), "--file", str(ids_file), "--retries", "0"
    )
    assert code == 3
    assert f"{BROKEN}: certainly not canceled: 2 orders" in out
    assert ", ".join(desk.order_ids[BROKEN][:2]) in out
    assert f"account-1: not canceled: 1\n  {NEVER_PLACED}: " in out
    assert desk.live("account-1") == set(desk.order_ids["account-1"][2:])
