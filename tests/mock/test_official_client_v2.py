"""py-clob-client-v2 1.2.1, unchanged, against the mock with the mock's account. Deprecated
upstream (1.2.1 was a deprecation notice, 1.2.2 its last fix; the SDK now is polymarket-client,
tests/official_py); kept while bots still run it. It sends through its module-level
``httpx.Client(http2=True)`` (HTTP/1.1 to a plain-http server) and raises PolyApiException on
any non-200 answer."""

from __future__ import annotations

import pytest
from py_clob_client_v2.client import ClobClient
from py_clob_client_v2.clob_types import ApiCreds, OrderMarketCancelParams, OrderPayload
from py_clob_client_v2.exceptions import PolyApiException

from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

from .conftest import ASSET_A1, ASSET_A2, ASSET_B1, MARKET_A, MARKET_B, SEED, Api

NOT_FOUND = "Order not found or already canceled"


def official(server: MockServer, secret: str = DEFAULT_ACCOUNT.secret) -> ClobClient:
    creds = ApiCreds(DEFAULT_ACCOUNT.api_key, secret, DEFAULT_ACCOUNT.passphrase)
    return ClobClient(server.url, chain_id=137, key=DEFAULT_ACCOUNT.private_key, creds=creds)


@pytest.fixture
def client(server: MockServer, api: Api) -> ClobClient:
    return official(server)


def test_cancel_order(client: ClobClient, api: Api) -> None:
    assert client.cancel_order(OrderPayload(orderID="0xa1")) == {
        "canceled": ["0xa1"],
        "not_canceled": {},
    }
    assert client.cancel_order(OrderPayload(orderID="0xa1")) == {
        "canceled": [],
        "not_canceled": {"0xa1": NOT_FOUND},
    }
    assert api.states()["0xa1"] == "canceled"


def test_cancel_orders(client: ClobClient, api: Api) -> None:
    result = client.cancel_orders(["0xa2", "0xm1", "0xo1"])
    assert result == {
        "canceled": ["0xa2"],
        "not_canceled": {"0xm1": "Order already matched", "0xo1": NOT_FOUND},
    }
    states = api.states()
    assert (states["0xa2"], states["0xm1"], states["0xo1"]) == ("canceled", "matched", "live")


def test_cancel_market_orders_market_and_asset(client: ClobClient, api: Api) -> None:
    params = OrderMarketCancelParams(market=MARKET_A, asset_id=ASSET_A1)
    assert client.cancel_market_orders(params) == {"canceled": ["0xa1"], "not_canceled": {}}
    states = api.states()
    assert (states["0xa1"], states["0xa2"], states["0xo1"]) == ("canceled", "live", "live")


def test_cancel_market_orders_market_only(client: ClobClient, api: Api) -> None:
    """v2 sends {"market": ...} alone: both of the account's live orders in market A."""
    result = client.cancel_market_orders(OrderMarketCancelParams(market=MARKET_A))
    assert sorted(result["canceled"]) == ["0xa1", "0xa2"]
    states = api.states()
    assert (states["0xb1"], states["0xo1"]) == ("live", "live")


def test_cancel_market_orders_asset_only(client: ClobClient, api: Api) -> None:
    """v2 sends {"asset_id": ...} alone."""
    result = client.cancel_market_orders(OrderMarketCancelParams(asset_id=ASSET_A2))
    assert result == {"canceled": ["0xa2"], "not_canceled": {}}
    result = client.cancel_market_orders(OrderMarketCancelParams(asset_id=ASSET_B1))
    assert result == {"canceled": ["0xb1"], "not_canceled": {}}
    states = api.states()
    assert (states["0xa1"], states["0xo2"]) == ("live", "live")


def test_cancel_market_orders_of_another_market(client: ClobClient, api: Api) -> None:
    result = client.cancel_market_orders(OrderMarketCancelParams(market=MARKET_B))
    assert result == {"canceled": ["0xb1"], "not_canceled": {}}
    assert api.states()["0xo2"] == "live"


def test_cancel_all(client: ClobClient, api: Api) -> None:
    mine = sorted(o["id"] for o in SEED if "owner" not in o and o.get("state", "live") == "live")
    assert sorted(client.cancel_all()["canceled"]) == mine
    states = api.states()
    assert (states["0xo1"], states["0xo2"]) == ("live", "live")


def test_server_time(client: ClobClient) -> None:
    assert isinstance(client.get_server_time(), int)


def test_l1_derive_and_create_or_derive_give_the_accounts_credentials(client: ClobClient) -> None:
    expected = (DEFAULT_ACCOUNT.api_key, DEFAULT_ACCOUNT.secret, DEFAULT_ACCOUNT.passphrase)
    derived = client.derive_api_key()
    assert (derived.api_key, derived.api_secret, derived.api_passphrase) == expected
    creds = client.create_or_derive_api_key()  # create is refused (the key exists), derive answers
    assert (creds.api_key, creds.api_secret, creds.api_passphrase) == expected


def test_wrong_credentials_raise_401_and_touch_nothing(server: MockServer, api: Api) -> None:
    wrong = official(server, secret="c29tZS1vdGhlci1zZWNyZXQ=")
    with pytest.raises(PolyApiException) as raised:
        wrong.cancel_order(OrderPayload(orderID="0xa1"))
    assert raised.value.status_code == 401
    with pytest.raises(PolyApiException) as raised:
        wrong.cancel_all()
    assert raised.value.status_code == 401
    assert api.states() == {order["id"]: order.get("state", "live") for order in SEED}


def test_post_heartbeat_first_send_and_chain(client: ClobClient, api: Api) -> None:
    first = client.post_heartbeat()  # the default id is "", the first send
    assert set(first) == {"heartbeat_id"} and first["heartbeat_id"]
    second = client.post_heartbeat(first["heartbeat_id"])
    assert set(second) == {"heartbeat_id"}
    assert second["heartbeat_id"] not in ("", first["heartbeat_id"])
    state = api.http.get("/_mock/heartbeats").json()[DEFAULT_ACCOUNT.api_key]
    assert state["armed"] is True and state["expected_id"] == second["heartbeat_id"]


def test_post_heartbeat_mismatch_raises_400_naming_the_expected_id(
    client: ClobClient, api: Api
) -> None:
    with pytest.raises(PolyApiException) as raised:
        client.post_heartbeat("invented")
    assert raised.value.status_code == 400
    assert raised.value.error_msg == {"error_msg": "Invalid Heartbeat ID", "heartbeat_id": ""}
    expected = client.post_heartbeat("")["heartbeat_id"]
    with pytest.raises(PolyApiException) as raised:
        client.post_heartbeat("")  # "" again once armed: the expected id is named
    assert raised.value.status_code == 400
    assert raised.value.error_msg == {"error_msg": "Invalid Heartbeat ID", "heartbeat_id": expected}
    assert client.post_heartbeat(expected)["heartbeat_id"]


def test_post_heartbeat_with_wrong_credentials_is_401(server: MockServer, api: Api) -> None:
    with pytest.raises(PolyApiException) as raised:
        official(server, secret="c29tZS1vdGhlci1zZWNyZXQ=").post_heartbeat()
    assert raised.value.status_code == 401
    assert api.http.get("/_mock/heartbeats").json()[DEFAULT_ACCOUNT.api_key]["armed"] is False
