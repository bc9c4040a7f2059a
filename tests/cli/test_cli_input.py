"""`clob-cancel` on bad or dangerous input, against the real mock (issue 15, sections 2, 3 and 5):
no built-in URL (a lost CLOB_API_URL must not reach production), no cleartext http:// beyond
loopback without --insecure-http, a newline-terminated secret neither sent nor printed, and
undecodable files or malformed URLs as one-line usage errors (exit 2, nothing sent)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clob_cancel.cli import main

from .in_process import run, use_account

mock = pytest.importorskip("clob_cancel_mock")
ACCOUNT = mock.DEFAULT_ACCOUNT
pytestmark = pytest.mark.usefixtures("short_ids_allowed")


@pytest.fixture
def clob(server: object, monkeypatch: pytest.MonkeyPatch) -> object:
    server.reset()  # type: ignore[attr-defined]
    server.add_orders(  # type: ignore[attr-defined]
        [{"id": f"0xa{n}", "owner": ACCOUNT.api_key} for n in range(1, 4)]
    )
    use_account(monkeypatch, ACCOUNT, server.url)  # type: ignore[attr-defined]
    return server


def live(clob: object) -> set[str]:
    return {o["id"] for o in clob.orders() if o["state"] == "live"}  # type: ignore[attr-defined]


def one_usage_line(code: int, err: str) -> str:
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("clob-cancel: "), err
    assert "Traceback" not in err
    return err


# -- 3c: no default URL --------------------------------------------------------------------------

WITHOUT_URL = [
    ("all", "--dry-run"),
    ("orders", "0xa1", "--dry-run"),
    ("market", "--market", "0xm", "--dry-run"),
    ("derive-creds", "--dry-run"),
    ("heartbeat", "--dry-run"),
    ("time",),
]


@pytest.mark.parametrize("argv", WITHOUT_URL, ids=" ".join)
def test_no_url_is_a_usage_error_saying_how(
    clob: object, monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...]
) -> None:
    monkeypatch.delenv("CLOB_API_URL")
    monkeypatch.setenv("PK", ACCOUNT.private_key)
    code, out, err = run(*argv)
    line = one_usage_line(code, err)
    assert "CLOB_API_URL" in line and "--url" in line and "--url polymarket" in line
    assert "polymarket.com" not in out
    assert live(clob) == {"0xa1", "0xa2", "0xa3"}


def test_an_empty_variable_is_no_url(clob: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOB_API_URL", "")
    one_usage_line(*run("all", "--dry-run")[::2])


@pytest.mark.parametrize("where", ["--url", "CLOB_API_URL"])
def test_the_public_clob_by_name(clob: object, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    if where == "--url":
        argv: tuple[str, ...] = ("all", "--dry-run", "--url", "polymarket")
    else:
        monkeypatch.setenv("CLOB_API_URL", "polymarket")
        argv = ("all", "--dry-run")
    code, out, _ = run(*argv)
    assert code == 0
    assert "DELETE https://clob.polymarket.com/cancel-all" in out


def test_the_help_says_there_is_no_default() -> None:
    with pytest.raises(SystemExit):
        main(["--help"], stdout=io.StringIO())
    done = subprocess.run(
        [sys.executable, "-c", "from clob_cancel.cli import run; run()", "--help"],
        capture_output=True,
        text=True,
    )
    assert "There is no default URL" in done.stdout
    assert "--url polymarket" in done.stdout
    assert "(default https://clob.polymarket.com)" not in done.stdout


# -- 3b: cleartext beyond loopback -------------------------------------------------------------


def test_plain_http_beyond_loopback_needs_the_flag(clob: object) -> None:
    code, _, err = run("all", "--dry-run", "--url", "http://clob.example")
    line = one_usage_line(code, err)
    assert "cleartext" in line and "passphrase" in line and "--insecure-http" in line
    code, out, _ = run("all", "--dry-run", "--url", "http://clob.example", "--insecure-http")
    assert code == 0
    assert "DELETE http://clob.example/cancel-all" in out


def test_derive_creds_and_time_are_checked_too(clob: object) -> None:
    for argv in (("derive-creds", "--dry-run"), ("time",), ("heartbeat", "--dry-run")):
        code, _, err = run(*argv, "--url", "http://10.1.2.3:8080")
        assert "cleartext" in one_usage_line(code, err)


def test_loopback_http_stays_allowed(clob: object) -> None:
    assert run("order", "0xa1")[0] == 0  # the mock's http://127.0.0.1:PORT
    assert live(clob) == {"0xa2", "0xa3"}


# -- 5: bad input is a usage error ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://[::1", "http://127.0.0.1:99999", "ftp://clob.example", "clob.example", "http://"],
)
@pytest.mark.parametrize("command", ["order", "time", "derive-creds", "heartbeat"])
def test_a_malformed_url_is_a_usage_error(
    clob: object, monkeypatch: pytest.MonkeyPatch, command: str, url: str
) -> None:
    monkeypatch.setenv("PK", ACCOUNT.private_key)  # derive-creds would stop at a missing PK
    argv = {
        "order": ("order", "0xa1"),
        "time": ("time",),
        "derive-creds": ("derive-creds",),
        "heartbeat": ("heartbeat", "--dry-run"),
    }
    code, _, err = run(*argv[command], "--url", url)
    one_usage_line(code, err)
    assert live(clob) == {"0xa1", "0xa2", "0xa3"}


NOT_UTF8 = b"0xa1\n\xff\xfe0xa2\n"


def test_a_non_utf8_ids_file_is_a_usage_error(clob: object, tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_bytes(NOT_UTF8)
    code, _, err = run("orders", "--file", str(ids))
    assert "not UTF-8" in one_usage_line(code, err)
    assert live(clob) == {"0xa1", "0xa2", "0xa3"}


def test_non_utf8_ids_on_stdin_are_a_usage_error(clob: object) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(NOT_UTF8), encoding="utf-8")
    code, _, err = run("orders", "--file", "-", stdin=stdin)
    assert "not UTF-8" in one_usage_line(code, err)
    assert live(clob) == {"0xa1", "0xa2", "0xa3"}


def test_a_non_utf8_env_file_is_a_usage_error(clob: object, tmp_path: Path) -> None:
    env = tmp_path / "clob.env"
    env.write_bytes(b"CLOB_PASS_PHRASE=\xe9t\xe9\n")
    code, _, err = run("all", "--env-file", str(env))
    assert "not UTF-8" in one_usage_line(code, err)
    assert live(clob) == {"0xa1", "0xa2", "0xa3"}


def test_time_closes_its_connection(clob: object) -> None:
    env = {**os.environ, **ACCOUNT.client_env(clob.url)}  # type: ignore[attr-defined]
    python = [sys.executable, "-X", "dev", "-W", "error::ResourceWarning"]
    done = subprocess.run(
        [*python, "-c", "from clob_cancel.cli import run; run()", "time", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "ResourceWarning" not in done.stderr and "unclosed" not in done.stderr, done.stderr
    assert "server_time" in json.loads(done.stdout)


# -- 2a: a secret file's newline --------------------------------------------------------------


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_secret_file_newline_is_dropped(
    clob: object, monkeypatch: pytest.MonkeyPatch, end: str
) -> None:
    for name in ("CLOB_API_KEY", "CLOB_SECRET", "CLOB_PASS_PHRASE", "CLOB_ADDRESS"):
        monkeypatch.setenv(name, os.environ[name] + end)
    code, out, err = run("order", "0xa1", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["canceled"] == ["0xa1"]


@pytest.mark.parametrize("bad", ["{}\n\n", "{} \n", " {}", "{}\t", "{}\x7f", "{}\x1b[0m"])
@pytest.mark.parametrize("json_flag", [(), ("--json",)])
def test_other_whitespace_in_a_passphrase_is_refused_unsent_and_unprinted(
    clob: object, monkeypatch: pytest.MonkeyPatch, bad: str, json_flag: tuple[str, ...]
) -> None:
    monkeypatch.setenv("CLOB_PASS_PHRASE", bad.format(ACCOUNT.passphrase))
    code, out, err = run("all", "--retries", "0", *json_flag)
    assert "CLOB_PASS_PHRASE" in one_usage_line(code, err)
    assert ACCOUNT.passphrase not in out + err
    assert ACCOUNT.passphrase[-12:] not in out + err
    assert live(clob) == {"0xa1", "0xa2", "0xa3"}
