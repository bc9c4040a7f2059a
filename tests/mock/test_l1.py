"""L1: EIP-712 ClobAuth headers prove the address; create and derive hand out credentials."""

from __future__ import annotations

import time

import httpx
import pytest

from clob_cancel.signing import ApiCreds, l2_headers
from clob_cancel_mock import DEFAULT_ACCOUNT, sign_l1

from .conftest import Api, json_of

# Hardhat/Anvil development key #2 (public): an address the mock has no account for.
NEW_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"
NEW_ADDRESS = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def l1_headers(
    private_key: str, address: str, *, nonce: int = 0, chain_id: int = 137, age: int = 0
) -> dict[str, str]:
    ts = str(int(time.time()) - age)
    return {
        "POLY_ADDRESS": address,
        "POLY_SIGNATURE": sign_l1(private_key, ts, nonce, chain_id),
        "POLY_TIMESTAMP": ts,
        "POLY_NONCE": str(nonce),
    }


def test_sign_l1_matches_py_clob_clients_test_vector() -> None:
    # py-clob-client tests/signing/test_eip712.py: Hardhat key #0, Amoy, ts 10000000, nonce 23
    assert sign_l1(DEFAULT_ACCOUNT.private_key or "", "10000000", 23, 80002) == (
        "0xf62319a987514da40e57e2f4d7529f7bac38f0355bd88bb5adbb3768d80de6c1682518e0af677d5260366425"
        "f4361e7b70c25ae232aff0ab2331e2b164a1aedc1b"
    )


def test_derive_for_the_configured_account(api: Api) -> None:
    key = DEFAULT_ACCOUNT.private_key or ""
    response = api.http.get(
        "/auth/derive-api-key", headers=l1_headers(key, DEFAULT_ACCOUNT.address)
    )
    assert json_of(response) == {
        "apiKey": DEFAULT_ACCOUNT.api_key,
        "secret": DEFAULT_ACCOUNT.secret,
        "passphrase": DEFAULT_ACCOUNT.passphrase,
    }
    create = api.http.post("/auth/api-key", headers=l1_headers(key, DEFAULT_ACCOUNT.address))
    assert create.status_code == 400
    assert json_of(create) == {"error": "Could not create api key"}


def test_create_for_a_new_address_then_derive_and_use_it(api: Api) -> None:
    assert api.http.get(
        "/auth/derive-api-key", headers=l1_headers(NEW_KEY, NEW_ADDRESS)
    ).json() == {"error": "Could not derive api key!"}
    created = json_of(api.http.post("/auth/api-key", headers=l1_headers(NEW_KEY, NEW_ADDRESS)))
    assert set(created) == {"apiKey", "secret", "passphrase"}
    derived = json_of(
        api.http.get("/auth/derive-api-key", headers=l1_headers(NEW_KEY, NEW_ADDRESS))
    )
    assert derived == created
    other_nonce = api.http.get(
        "/auth/derive-api-key", headers=l1_headers(NEW_KEY, NEW_ADDRESS, nonce=1)
    )
    assert other_nonce.status_code == 400
    # the new credentials work for L2 at once, and own no orders
    creds = ApiCreds(created["apiKey"], created["secret"], created["passphrase"])
    body = b'{"orderID":"0xa1"}'
    headers = l2_headers(creds, NEW_ADDRESS.lower(), int(time.time()), "DELETE", "/order", body)
    response = api.http.request("DELETE", "/order", content=body, headers=headers)
    assert json_of(response)["not_canceled"] == {"0xa1": "Order not found or already canceled"}


def _bad_signature(h: dict[str, str]) -> None:
    h["POLY_SIGNATURE"] = h["POLY_SIGNATURE"][:-2] + (
        "1c" if h["POLY_SIGNATURE"][-2:] != "1c" else "1b"
    )


BREAKERS = {
    "signed by another key": lambda h: h.update(POLY_ADDRESS=NEW_ADDRESS),
    "signature tampered": _bad_signature,
    "other nonce than signed": lambda h: h.update(POLY_NONCE="7"),
    "other timestamp than signed": lambda h: h.update(
        POLY_TIMESTAMP=str(int(h["POLY_TIMESTAMP"]) - 1)
    ),
    "garbage signature": lambda h: h.update(POLY_SIGNATURE="0x" + "ab" * 65),
    "missing nonce": lambda h: h.pop("POLY_NONCE"),
    "missing signature": lambda h: h.pop("POLY_SIGNATURE"),
    "bad address": lambda h: h.update(POLY_ADDRESS="0x1234"),
}


@pytest.mark.parametrize("breaker", BREAKERS.values(), ids=BREAKERS.keys())
def test_broken_l1_headers_are_401(api: Api, breaker: object) -> None:
    headers = l1_headers(DEFAULT_ACCOUNT.private_key or "", DEFAULT_ACCOUNT.address)
    breaker(headers)  # type: ignore[operator]
    response = api.http.get("/auth/derive-api-key", headers=headers)
    assert response.status_code == 401
    assert json_of(response) == {"error": "Invalid L1 Request headers"}


def test_wrong_chain_and_stale_timestamp_are_401(api: Api) -> None:
    key = DEFAULT_ACCOUNT.private_key or ""
    for headers in (
        l1_headers(key, DEFAULT_ACCOUNT.address, chain_id=80002),
        l1_headers(key, DEFAULT_ACCOUNT.address, age=400),
    ):
        assert api.http.get("/auth/derive-api-key", headers=headers).status_code == 401


def test_chain_id_is_configurable() -> None:
    from clob_cancel_mock import MockServer

    with MockServer(chain_id=80002) as server, httpx.Client(base_url=server.url) as http:
        key = DEFAULT_ACCOUNT.private_key or ""
        headers = l1_headers(key, DEFAULT_ACCOUNT.address, chain_id=80002)
        assert http.get("/auth/derive-api-key", headers=headers).status_code == 200
