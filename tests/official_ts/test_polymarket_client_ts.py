"""@polymarket/client 0.2.0 (the official TypeScript SDK, Polymarket/ts-sdk), unchanged, against
the mock: ``createSecureClient`` with given credentials (validated with ``GET /auth/api-keys``)
and the four cancels. It asks for Node >= 24 and runs on the machine's Node 20. It is pointed at
the mock with its own ``forkEnvironmentConfig`` (``run-client.mjs`` says how). It has no order
heartbeat call (0.2.0), so there is no heartbeat test here."""

from __future__ import annotations

from typing import Any

from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

from ..mock.conftest import ASSET_A1, MARKET_A, SEED, Api
from . import node
from .conftest import Runner

SCRIPT = "run-client.mjs"
NOT_FOUND = "Order not found or already canceled"
OTHER_SECRET = "c29tZS1vdGhlci1zZWNyZXQ="


def account_env(server: MockServer, **override: str) -> dict[str, str]:
    assert DEFAULT_ACCOUNT.private_key is not None
    return {**DEFAULT_ACCOUNT.client_env(server.url), "PK": DEFAULT_ACCOUNT.private_key, **override}


def run(official_ts: Runner, server: MockServer, plan: list[list[Any]], **env: str) -> node.Report:
    return official_ts(account_env(server, **env), plan, script=SCRIPT)


KEPT = {"ok": True, "same_key": True, "same_secret": True, "same_passphrase": True}


def test_create_keeps_the_given_credentials_and_cancels_by_id(
    official_ts: Runner, server: MockServer, api: Api
) -> None:
    report = run(
        official_ts,
        server,
        [
            ["cancelOrder", {"orderId": "0xa1"}],
            ["cancelOrder", {"orderId": "0xa1"}],
            ["cancelOrders", {"orderIds": ["0xa2", "0xm1", "0xo1"]}],
        ],
    )
    assert report.client == node.client_version(node.SDK) == "0.2.0"
    assert report.address == DEFAULT_ACCOUNT.address
    assert report.create == KEPT
    assert report.value(0) == {"canceled": ["0xa1"], "notCanceled": {}}
    assert report.value(1) == {"canceled": [], "notCanceled": {"0xa1": NOT_FOUND}}
    assert report.value(2) == {
        "canceled": ["0xa2"],
        "notCanceled": {"0xm1": "Order already matched", "0xo1": NOT_FOUND},
    }
    states = api.states()
    assert [states[i] for i in ("0xa1", "0xa2", "0xm1", "0xo1", "0xb1")] == [
        "canceled", "canceled", "matched", "live", "live"
    ]  # fmt: skip


def test_create_fails_when_get_api_keys_fails(official_ts: Runner, server: MockServer) -> None:
    """Proof that creation asks GET /auth/api-keys first (what made the SDK fail against the mock
    before the operation existed, with "no operation at /auth/api-keys")."""
    server.set_faults({"operations": ["get_api_keys"], "status": 500, "count": 1})
    report = run(official_ts, server, [["cancelAll"]])
    assert report.create is not None and report.create["thrown"]["status"] == 500
    assert report.results == []  # no client, no cancel


def test_cancel_market_orders_and_cancel_all(
    official_ts: Runner, server: MockServer, api: Api
) -> None:
    report = run(
        official_ts,
        server,
        [
            ["cancelMarketOrders", {"market": MARKET_A, "tokenId": ASSET_A1}],
            ["cancelMarketOrders", {"market": MARKET_A}],
            ["cancelAll"],
        ],
    )
    assert report.value(0) == {"canceled": ["0xa1"], "notCanceled": {}}
    assert report.value(1) == {"canceled": ["0xa2"], "notCanceled": {}}
    assert report.value(2) == {"canceled": ["0xb1"], "notCanceled": {}}
    states = api.states()
    assert (states["0xo1"], states["0xo2"], states["0xm1"]) == ("live", "live", "matched")


def test_more_than_1000_ids_are_sent_and_refused_whole(
    official_ts: Runner, server: MockServer, api: Api
) -> None:
    """The SDK's cap is 3000 (before 2026-06-15) and it does not split."""
    report = run(official_ts, server, [["cancelOrders", {"orderIds": ["0xa1"] * 1001}]])
    thrown = report.results[0]["thrown"]
    assert (thrown["name"], thrown["status"]) == ("RequestRejectedError", 400)
    assert "max allowed: 1000" in thrown["message"]
    assert api.states() == {order["id"]: order.get("state", "live") for order in SEED}


def test_a_wrong_secret_is_replaced_by_derived_credentials(
    official_ts: Runner, server: MockServer, api: Api
) -> None:
    """On a 401 from /auth/api-keys the SDK signs L1 with the private key and derives the
    account's credentials: the wrong secret goes unnoticed and the cancel works."""
    report = run(
        official_ts, server, [["cancelOrder", {"orderId": "0xa1"}]], CLOB_SECRET=OTHER_SECRET
    )
    assert report.create == {**KEPT, "same_secret": False}
    assert report.value(0) == {"canceled": ["0xa1"], "notCanceled": {}}
