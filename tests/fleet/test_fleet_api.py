"""CancelFleet and AsyncCancelFleet against one mock serving several accounts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from clob_cancel import CancelError
from clob_cancel.accounts import read_accounts_file
from clob_cancel.fleet import AsyncCancelFleet, CancelFleet
from clob_cancel.signing import CredentialsError

from .conftest import NAMES, Desk

BROKEN = "account-2"


def disable_trading_on(desk: Desk, name: str) -> None:
    desk.server.set_faults({"trading_disabled": True, "api_keys": [desk.accounts[name].api_key]})


def test_sync_cancel_all_maps_each_account_to_its_answer_or_error(
    desk: Desk, tmp_path: Path
) -> None:
    disable_trading_on(desk, BROKEN)
    with CancelFleet.from_file(desk.accounts_file(tmp_path), retries=0) as fleet:
        assert fleet.names == NAMES
        results = fleet.cancel_all()
    assert list(results) == NAMES
    for name, result in results.items():
        if name == BROKEN:
            assert isinstance(result, CancelError) and result.status == 503
            assert desk.live(name) == set(desk.order_ids[name])
        else:
            assert not isinstance(result, CancelError)
            assert sorted(result.canceled) == sorted(desk.order_ids[name])
            assert desk.live(name) == set()


def test_async_cancel_orders_by_account(desk: Desk, tmp_path: Path) -> None:
    disable_trading_on(desk, BROKEN)
    accounts = read_accounts_file(desk.accounts_file(tmp_path))
    asked = {name: desk.order_ids[name][:10] for name in NAMES[:3]}  # account-4 left alone
    seen: list[tuple[str, int, int]] = []

    async def run() -> dict[str, object]:
        async with AsyncCancelFleet.from_accounts(accounts, retries=0) as fleet:
            return dict(await fleet.cancel_orders(asked, progress=lambda *p: seen.append(p)))

    results = asyncio.run(run())
    assert list(results) == NAMES[:3]
    broken = results[BROKEN]
    assert isinstance(broken, CancelError) and broken.untouched_ids == tuple(asked[BROKEN])
    for name in ("account-1", "account-3"):
        assert results[name].canceled == asked[name]  # type: ignore[attr-defined]
        assert desk.live(name) == set(desk.order_ids[name][10:])
        assert (name, 10, 10) in seen
    assert desk.live("account-4") == set(desk.order_ids["account-4"])


def test_sync_market_cancel_and_input_errors_before_anything_is_sent(
    desk: Desk, tmp_path: Path
) -> None:
    with CancelFleet.from_file(desk.accounts_file(tmp_path)) as fleet:
        with pytest.raises(ValueError, match="needs market and/or asset_id"):
            fleet.cancel_market_orders()
        with pytest.raises(ValueError, match="no account named nobody"):
            fleet.cancel_orders({"nobody": ["0x1"]})
        with pytest.raises(ValueError, match=r"account account-1: .*empty"):
            fleet.cancel_orders({"account-4": ["0x1"], "account-1": []})
        assert all(desk.live(name) == set(desk.order_ids[name]) for name in NAMES)
        results = fleet.cancel_market_orders(asset_id="0")
    assert list(results) == NAMES
    assert all(not isinstance(r, CancelError) for r in results.values())


def test_an_account_missing_a_credential_is_named(desk: Desk, tmp_path: Path) -> None:
    path = desk.accounts_file(tmp_path)
    text = path.read_text().replace(f'CLOB_SECRET = "{desk.accounts["account-3"].secret}"\n', "")
    path.write_text(text)
    with pytest.raises(CredentialsError, match=r"account account-3: .*CLOB_SECRET") as caught:
        CancelFleet.from_file(path)
    assert desk.accounts["account-1"].secret not in str(caught.value)
