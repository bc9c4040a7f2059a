"""One real mock on loopback serving several accounts, and the accounts file that names them."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from clob_cancel.cli import main
from clob_cancel_mock import Account, MockServer
from clob_cancel_mock.accounts import generated_accounts
from clob_cancel_mock.cli import accounts_file_text
from clob_cancel_mock.orders import generated_orders

ACCOUNTS = 4
ORDERS_EACH = 30
NAMES = [f"account-{n}" for n in range(1, ACCOUNTS + 1)]


def write_accounts_file(
    server: MockServer,
    accounts: dict[str, Account],
    directory: Path,
    passphrases: dict[str, str] | None = None,
) -> Path:
    """``directory``/desk.toml naming ``server``'s ``accounts`` (mode 0600), with
    ``passphrases`` replacing some by account name."""
    chosen = [
        attrs.evolve(account, passphrase=(passphrases or {}).get(name, account.passphrase))
        for name, account in accounts.items()
    ]
    path = directory / "desk.toml"
    path.write_text(accounts_file_text(server.url, chosen), encoding="utf-8")
    os.chmod(path, 0o600)
    return path


@attrs.frozen
class Desk:
    """The mock, its accounts by name (as the accounts file names them), their orders' ids."""

    server: MockServer
    accounts: dict[str, Account]
    order_ids: dict[str, list[str]]

    def accounts_file(self, directory: Path, passphrases: dict[str, str] | None = None) -> Path:
        """The accounts file of this mock (mode 0600), with ``passphrases`` replacing some."""
        return write_accounts_file(self.server, self.accounts, directory, passphrases)

    def live(self, name: str) -> set[str]:
        """The ids of the account's orders the mock still holds live."""
        owner = self.accounts[name].api_key
        return {
            o["id"] for o in self.server.orders() if o["owner"] == owner and o["state"] == "live"
        }


@pytest.fixture(scope="module")
def desk_server() -> Iterator[Desk]:
    accounts = generated_accounts(ACCOUNTS)
    orders = [order for a in accounts for order in generated_orders(ORDERS_EACH, a.api_key)]
    with MockServer(accounts, orders) as server:
        yield Desk(
            server,
            dict(zip(NAMES, accounts, strict=True)),
            {
                name: [o.id for o in orders if o.owner == a.api_key]
                for name, a in zip(NAMES, accounts, strict=True)
            },
        )


@pytest.fixture
def desk(desk_server: Desk) -> Desk:
    desk_server.server.reset()  # the seeded orders live again, no fault
    return desk_server


def run_cli(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def run_json(*argv: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run_cli(*argv, "--json")
    return code, json.loads(out), err
