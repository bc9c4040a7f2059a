"""clob-cancel --accounts: selection, the ids file, refusals before anything is sent, secrets
never shown, the warning about a file others can read; and clob-cancel-mock --accounts N
writing the accounts file a CI job hands to clob-cancel."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import NAMES, ORDERS_EACH, Desk, run_cli, run_json

CLOB_CANCEL = str(Path(sys.executable).parent / "clob-cancel")


def test_only_and_except_select_accounts(desk: Desk, tmp_path: Path) -> None:
    path = str(desk.accounts_file(tmp_path))
    code, report, _ = run_json("all", "--accounts", path, "--only", "account-2,account-4")
    assert code == 0 and list(report["accounts"]) == ["account-2", "account-4"]
    code, report, _ = run_json("all", "--accounts", path, "--except", "account-2")
    assert code == 0 and list(report["accounts"]) == ["account-1", "account-3", "account-4"]
    assert {name for name in NAMES if desk.live(name)} == set()


def test_ids_of_an_account_left_out_are_said_and_not_sent(desk: Desk, tmp_path: Path) -> None:
    ids_file = tmp_path / "ids"
    ids_file.write_text("".join(f"{n} {desk.order_ids[n][0]}\n" for n in NAMES))
    path = str(desk.accounts_file(tmp_path))
    code, report, err = run_json(
        "orders", "--accounts", path, "--file", str(ids_file), "--except", "account-1"
    )
    assert code == 0
    assert "not selected, their ids not sent: account-1 (1 ids)" in err
    assert "no ids in --file" not in err
    assert list(report["accounts"]) == NAMES[1:]
    ids_file.write_text(f"account-2 {desk.order_ids['account-2'][1]}\n")
    code, report, err = run_json("orders", "--accounts", path, "--file", str(ids_file))
    assert code == 0 and list(report["accounts"]) == ["account-2"]
    assert "clob-cancel: no ids in --file for: account-1, account-3, account-4" in err
    assert desk.live("account-1") == set(desk.order_ids["account-1"])
    assert len(desk.live("account-2")) == ORDERS_EACH - 2


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["all", "--only", "account-1"], "--only and --except select accounts of --accounts"),
        (["all", "--accounts", "{f}", "--only", "account-9"], "no account named account-9"),
        (["all", "--accounts", "{f}", "--env-file", "x.env"], "no --env-file/--address"),
        (["orders", "--accounts", "{f}", "0x1"], "give the ids with --file"),
        (["orders", "--accounts", "{f}", "--file", "{ids}"], "no account named ghost"),
        (["market", "--accounts", "{f}"], "market needs --market and/or --asset-id"),
        (["all", "--accounts", "{f}", "--url", "http://10.0.0.1:1"], "account account-1: "),
        (["all", "--accounts", "/nonexistent.toml"], "--accounts: /nonexistent.toml: cannot"),
    ],
)
def test_refusals_exit_2_and_send_nothing(
    desk: Desk, tmp_path: Path, argv: list[str], said: str
) -> None:
    path = desk.accounts_file(tmp_path)
    ids = tmp_path / "ids.json"
    ids.write_text(json.dumps({"ghost": ["0x1"]}))
    code, out, err = run_cli(*(a.format(f=path, ids=ids) for a in argv))
    assert code == 2 and out == ""
    assert said in err
    assert all(desk.live(name) == set(desk.order_ids[name]) for name in NAMES)


def test_no_secret_is_shown_and_a_readable_file_is_warned_about(desk: Desk, tmp_path: Path) -> None:
    path = desk.accounts_file(tmp_path)
    os.chmod(path, 0o644)
    desk.server.set_faults({"status": 429, "api_keys": [desk.accounts["account-1"].api_key]})
    code, out, err = run_cli("all", "--accounts", str(path), "--retries", "1")
    assert code == 3
    assert f"{path} holds API secrets and is accessible to other users (mode 0644)" in err
    assert "clob-cancel: [account-1] HTTP 429 (rate limited)" in err  # the retry, tagged
    for account in desk.accounts.values():
        assert account.secret not in out + err and account.passphrase not in out + err


def test_mock_accounts_n_writes_the_file_clob_cancel_reads(tmp_path: Path) -> None:
    accounts_file = tmp_path / "desk.toml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOB_") and k != "PK"}
    mock = subprocess.Popen(
        [sys.executable, "-m", "clob_cancel_mock", "--port", "0", "--accounts", "3",
         "--orders", "4", "--tier", "Silver", "--write-env", str(accounts_file)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    try:
        assert mock.stdout is not None
        banner = ""
        for line in mock.stdout:
            banner += line
            if line.startswith("orders:"):
                break
        assert f"accounts file: {accounts_file}" in banner and "orders: 12;" in banner
        assert accounts_file.stat().st_mode & 0o777 == 0o600
        done = subprocess.run(
            [CLOB_CANCEL, "all", "--accounts", str(accounts_file), "--json"],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert list(report["accounts"]) == ["account-1", "account-2", "account-3"]
        assert [len(r["canceled"]) for r in report["accounts"].values()] == [4, 4, 4]
        assert "secret" not in banner.split("account:")[2]  # a generated account's: never shown
        mock.send_signal(signal.SIGTERM)
        assert mock.wait(10) == 0
        assert not accounts_file.exists()
    finally:
        if mock.poll() is None:
            mock.kill()
            mock.wait(5)
