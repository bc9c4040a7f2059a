"""`clob-cancel doctor --accounts FILE` against one mock serving several accounts: a report per
account and a summary line (or the fleet cancels' JSON shape), the exit code the worst, one
account's refused credentials named, nothing canceled, no secret shown."""

from __future__ import annotations

from pathlib import Path

from .conftest import NAMES, ORDERS_EACH, Desk, run_cli, run_json


def test_every_account_checked_and_the_summary_says_so(desk: Desk, tmp_path: Path) -> None:
    code, out, err = run_cli("doctor", "--accounts", str(desk.accounts_file(tmp_path)))
    assert code == 0, err
    for name in NAMES:
        assert f"clob-cancel doctor: account {name}, {desk.server.url}" in out
    assert out.count("result: ok") == len(NAMES)
    assert out.rstrip().endswith(
        f"doctor: {len(NAMES)} accounts: {len(NAMES)} ok; the kill switch should work on every "
        "account (exit 0)"
    )
    assert all(len(desk.live(name)) == ORDERS_EACH for name in NAMES)  # nothing canceled


def test_one_account_refused_is_the_worst_and_named(desk: Desk, tmp_path: Path) -> None:
    path = desk.accounts_file(tmp_path, passphrases={"account-3": "wrong-passphrase"})
    code, out, err = run_cli("doctor", "--accounts", str(path))
    assert code == 3, err
    assert "THE KILL SWITCH WILL NOT WORK on account-3 (exit 3)" in out
    assert f"{len(NAMES) - 1} ok, 1 failure" in out
    assert "wrong-passphrase" not in out + err
    assert all(a.secret not in out + err for a in desk.accounts.values())


def test_json_has_the_fleet_cancels_shape(desk: Desk, tmp_path: Path) -> None:
    path = desk.accounts_file(tmp_path, passphrases={"account-1": "wrong-passphrase"})
    code, report, _ = run_json("doctor", "--accounts", str(path), "--except", "account-4")
    assert code == 3 and report["exit_code"] == 3
    assert list(report["accounts"]) == NAMES[:3]
    assert report["accounts"]["account-1"]["status"] == "failure"
    assert report["accounts"]["account-1"]["exit_code"] == 3
    assert report["accounts"]["account-2"]["status"] == "ok"
    assert report["accounts"]["account-2"]["exit_code"] == 0
    assert report["accounts"]["account-2"]["url"] == desk.server.url
    assert {c["name"] for c in report["accounts"]["account-2"]["checks"]} >= {"credentials"}
    assert report["totals"] == {"ok": 2, "warning": 0, "failure": 1, "accounts": 3}


def test_dry_run_names_the_reads_of_the_selected_accounts(desk: Desk, tmp_path: Path) -> None:
    path = str(desk.accounts_file(tmp_path))
    code, out, _ = run_cli("doctor", "--accounts", path, "--only", "account-2", "--dry-run")
    assert code == 0
    assert out.startswith("[account-2] dry run: GET /time")
    assert out.count("dry run") == 1
