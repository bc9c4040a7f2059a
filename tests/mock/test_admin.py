"""The /_mock/ admin surface and the Python-side state API of MockServer."""

from __future__ import annotations

import pytest

from clob_cancel_mock import DEFAULT_ACCOUNT

from .conftest import OTHER, SEED, Api, json_of


def test_add_inspect_and_reset(api: Api) -> None:
    added = api.http.post(
        "/_mock/orders",
        json=[{"id": "0xnew", "market": "m", "asset_id": "a"}, {"id": "0xa1", "state": "matched"}],
    )
    assert json_of(added) == [
        {
            "id": "0xnew",
            "owner": DEFAULT_ACCOUNT.api_key,
            "market": "m",
            "asset_id": "a",
            "state": "live",
        },
        {
            "id": "0xa1",
            "owner": DEFAULT_ACCOUNT.api_key,
            "market": "",
            "asset_id": "",
            "state": "matched",
        },
    ]
    states = api.states()
    assert states["0xnew"] == "live" and states["0xa1"] == "matched"
    assert len(states) == len(SEED) + 1
    assert json_of(api.http.post("/_mock/reset")) == {"orders": len(SEED)}
    assert api.states() == {o["id"]: o.get("state", "live") for o in SEED}


def test_orders_of_another_owner(api: Api) -> None:
    api.http.post("/_mock/orders", json=[{"id": "0xtheirs", "owner": OTHER.api_key}])
    assert json_of(api.cancel("0xtheirs"))["canceled"] == []
    assert json_of(api.cancel("0xtheirs", account=OTHER))["canceled"] == ["0xtheirs"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"id": "x"}, "orders: expected a JSON array of orders"),
        ([{"market": "m"}], "orders[0].id: required"),
        ([{"id": "x"}, {"id": 5}], "orders[1].id: expected a string, got int"),
        ([{"id": "x", "owner": "nobody"}], "orders[0].owner: no account has this api key"),
        ([{"id": "x", "state": "open"}], "orders[0].state: must be one of live, matched, canceled"),
        ([{"id": "x", "price": 1}], "orders[0]: unknown field(s) price"),
        (["x"], "orders[0]: expected an object, got str"),
    ],
)
def test_bad_orders_are_400_naming_the_place(api: Api, body: object, message: str) -> None:
    response = api.http.post("/_mock/orders", json=body)
    assert response.status_code == 400
    assert message in json_of(response)["error"]
    assert len(api.states()) == len(SEED)


def test_malformed_admin_json_is_400(api: Api) -> None:
    response = api.http.post(
        "/_mock/orders", content=b"[{", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "not valid JSON" in json_of(response)["error"]


def test_accounts_lists_keys_and_addresses_never_secrets(api: Api) -> None:
    response = api.http.get("/_mock/accounts")
    assert json_of(response) == [
        {"api_key": DEFAULT_ACCOUNT.api_key, "address": DEFAULT_ACCOUNT.address},
        {"api_key": OTHER.api_key, "address": OTHER.address},
    ]
    assert OTHER.secret not in response.text and OTHER.passphrase not in response.text


def test_python_side_state_api(api: Api) -> None:
    server = api.server
    server.add_orders([{"id": "0xpy"}])
    assert {
        "id": "0xpy",
        "owner": DEFAULT_ACCOUNT.api_key,
        "market": "",
        "asset_id": "",
        "state": "live",
    } in server.orders()
    assert server.set_faults({"status": 503, "count": 1}) == {
        "status": 503,
        "retry_after": 1,
        "count": 1,
    }
    assert api.cancel("0xpy").status_code == 503
    server.set_faults(None)
    assert json_of(api.cancel("0xpy"))["canceled"] == ["0xpy"]
