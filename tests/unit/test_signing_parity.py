"""Byte-for-byte parity with py-clob-client: for the same credentials, timestamp and call, the
request our client actually sends has the same body bytes and the same five L2 header values as
the one py-clob-client's own code builds."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from py_clob_client import endpoints
from py_clob_client.clob_types import ApiCreds as PyApiCreds
from py_clob_client.clob_types import RequestArgs
from py_clob_client.headers import headers as py_headers
from py_clob_client.signer import Signer

from clob_cancel import CancelClient
from clob_cancel.signing import ApiCreds, l2_signature

from .client_fakes import ADDRESS, BASE_URL, CREDS, PRIVATE_KEY, FakeTime, Server, client

TIMESTAMP = 1_764_000_123
L2_HEADERS = ("POLY_ADDRESS", "POLY_SIGNATURE", "POLY_TIMESTAMP", "POLY_API_KEY", "POLY_PASSPHRASE")
# Non-ASCII, apostrophes and double quotes: the characters where encoders and signers diverge.
TRICKY_ID = "0xé'\"ü✓'"
TRICKY_IDS = [
    "0x38a73eed1e6d177545e9ab027abddfb7e08dbe975fa777123b1752d203d6ac88",
    TRICKY_ID,
    "ид\"'",
]


class _FrozenDatetime:
    @staticmethod
    def now() -> Any:
        class _Now:
            @staticmethod
            def timestamp() -> float:
                return TIMESTAMP + 0.75

        return _Now()


def py_clob_request(path: str, body: Any | None) -> tuple[bytes, dict[str, str]]:
    """The body bytes and L2 headers py-clob-client 0.34.6 sends (its client.py, verbatim logic)."""
    signer = Signer(PRIVATE_KEY, 137)
    creds = PyApiCreds(CREDS.api_key, CREDS.api_secret, CREDS.api_passphrase)
    if body is None:
        args = RequestArgs(method="DELETE", request_path=path)
        sent = b""
    else:
        serialized = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        args = RequestArgs(
            method="DELETE", request_path=path, body=body, serialized_body=serialized
        )
        sent = serialized.encode("utf-8")
    headers: dict[str, str] = py_headers.create_level_2_headers(signer, creds, args)
    return sent, headers


CASES: list[tuple[str, Callable[[CancelClient], Any], str, Any]] = [
    ("cancel", lambda c: c.cancel(TRICKY_ID), endpoints.CANCEL, {"orderID": TRICKY_ID}),
    ("cancel_orders", lambda c: c.cancel_orders(TRICKY_IDS), endpoints.CANCEL_ORDERS, TRICKY_IDS),
    ("cancel_all", lambda c: c.cancel_all(), endpoints.CANCEL_ALL, None),
    (
        "cancel_market_orders",
        lambda c: c.cancel_market_orders("0xmarket'é\"", "52114'\""),
        endpoints.CANCEL_MARKET_ORDERS,
        {"market": "0xmarket'é\"", "asset_id": "52114'\""},
    ),
    (
        "cancel_market_orders (market only)",
        lambda c: c.cancel_market_orders(market="0xbd31"),
        endpoints.CANCEL_MARKET_ORDERS,
        {"market": "0xbd31", "asset_id": ""},
    ),
    (
        "cancel_market_orders (asset only)",
        lambda c: c.cancel_market_orders(asset_id="52114"),
        endpoints.CANCEL_MARKET_ORDERS,
        {"market": "", "asset_id": "52114"},
    ),
]


@pytest.mark.parametrize(("name", "call", "path", "py_body"), CASES, ids=[c[0] for c in CASES])
def test_request_equals_py_clob_clients(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    call: Callable[[CancelClient], Any],
    path: str,
    py_body: Any,
) -> None:
    monkeypatch.setattr(py_headers, "datetime", _FrozenDatetime)
    py_sent, py_l2 = py_clob_request(path, py_body)

    server = Server()
    with client(server, FakeTime(TIMESTAMP + 0.75)) as ours:
        call(ours)
    (request,) = server.requests

    assert request.method == "DELETE"
    assert str(request.url) == BASE_URL + path
    assert request.content == py_sent
    assert {h: request.headers[h] for h in L2_HEADERS} == {h: py_l2[h] for h in L2_HEADERS}
    assert py_l2["POLY_ADDRESS"] == ADDRESS  # the same signer on both sides


def test_a_different_body_byte_changes_the_signature() -> None:
    """The parity above is not vacuous: the signature depends on every body byte."""
    base = l2_signature(CREDS, "1", "DELETE", "/orders", b'["0xa"]')
    assert l2_signature(CREDS, "1", "DELETE", "/orders", b'["0xb"]') != base
    assert l2_signature(CREDS, "1", "DELETE", "/order", b'["0xa"]') != base
    assert l2_signature(CREDS, "2", "DELETE", "/orders", b'["0xa"]') != base


@pytest.mark.parametrize(
    ("body", "signature"),
    [
        # py-clob-client tests/signing/test_hmac.py and clob-client's hmac.test.ts
        ('{"hash": "0x123"}', "ZwAdJKvoYRlEKDkNMwd5BuwNNtg93kNaR_oU2HrfVvc="),
        # rs-clob-client auth.rs hmac_succeeds (compact JSON)
        ('{"hash":"0x123"}', "4gJVbox-R6XlDK4nlaicig0_ANVL1qdcahiL8CXfXLM="),
    ],
)
def test_official_hmac_vectors(body: str, signature: str) -> None:
    creds = ApiCreds("k", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "p")
    assert l2_signature(creds, "1000000", "test-sign", "/orders", body.encode()) == signature


def test_signed_path_is_relative_to_a_base_url_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind a path prefix, the signature is over /order as the official clients sign it."""
    monkeypatch.setattr(py_headers, "datetime", _FrozenDatetime)
    _, py_l2 = py_clob_request(endpoints.CANCEL, {"orderID": "0xa"})
    server = Server()
    with CancelClient(
        "https://proxy.test/clob/",
        CREDS,
        ADDRESS,
        httpx_client_kwargs={"transport": httpx.MockTransport(server)},
        clock=lambda: TIMESTAMP + 0.75,
    ) as ours:
        ours.cancel("0xa")
    (request,) = server.requests
    assert request.url.path == "/clob/order"
    assert request.headers["POLY_SIGNATURE"] == py_l2["POLY_SIGNATURE"]
