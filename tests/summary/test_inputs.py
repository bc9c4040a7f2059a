"""What a panicking operator types: ids checked before anything is sent (the file and line
named), files read as they are meant, near-miss names and commands answered with what was
meant, and one credential rule for the three commands."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from clob_cancel.cli import main
from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

from .servers import live_orders, order_ids

IDS = order_ids(3, "inputs")
MARKET = "0x" + "ab" * 32


@pytest.fixture
def clob(monkeypatch: pytest.MonkeyPatch) -> Iterator[MockServer]:
    orders = [{**o, "market": MARKET} for o in live_orders(IDS)]
    with MockServer(orders=orders) as server:
        for name in ("PK", "CLOB_CANCEL_ALLOW_ODD_IDS"):
            monkeypatch.delenv(name, raising=False)
        for name, value in DEFAULT_ACCOUNT.client_env(server.url).items():
            monkeypatch.setenv(name, value)
        yield server


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def live(server: MockServer) -> set[str]:
    return {o["id"] for o in server.orders() if o["state"] == "live"}


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("orders", f"{IDS[0]}, {IDS[1]}"), "several values in one"),
        (("orders", f"{IDS[0]},{IDS[1]}"), "several values in one"),
        (("orders", f'"{IDS[0]}"'), "remove the quotes"),
        (("orders", f" {IDS[0]}"), "remove the quotes or spaces"),
        (("order", IDS[0][:-1]), "63 hex digits, not 64"),
        (("order", IDS[0][2:]), "the 0x is missing"),
        (("market", "--market", "0xmarket"), "--market: '0xmarket' is not a market id"),
        (("market", "--asset-id", "0x12"), "--asset-id: '0x12' is not an asset id"),
    ],
)
def test_a_mistyped_id_is_refused_before_anything_is_sent(
    clob: MockServer, argv: tuple[str, ...], said: str
) -> None:
    code, out, err = run(*argv)
    assert code == 2, out + err
    assert said in err and "--allow-odd-ids" in err
    assert live(clob) == set(IDS)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (f"{IDS[0]}\n{IDS[1]}, {IDS[2]}\n", "line 2: "),
        (f"order_ids\n{IDS[0]}\n", "line 1: 'order_ids' is not an order id"),
        ('{"ids": ["' + IDS[0] + '"]}', "a JSON object"),
        (f'["{IDS[0]}", "0xa"]', "item 1: '0xa'"),
        ("", "empty, no order ids"),
        ("\n# nothing here\n", "only comments and blank lines"),
        ("[]", "an empty JSON array"),
        ("name,id\n", "a CSV header and no rows"),
    ],
)
def test_a_bad_file_is_refused_naming_it_and_the_line(
    clob: MockServer, tmp_path: Path, text: str, said: str
) -> None:
    path = tmp_path / "ids.txt"
    path.write_text(text)
    code, _, err = run("orders", "--file", str(path))
    assert code == 2, err
    assert f"--file {path}" in err and said in err
    assert live(clob) == set(IDS)


def test_comments_a_bom_and_a_csv_id_column_are_read_on_purpose(
    clob: MockServer, tmp_path: Path
) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(f'\ufeff# from the blotter\nmarket,id,size\nX,{IDS[0]},1\n"Y, Z",{IDS[1]},2\n')
    assert run("orders", "--file", str(path))[0] == 0
    listed = tmp_path / "ids.txt"
    listed.write_text(f"\ufeff{IDS[2]}\n# done\n")
    code, out, _ = run("orders", "--file", str(listed))
    assert (code, out) == (0, "canceled 1 of 1 orders\n")
    assert not live(clob)


def test_odd_ids_go_as_given_when_allowed(clob: MockServer) -> None:
    code, out, _ = run("orders", "--allow-odd-ids", "0xa1")
    assert code == 1 and "0xa1: Order not found" in out


def test_a_market_cancel_that_matched_nothing_says_so(clob: MockServer) -> None:
    other = "0x" + "cd" * 32
    code, out, _ = run("market", "--market", other)
    assert code == 1
    assert "matched no order" in out
    assert run("market", "--market", MARKET)[:2] == (0, "canceled 3 orders\n")


@pytest.mark.parametrize("alias", ["cancel-all", "cancel"])
def test_the_endpoints_names_are_commands_too(clob: MockServer, alias: str) -> None:
    argv = ("cancel-all",) if alias == "cancel-all" else ("cancel", IDS[0])
    code, out, _ = run(*argv)
    assert code == 0 and out.startswith("canceled")


def test_near_miss_variables_are_named_with_env_file(
    clob: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("CLOB_API_KEY", "CLOB_PASS_PHRASE", "CLOB_ADDRESS"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("POLY_API_KEY", DEFAULT_ACCOUNT.api_key)
    monkeypatch.setenv("CLOB_PASSPHRASE", DEFAULT_ACCOUNT.passphrase)
    monkeypatch.setenv("POLYMARKET_PRIVATE_KEY", "0x" + "11" * 32)
    code, _, err = run("all")
    assert code == 2
    assert "CLOB_API_KEY (POLY_API_KEY is set: did you mean CLOB_API_KEY?)" in err
    assert "CLOB_PASS_PHRASE (CLOB_PASSPHRASE is set: did you mean CLOB_PASS_PHRASE?)" in err
    assert "(POLYMARKET_PRIVATE_KEY is set: did you mean PK?)" in err
    assert "--env-file" in err
    assert DEFAULT_ACCOUNT.passphrase not in err and "11" * 32 not in err
    assert live(clob) == set(IDS)


def test_a_url_with_a_password_is_refused_without_showing_it(clob: MockServer) -> None:
    url = clob.url.replace("http://", "http://trader:hunter2@")
    code, _, err = run("--url", url, "all")
    assert code == 2 and "user name or password" in err
    assert "hunter2" not in err and "***@" in err


def _console(command: str, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    path = {"PATH": str(Path(sys.executable).parent)}
    return subprocess.run(
        [command, *argv], env={**env, **path}, capture_output=True, text=True, timeout=120
    )


def test_one_credential_rule_for_the_three_commands(clob: MockServer, tmp_path: Path) -> None:
    """A passphrase from a secret file (one trailing newline) is taken by all three; a missing
    one is named by its variable, never as ``api_passphrase``."""
    env = {**DEFAULT_ACCOUNT.client_env(clob.url)}
    env["CLOB_PASS_PHRASE"] += "\n"
    assert _console("clob-cancel", env, "all").returncode == 0
    mock_env = tmp_path / "mock.env"
    mock = subprocess.Popen(
        ["clob-cancel-mock", "--port", "0", "--write-env", str(mock_env)],
        env={**{k: v for k, v in env.items() if k != "CLOB_API_URL"},
             "PATH": str(Path(sys.executable).parent)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for _ in range(300):
            if mock_env.exists() and mock_env.stat().st_size:
                break
            assert mock.poll() is None, mock.communicate()[1]
            subprocess.run(["sleep", "0.1"], check=True)
        assert "CLOB_PASS_PHRASE=" + DEFAULT_ACCOUNT.passphrase + "\n" in mock_env.read_text()
    finally:
        mock.terminate()
        mock.wait(30)
    broken = {k: v for k, v in env.items() if k != "CLOB_PASS_PHRASE"}
    broken["CLOB_PASSPHRASE"] = DEFAULT_ACCOUNT.passphrase
    for command in ("clob-cancel-mock", "clob-cancel-conformance"):
        argv = ("--port", "0") if command == "clob-cancel-mock" else ()
        failed = _console(command, broken, *argv)
        assert failed.returncode != 0
        said = failed.stdout + failed.stderr
        assert "CLOB_PASS_PHRASE (CLOB_PASSPHRASE is set" in said, said
        assert "api_passphrase" not in said and DEFAULT_ACCOUNT.passphrase not in said
