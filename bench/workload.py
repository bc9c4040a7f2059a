"""The calls every client makes, and the answers the server gives, defined once for both sides.

The ids are deterministic so the server can hold each answer ready; answers are realistic in size
(cancel_orders(1000), the API's cap per request, answers with the 1000 ids canceled) because
parsing them is part of the cost.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, NamedTuple

# A development identity, not a secret: Hardhat's well-known account #0 (its key is published in
# every Ethereum tutorial) and made-up API credentials. The bench server verifies nothing.
PRIVATE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
API_KEY = "5f2b5a4e-1c7d-4a8e-9b3f-0d6c2e1a7b90"
API_SECRET = "YmVuY2gtc2VjcmV0LW5vdC1hLXJlYWwta2V5LTAwMDA="  # base64 of 32 ASCII bytes
API_PASSPHRASE = "bench-passphrase"

MARKET = "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af"
ASSET_ID = "52114319501245915516055106046884209969926127482827954674443846427813813222426"

ORDER_IDS = ["0x" + hashlib.sha256(f"bench-order-{i}".encode()).hexdigest() for i in range(1000)]
CANCEL_ALL_COUNT = 100  # the account had 100 open orders when it called cancel_all
MARKET_COUNT = 10  # ... 10 of them in the market given to cancel_market_orders

OPS = (
    "cancel(1)",
    "cancel_orders(100)",
    "cancel_orders(1000)",
    "cancel_all",
    "cancel_market_orders",
)


class Call(NamedTuple):
    """One operation as it goes on the wire, and how many ids its answer names."""

    op: str
    path: str
    body: Any  # the JSON value sent, None when the request has no body
    answered: int


CALLS = {
    "cancel(1)": Call("cancel(1)", "/order", {"orderID": ORDER_IDS[0]}, 1),
    "cancel_orders(100)": Call("cancel_orders(100)", "/orders", ORDER_IDS[:100], 100),
    "cancel_orders(1000)": Call("cancel_orders(1000)", "/orders", ORDER_IDS, 1000),
    "cancel_all": Call("cancel_all", "/cancel-all", None, CANCEL_ALL_COUNT),
    "cancel_market_orders": Call(
        "cancel_market_orders",
        "/cancel-market-orders",
        {"market": MARKET, "asset_id": ASSET_ID},
        MARKET_COUNT,
    ),
}


def body_bytes(body: Any) -> bytes:
    """The body as every client here sends it: compact JSON, UTF-8, non-ASCII not escaped."""
    if body is None:
        return b""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def answer_bytes(count: int) -> bytes:
    """A valid CancelOrdersResponse naming the first ``count`` ids as canceled."""
    return json.dumps({"canceled": ORDER_IDS[:count], "not_canceled": {}}).encode()
