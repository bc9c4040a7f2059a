"""py-clob-client 0.34.6, unchanged, against the mock with the mock's account."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from py_clob_client.client import ClobClient
from py_clob_client.clob_types import ApiCreds
from py_clob_client.exceptions import PolyApiException

from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

from .conftest import ASSET_A1, MARKET_A, SEED, Api

NOT_FOUND = "Order not found or already canceled"


@pytest.fixture
def client(server: MockServer, api: Api) -> Iterator[ClobClient]:
    creds = ApiCreds(DEFAULT_ACCOUNT.api_key, DEFAULT_ACCOUNT.secret, DEFAULT_ACCOUNT.passphrase)
    yield ClobClient(server.url, key=DEFAULT_ACCOUNT.private_key, chain_id=137, creds=creds)


def test_cancel(client: ClobClient, api: Api) -> None:
    assert client.cancel("0xa1") == {"canceled": ["0xa1"], "not_canceled": {}}
    assert client.cancel("0xa1") == {"canceled": [], "not_canceled": {"0xa1": NOT_FOUND}}
    assert api.states()["0xa1"] == "canceled"


def test_cancel_orders(client: ClobClient, api: Api) -> None:
    result = client.cancel_orders(["0xa2", "0xm1", "0xo1"])
    assert result == {
        "canceled": ["0xa2"],
        "not_canceled": {"0xm1": "Order already matched", "0xo1": NOT_FOUND},
    }


def test_cancel_market_orders(client: ClobClient, api: Api) -> None:
    assert client.cancel_market_orders(market=MARKET_A, asset_id=ASSET_A1) == {
        "canceled": ["0xa1"],
        "not_canceled": {},
    }
    assert sorted(client.cancel_market_orders(market=MARKET_A)["canceled"]) == ["0xa2"]
    assert sorted(client.cancel_market_orders()["canceled"]) == ["0xb1"]


def test_cancel_all(client: ClobClient, api: Api) -> None:
    mine = sorted(o["id"] for o in SEED if "owner" not in o and o.get("state", "live") == "live")
    assert sorted(client.cancel_all()["canceled"]) == mine
    assert api.states()["0xo1"] == "live"


def test_server_time_and_l1_derive_give_the_accounts_credentials(client: ClobClient) -> None:
    assert isinstance(client.get_server_time(), int)
    creds = client.create_or_derive_api_creds()  # create fails (exists), derive answers
    assert (creds.api_key, creds.api_secret, creds.api_passphrase) == (
        DEFAULT_ACCOUNT.api_key,
        DEFAULT_ACCOUNT.secret,
        DEFAULT_ACCOUNT.passphrase,
    )


def test_wrong_credentials_raise_401(server: MockServer, api: Api) -> None:
    creds = ApiCreds(
        DEFAULT_ACCOUNT.api_key, "c29tZS1vdGhlci1zZWNyZXQ=", DEFAULT_ACCOUNT.passphrase
    )
    client = ClobClient(server.url, key=DEFAULT_ACCOUNT.private_key, chain_id=137, creds=creds)
    with pytest.raises(PolyApiException) as raised:
        client.cancel("0xa1")
    assert raised.value.status_code == 401
    assert api.states()["0xa1"] == "live"
