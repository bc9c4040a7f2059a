"""The cancel contract's semantics, over real HTTP against a real mock server."""

from __future__ import annotations

import json

from .conftest import ASSET_A1, ASSET_B1, MARKET_A, MARKET_B, OTHER, Api, json_of

NOT_FOUND = "Order not found or already canceled"
MATCHED = "Order already matched"


def test_cancel_one_live_order_then_again(api: Api) -> None:
    first = api.cancel("0xa1")
    assert first.status_code == 200
    assert json_of(first) == {"canceled": ["0xa1"], "not_canceled": {}}
    assert api.states()["0xa1"] == "canceled"
    second = api.cancel("0xa1")
    assert json_of(second) == {"canceled": [], "not_canceled": {"0xa1": NOT_FOUND}}


def test_reasons_for_unknown_matched_canceled_and_foreign_orders(api: Api) -> None:
    for order_id, reason in [
        ("0xnope", NOT_FOUND),
        ("0xm1", MATCHED),
        ("0xc1", NOT_FOUND),
        ("0xo1", NOT_FOUND),  # another account's order looks exactly like an unknown one
    ]:
        assert json_of(api.cancel(order_id)) == {"canceled": [], "not_canceled": {order_id: reason}}
    assert api.states()["0xo1"] == "live"
    assert api.states()["0xm1"] == "matched"


def test_cancel_orders_reports_each_distinct_id_exactly_once(api: Api) -> None:
    ids = ["0xa1", "0xa2", "0xa1", "0xm1", "0xo1", "0xnope", "0xa2"]
    result = json_of(api.send("DELETE", "/orders", json.dumps(ids).encode()))
    assert result["canceled"] == ["0xa1", "0xa2"]
    assert result["not_canceled"] == {"0xm1": MATCHED, "0xo1": NOT_FOUND, "0xnope": NOT_FOUND}
    states = api.states()
    assert (states["0xa1"], states["0xa2"], states["0xb1"], states["0xo1"]) == (
        "canceled",
        "canceled",
        "live",
        "live",
    )


def test_cancel_orders_empty_list(api: Api) -> None:
    assert json_of(api.send("DELETE", "/orders", b"[]")) == {"canceled": [], "not_canceled": {}}


def test_1000_ids_accepted_1001_refused_with_the_real_text(api: Api) -> None:
    ids = ["0xa1"] + [f"0xunknown{i}" for i in range(999)]
    ok = api.send("DELETE", "/orders", json.dumps(ids).encode())
    assert ok.status_code == 200
    body = json_of(ok)
    assert body["canceled"] == ["0xa1"] and len(body["not_canceled"]) == 999
    api.server.reset()
    too_many = ["0xa1"] + [f"0xunknown{i}" for i in range(1000)]
    refused = api.send("DELETE", "/orders", json.dumps(too_many).encode())
    assert refused.status_code == 400
    assert json_of(refused) == {"error": "Too many orders in payload, max allowed: 1000"}
    assert api.states()["0xa1"] == "live"


def test_cancel_all_touches_only_the_callers_live_orders(api: Api) -> None:
    result = json_of(api.send("DELETE", "/cancel-all"))
    assert sorted(result["canceled"]) == ["0xa1", "0xa2", "0xb1"]
    assert result["not_canceled"] == {}
    states = api.states()
    assert states["0xo1"] == states["0xo2"] == "live"
    assert states["0xm1"] == "matched"
    again = json_of(api.send("DELETE", "/cancel-all"))
    assert again == {"canceled": [], "not_canceled": {}}
    other = json_of(api.send("DELETE", "/cancel-all", account=OTHER))
    assert sorted(other["canceled"]) == ["0xo1", "0xo2"]


def test_cancel_market_orders_filters(api: Api) -> None:
    def cancel_market(body: dict[str, str]) -> list[str]:
        response = api.send("DELETE", "/cancel-market-orders", json.dumps(body).encode())
        result = json_of(response)
        assert result["not_canceled"] == {}
        return sorted(result["canceled"])

    assert cancel_market({"market": MARKET_A, "asset_id": ASSET_A1}) == ["0xa1"]
    assert cancel_market({"market": MARKET_A}) == ["0xa2"]
    assert cancel_market({"market": MARKET_B, "asset_id": ASSET_A1}) == []
    assert cancel_market({"asset_id": ASSET_B1, "market": ""}) == ["0xb1"]
    assert api.states()["0xo1"] == "live"  # same market, other account


def test_cancel_market_orders_without_filters_cancels_everything_of_the_caller(api: Api) -> None:
    everything = json_of(
        api.send("DELETE", "/cancel-market-orders", b'{"market":"","asset_id":""}')
    )
    assert sorted(everything["canceled"]) == ["0xa1", "0xa2", "0xb1"]
    api.server.reset()
    no_body = json_of(api.send("DELETE", "/cancel-market-orders"))
    assert sorted(no_body["canceled"]) == ["0xa1", "0xa2", "0xb1"]
    api.server.reset()
    empty_object = json_of(api.send("DELETE", "/cancel-market-orders", b"{}"))
    assert sorted(empty_object["canceled"]) == ["0xa1", "0xa2", "0xb1"]
    assert api.states()["0xo2"] == "live"


def test_other_account_cannot_cancel_mine_and_vice_versa(api: Api) -> None:
    result = json_of(api.send("DELETE", "/orders", b'["0xa1","0xo1"]', account=OTHER))
    assert result == {"canceled": ["0xo1"], "not_canceled": {"0xa1": NOT_FOUND}}
    assert api.states()["0xa1"] == "live"


def test_unicode_and_quote_ids_round_trip(api: Api) -> None:
    api.server.add_orders([{"id": "0x'é\"☃"}])
    body = json.dumps({"orderID": "0x'é\"☃"}, ensure_ascii=False).encode()
    assert json_of(api.send("DELETE", "/order", body)) == {
        "canceled": ["0x'é\"☃"],
        "not_canceled": {},
    }


def test_time_is_a_bare_integer_near_now(api: Api) -> None:
    import time

    response = api.http.get("/time")
    assert response.status_code == 200
    value = json_of(response)
    assert isinstance(value, int) and abs(value - time.time()) < 5
