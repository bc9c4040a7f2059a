"""A real mock server on loopback, shared by a module's tests and reset before each test."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from clob_cancel.signing import l2_headers
from clob_cancel_mock import DEFAULT_ACCOUNT, Account, MockServer

# Hardhat/Anvil development key #1: public, a second account for isolation tests.
OTHER = Account(
    api_key="00000000-0000-4000-8000-0000000000b2",
    secret="b3RoZXItYWNjb3VudC1zZWNyZXQtZm9yLXRlc3RzLTI=",
    passphrase="other-passphrase",
    address="0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    private_key="0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
)

MARKET_A = "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af"
MARKET_B = "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1"
ASSET_A1, ASSET_A2, ASSET_B1 = "111", "112", "221"

SEED = [
    {"id": "0xa1", "market": MARKET_A, "asset_id": ASSET_A1},
    {"id": "0xa2", "market": MARKET_A, "asset_id": ASSET_A2},
    {"id": "0xb1", "market": MARKET_B, "asset_id": ASSET_B1},
    {"id": "0xm1", "market": MARKET_A, "asset_id": ASSET_A1, "state": "matched"},
    {"id": "0xc1", "market": MARKET_A, "asset_id": ASSET_A1, "state": "canceled"},
    {"id": "0xo1", "owner": OTHER.api_key, "market": MARKET_A, "asset_id": ASSET_A1},
    {"id": "0xo2", "owner": OTHER.api_key, "market": MARKET_B, "asset_id": ASSET_B1},
]


def signed_headers(
    account: Account,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    timestamp: int | None = None,
) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    headers = l2_headers(account.creds, account.address, ts, method, path, body)
    if body:
        headers["Content-Type"] = "application/json"
    return headers


class Api:
    """Signed calls to the mock over real HTTP, plus the admin surface."""

    def __init__(self, server: MockServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, timeout=10)

    def send(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        account: Account = DEFAULT_ACCOUNT,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = signed_headers(account, method, path.split("?")[0], body)
        all_headers.update(headers or {})
        return self.http.request(method, path, content=body, headers=all_headers)

    def cancel(self, order_id: str, account: Account = DEFAULT_ACCOUNT) -> httpx.Response:
        return self.send(
            "DELETE", "/order", b'{"orderID":"%s"}' % order_id.encode(), account=account
        )

    def states(self) -> dict[str, str]:
        response = self.http.get("/_mock/orders")
        assert response.status_code == 200
        return {order["id"]: order["state"] for order in response.json()}


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer([DEFAULT_ACCOUNT, OTHER], SEED) as mock:
        yield mock


@pytest.fixture
def api(server: MockServer) -> Iterator[Api]:
    server.reset()
    client = Api(server)
    yield client
    client.http.close()


def json_of(response: httpx.Response) -> Any:
    assert response.headers["content-type"].startswith("application/json"), response.text
    return response.json()
