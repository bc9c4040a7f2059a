"""`clob-cancel` run in this process for the CLI tests, and the account's environment they set:
one copy for every test file here."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, TextIO

import pytest

from clob_cancel.cli import main

if TYPE_CHECKING:
    from clob_cancel_mock import Account

CLOB_NAMES = (
    "PK",
    "CLOB_API_URL",
    "CLOB_ADDRESS",
    "CLOB_API_KEY",
    "CLOB_SECRET",
    "CLOB_PASS_PHRASE",
)
"""Every variable the CLI may take the URL or the account from."""


def run(*argv: str, stdin: str | TextIO = "") -> tuple[int, str, str]:
    """``clob-cancel ARGV`` with ``stdin`` (its text, or a stream): (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    given = io.StringIO(stdin) if isinstance(stdin, str) else stdin
    code = main(list(argv), stdin=given, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def use_account(monkeypatch: pytest.MonkeyPatch, account: Account, url: str) -> None:
    """The environment of ``account`` at ``url``, and no other of :data:`CLOB_NAMES`."""
    for name in CLOB_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in account.client_env(url).items():
        monkeypatch.setenv(name, value)
