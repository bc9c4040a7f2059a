"""@polymarket/clob-client-v2 (pinned in package.json), unchanged, against the mock with the mock's
account. Deprecated upstream: Polymarket's docs send its users to @polymarket/client
(test_polymarket_client_ts.py); kept while bots still run it. It signs the raw body (no quote
replacement) and, unless built with throwOnError, returns an error answer as ``{...body,
"status": <code>}`` instead of throwing."""

from __future__ import annotations

import time
from typing import Any

from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

from ..mock.conftest import ASSET_A1, ASSET_A2, MARKET_A, MARKET_B, SEED, Api
from . import node
from .conftest import Runner

NOT_FOUND = "Order not found or already canceled"
WRONG_SECRET = "c29tZS1vdGhlci1zZWNyZXQ="


def account_env(server: MockServer, **override: str) -> dict[str, str]:
    assert DEFAULT_ACCOUNT.private_key is not None
    return {**DEFAULT_ACCOUNT.client_env(server.url), "PK": DEFAULT_ACCOUNT.private_key, **override}


def mine_live() -> list[str]:
    return sorted(o["id"] for o in SEED if "owner" not in o and o.get("state", "live") == "live")


def test_the_pinned_client_with_the_mocks_signer(official_ts: Runner, server: MockServer) -> None:
    report = official_ts(account_env(server), [["getServerTime"]])
    assert report.client == node.client_version()
    assert report.address == DEFAULT_ACCOUNT.address
    assert abs(report.value(0) - time.time()) < 5


def test_cancel_order_and_cancel_orders(official_ts: Runner, server: MockServer, api: Api) -> None:
    report = official_ts(
        account_env(server),
        [
            ["cancelOrder", {"orderID": "0xa1"}],
            ["cancelOrder", {"orderID": "0xa1"}],
            ["cancelOrders", ["0xa2", "0xm1", "0xo1"]],
        ],
    )
    assert report.value(0) == {"canceled": ["0xa1"], "not_canceled": {}}
    assert report.value(1) == {"canceled": [], "not_canceled": {"0xa1": NOT_FOUND}}
    assert report.value(2) == {
        "canceled": ["0xa2"],
        "not_canceled": {"0xm1": "Order already matched", "0xo1": NOT_FOUND},
    }
    states = api.states()
    assert [states[i] for i in ("0xa1", "0xa2", "0xm1", "0xo1", "0xb1")] == [
        "canceled",
        "canceled",
        "matched",
        "live",
        "live",
    ]


def test_cancel_market_orders_both_asset_only_market_only(
    official_ts: Runner, server: MockServer, api: Api
) -> None:
    report = official_ts(
        account_env(server),
        [
            ["cancelMarketOrders", {"market": MARKET_A, "asset_id": ASSET_A1}],
            ["cancelMarketOrders", {"asset_id": ASSET_A2}],
            ["cancelMarketOrders", {"market": MARKET_B}],
        ],
    )
    assert [report.value(i) for i in range(3)] == [
        {"canceled": [order_id], "not_canceled": {}} for order_id in ("0xa1", "0xa2", "0xb1")
    ]
    states = api.states()
    assert [states[i] for i in mine_live()] == ["canceled"] * 3
    assert (states["0xo1"], states["0xo2"]) == ("live", "live")


def test_cancel_all(official_ts: Runner, server: MockServer, api: Api) -> None:
    report = official_ts(account_env(server), [["cancelAll"]])
    assert sorted(report.value(0)["canceled"]) == mine_live()
    states = api.states()
    assert (states["0xo1"], states["0xo2"]) == ("live", "live")


def test_l1_derive_gives_the_accounts_credentials(official_ts: Runner, server: MockServer) -> None:
    report = official_ts(account_env(server), [["deriveApiKey"], ["createOrDeriveApiKey"]])
    expected = {
        "key": DEFAULT_ACCOUNT.api_key,
        "secret": DEFAULT_ACCOUNT.secret,
        "passphrase": DEFAULT_ACCOUNT.passphrase,
    }
    assert report.value(0) == expected
    assert report.value(1) == expected  # create answers 400 (the key exists), then derive


def test_wrong_credentials_401_and_nothing_canceled(
    official_ts: Runner, server: MockServer, api: Api
) -> None:
    env = account_env(server, CLOB_SECRET=WRONG_SECRET)
    plan: list[list[Any]] = [["cancelOrder", {"orderID": "0xa1"}], ["cancelAll"]]
    returned = official_ts(env, plan)
    assert [report["status"] for report in (returned.value(0), returned.value(1))] == [401, 401]
    thrown = official_ts(env, plan, throw_on_error=True)
    assert [(r["thrown"]["name"], r["thrown"]["status"]) for r in thrown.results] == [
        ("ApiError", 401),
        ("ApiError", 401),
    ]
    assert api.states() == {order["id"]: order.get("state", "live") for order in SEED}


def heartbeat_state(api: Api) -> dict[str, Any]:
    state: dict[str, Any] = api.http.get("/_mock/heartbeats").json()[DEFAULT_ACCOUNT.api_key]
    return state


def test_post_heartbeat_first_send_chain_and_mismatch(
    official_ts: Runner, server: MockServer, api: Api
) -> None:
    """postHeartbeat(heartbeatId = "") returns the answer's body; the mismatch 400 has no
    ``error`` field, so the client wraps the whole body: ``{"error": {...}, "status": 400}``."""
    env = account_env(server)
    first = official_ts(env, [["postHeartbeat"]]).value(0)  # the default id is ""
    assert set(first) == {"heartbeat_id"} and first["heartbeat_id"]
    report = official_ts(env, [["postHeartbeat", first["heartbeat_id"]], ["postHeartbeat", ""]])
    second = report.value(0)["heartbeat_id"]
    assert second not in ("", first["heartbeat_id"])
    assert report.value(1) == {
        "error": {"error_msg": "Invalid Heartbeat ID", "heartbeat_id": second},
        "status": 400,
    }
    assert heartbeat_state(api)["expected_id"] == second
    thrown = official_ts(env, [["postHeartbeat", "invented"]], throw_on_error=True).results[0]
    assert (thrown["thrown"]["name"], thrown["thrown"]["status"]) == ("ApiError", 400)
    assert second in thrown["thrown"]["message"]  # the JSON of the body, naming the expected id


def test_post_heartbeat_with_wrong_credentials_is_401(
    official_ts: Runner, server: MockServer, api: Api
) -> None:
    report = official_ts(account_env(server, CLOB_SECRET=WRONG_SECRET), [["postHeartbeat"]])
    assert report.value(0) == {"error": "Unauthorized/Invalid api key", "status": 401}
    assert heartbeat_state(api)["armed"] is False
