"""`clob-cancel` against the real mock CLOB on loopback: output, exit codes, dry run, files."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from clob_cancel.cli import main

from .in_process import run, use_account

mock = pytest.importorskip("clob_cancel_mock")
ACCOUNT = mock.DEFAULT_ACCOUNT
MARKET, ASSET = "0xmarket-a", "111"

pytestmark = pytest.mark.usefixtures("short_ids_allowed")


@pytest.fixture
def clob(server: object, monkeypatch: pytest.MonkeyPatch) -> object:
    server.reset()  # type: ignore[attr-defined]
    server.add_orders(  # type: ignore[attr-defined]
        [
            {"id": "0xa1", "owner": ACCOUNT.api_key, "market": MARKET, "asset_id": ASSET},
            {"id": "0xa2", "owner": ACCOUNT.api_key, "market": MARKET, "asset_id": "222"},
            {"id": "0xb1", "owner": ACCOUNT.api_key, "market": "0xmarket-b", "asset_id": "333"},
            {"id": "0xm1", "owner": ACCOUNT.api_key, "state": "matched"},
        ]
    )
    use_account(monkeypatch, ACCOUNT, server.url)  # type: ignore[attr-defined]
    return server


def states(clob: object) -> dict[str, str]:
    return {o["id"]: o["state"] for o in clob.orders()}  # type: ignore[attr-defined]


def test_order_then_again(clob: object) -> None:
    assert run("order", "0xa1") == (0, "canceled 1 of 1 orders\n", "")
    code, out, _ = run("order", "0xa1")
    assert code == 1
    assert "not canceled: 1\n  0xa1: Order not found or already canceled" in out


def test_orders_json_and_exit_code(clob: object) -> None:
    code, out, _ = run("orders", "0xa1", "0xm1", "0xa1", "--json")
    answer = json.loads(out)
    assert code == 1
    assert answer["canceled"] == ["0xa1"]
    assert answer["not_canceled"] == {"0xm1": "Order already matched"}


@pytest.mark.parametrize("text", ["0xa1\n\n0xa2\n", '["0xa1", "0xa2"]'])
def test_orders_from_stdin(clob: object, text: str) -> None:
    code, out, _ = run("orders", "--file", "-", stdin=text)
    assert (code, out) == (0, "canceled 2 of 2 orders\n")


def test_orders_from_file(clob: object, tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("0xb1\n", encoding="utf-8")
    assert run("orders", "--file", str(ids))[0] == 0
    assert states(clob)["0xb1"] == "canceled"


def test_market_filters(clob: object) -> None:
    code, out, _ = run("market", "--market", MARKET, "--asset-id", ASSET, "--json")
    assert code == 0
    assert json.loads(out) == {"canceled": ["0xa1"], "not_canceled": {}}
    assert states(clob) == {"0xa1": "canceled", "0xa2": "live", "0xb1": "live", "0xm1": "matched"}


def test_all(clob: object) -> None:
    code, out, _ = run("all")
    assert (code, out) == (0, "canceled 3 orders\n")
    assert set(states(clob).values()) == {"canceled", "matched"}


def test_dry_run_sends_nothing_and_shows_no_secret(clob: object) -> None:
    code, out, _ = run("orders", "0xa1", "0xa2", "--dry-run")
    assert code == 0
    assert f"DELETE {clob.url}/orders" in out  # type: ignore[attr-defined]
    assert '["0xa1","0xa2"]' in out
    assert "poly_signature" in out.lower() and "poly_passphrase" in out.lower()
    for secret in (ACCOUNT.secret, ACCOUNT.passphrase):
        assert secret not in out
    assert states(clob)["0xa1"] == "live"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("market",), "--market and/or --asset-id"),
        (("orders",), "no order ids given"),
        (("orders", "0xa1", "--file", "-"), "not both"),
        (("order", ""), "empty"),
    ],
)
def test_usage_errors_send_nothing(clob: object, argv: tuple[str, ...], message: str) -> None:
    code, _, err = run(*argv)
    assert code == 2
    assert message in err
    assert states(clob)["0xa1"] == "live"


def test_missing_credentials_are_named(clob: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLOB_SECRET")
    monkeypatch.delenv("CLOB_ADDRESS")
    code, _, err = run("all")
    assert code == 2
    assert "CLOB_SECRET" in err and "PK or CLOB_ADDRESS" in err


def test_env_file(clob: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CLOB_SECRET")
    env = tmp_path / "clob.env"
    env.write_text(f"# dev account\nexport CLOB_SECRET='{ACCOUNT.secret}'\n", encoding="utf-8")
    assert run("order", "0xa2", "--env-file", str(env))[0] == 0


def test_wrong_secret_is_a_server_error_without_secret(
    clob: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = "c2VjcmV0LW9mLWFub3RoZXItYWNjb3VudC0wMDAwMDA="
    monkeypatch.setenv("CLOB_SECRET", other)
    code, out, err = run("all", "--retries", "0")
    assert code == 3
    assert "HTTP 401" in err and "no order is known to be canceled" in out
    assert other not in err + out and ACCOUNT.passphrase not in err + out


def test_server_unreachable_exit_3(clob: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOB_API_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    code, _, err = run("order", "0xa1", "--retries", "0", "--timeout", "2")
    assert code == 3 and "cancel_order" in err


def test_time(clob: object) -> None:
    code, out, _ = run("time", "--json")
    assert code == 0
    assert abs(json.loads(out)["offset_seconds"]) < 5


def test_derive_creds(clob: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PK", ACCOUNT.private_key)
    code, out, _ = run("derive-creds", "--json")
    assert code == 0
    assert json.loads(out)["CLOB_API_KEY"] == ACCOUNT.api_key


def test_console_script_starts_without_eth_account(clob: object) -> None:
    """The installed command in a fresh process cancels; the same run never loads eth-account."""
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        [bin_dir / "clob-cancel", "order", "0xa1"], capture_output=True, text=True
    )
    assert (done.returncode, done.stdout) == (0, "canceled 1 of 1 orders\n"), done.stderr
    probe = (
        "import sys; from clob_cancel.cli import main; "
        "code = main(['all']); print('eth_account' in sys.modules, code)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.splitlines()[-1] == "False 0", done.stdout + done.stderr
    helped = subprocess.run([bin_dir / "clob-cancel", "--help"], capture_output=True, text=True)
    assert helped.returncode == 0 and "exit codes" in helped.stdout


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_for_chunked_work(clob: object) -> None:
    ids = [f"0xp{n:05d}" for n in range(1500)]
    out, err = io.StringIO(), Terminal()
    code = main(
        ["orders", "--file", "-"], stdin=io.StringIO("\n".join(ids)), stdout=out, stderr=err
    )
    assert code == 1  # none of these ids exists
    assert (
        err.getvalue() == "\rcanceling: 1000/1500 ids answered\rcanceling: 1500/1500 ids answered\n"
    )
    assert out.getvalue().startswith("canceled 0 of 1500 orders\nnot canceled: 1500\n")


def test_trading_disabled_says_so_and_cancels_nothing(clob: object) -> None:
    clob.set_faults({"trading_disabled": True})  # type: ignore[attr-defined]
    code, out, err = run("all", "--json", "--retries", "0")
    assert code == 3
    report = json.loads(out)
    assert (report["status"], report["restriction"]) == (503, "trading_disabled")
    assert report["canceled"] == [] and report["unknown"] == []
    assert "trading is disabled" in err
    assert states(clob)["0xa1"] == "live"


def test_cancel_only_mode_still_cancels_and_a_restart_is_ridden_out(clob: object) -> None:
    clob.set_faults({"cancel_only": True})  # type: ignore[attr-defined]
    assert run("order", "0xa1")[0] == 0
    clob.set_faults({"restarting": True, "count": 1, "retry_after": 0})  # type: ignore[attr-defined]
    assert run("order", "0xa2") == (
        0,
        "canceled 1 of 1 orders\n",
        "clob-cancel: HTTP 425 (the matching engine is restarting) from DELETE /order; "
        "retry 1 of 4 in 0.0 s\n",
    )
    assert states(clob)["0xa2"] == "canceled"


def test_an_answer_naming_an_id_never_sent_is_not_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    from .broken_clob import InventsAnId

    with mock.MockServer(clob_class=InventsAnId) as broken:
        broken.add_orders([{"id": i, "owner": ACCOUNT.api_key} for i in ("0xa1", "0xa2")])
        use_account(monkeypatch, ACCOUNT, broken.url)
        code, out, err = run("orders", "0xa1", "0xa2", "0xa3")
    assert code == 3  # not "canceled 3 of 3" (or 2 of 3), counting an id never sent
    assert "breaks the contract" in err and "1 ids never requested" in err
    assert "canceled 2 orders" in out and "0xnever-asked" not in out
    assert "not canceled: 1\n  0xa3: Order not found" in out and "outcome unknown" not in out
