"""The accounts file: its format, its errors (never a value), the permission warning, selection."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clob_cancel.accounts import (
    AccountsFileError,
    AccountsFileWarning,
    read_accounts_file,
    select_accounts,
)

SECRET = "c2VjcmV0LXRoYXQtbXVzdC1uZXZlci1iZS1zaG93bg=="
ADDRESS = "0x" + "a" * 40
KEY = "0x" + "1" * 64

DESK = f"""\
# two makers on one CLOB
CLOB_API_URL = "http://127.0.0.1:9"

[maker-a]
CLOB_API_KEY = "key-a"
CLOB_SECRET = "{SECRET}"
CLOB_PASS_PHRASE = "pass # with = signs"
CLOB_ADDRESS = "{ADDRESS}"

[maker-b]
CLOB_API_URL = "http://127.0.0.1:10"
CLOB_API_KEY = "key-b"
CLOB_SECRET = "{SECRET}"
CLOB_PASS_PHRASE = "pass-b"
PK = "{KEY}"
"""


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "desk.toml"
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_tables_are_accounts_in_file_order_with_the_shared_url(tmp_path: Path) -> None:
    accounts = read_accounts_file(write(tmp_path, DESK))
    assert [a.name for a in accounts] == ["maker-a", "maker-b"]
    assert accounts[0].environ["CLOB_API_URL"] == "http://127.0.0.1:9"
    assert accounts[0].environ["CLOB_PASS_PHRASE"] == "pass # with = signs"
    assert accounts[1].environ["CLOB_API_URL"] == "http://127.0.0.1:10"  # its own wins
    assert accounts[1].environ["PK"] == "0x" + "1" * 64
    assert SECRET not in repr(accounts)  # the variables are not in the repr


def test_nothing_comes_from_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOB_SECRET", "from-the-environment")
    path = write(tmp_path, '[lonely]\nCLOB_API_KEY = "k"\n')
    assert dict(read_accounts_file(path)[0].environ) == {"CLOB_API_KEY": "k"}


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (f'[a]\nCLOB_PASSPHRASE = "{SECRET}"\n', "[a] unknown key 'CLOB_PASSPHRASE'"),
        (f'CLOB_SECRET = "{SECRET}"\n[a]\nCLOB_API_KEY = "k"\n', "top level: unknown key"),
        ("[a]\nCLOB_API_KEY = 12\n", "[a] CLOB_API_KEY must be a quoted string"),
        ('["a,b"]\nCLOB_API_KEY = "k"\n', "account name 'a,b'"),
        ('CLOB_API_URL = "http://127.0.0.1:1"\n', "no account"),
        (f'[a]\nCLOB_SECRET = "{SECRET}\n', "not valid TOML"),
    ],
)
def test_errors_name_the_place_never_the_value(tmp_path: Path, text: str, said: str) -> None:
    with pytest.raises(AccountsFileError) as caught:
        read_accounts_file(write(tmp_path, text))
    assert said in str(caught.value)
    assert SECRET not in str(caught.value)


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AccountsFileError, match="cannot read"):
        read_accounts_file(tmp_path / "nope.toml")


def test_a_file_others_can_read_is_warned_about_and_read(tmp_path: Path) -> None:
    path = write(tmp_path, DESK, 0o644)
    with pytest.warns(AccountsFileWarning, match="chmod 600"):
        assert len(read_accounts_file(path)) == 2
    said: list[str] = []
    read_accounts_file(path, warn=said.append)
    assert len(said) == 1 and "mode 0644" in said[0]
    os.chmod(path, 0o600)
    read_accounts_file(path, warn=said.append)
    assert len(said) == 1


def test_selection_keeps_file_order_and_refuses_unknown_names(tmp_path: Path) -> None:
    accounts = read_accounts_file(write(tmp_path, DESK))
    assert [a.name for a in select_accounts(accounts, ["maker-b", "maker-a"])] == [
        "maker-a",
        "maker-b",
    ]
    assert [a.name for a in select_accounts(accounts, None, ["maker-a"])] == ["maker-b"]
    with pytest.raises(ValueError, match="no account named maker-c"):
        select_accounts(accounts, ["maker-c"])
    with pytest.raises(ValueError, match="no account named maker-x"):
        select_accounts(accounts, None, ["maker-x"])
    with pytest.raises(ValueError, match="leaves no account"):
        select_accounts(accounts, ["maker-a"], ["maker-a"])
