"""Byte-for-byte parity with the official Python clients.

For the same credentials, timestamp and call, the request our client actually sends has the same
body bytes and the same five L2 header values as the request the official client's own code
sends: py-clob-client-v2 1.2.1 (deprecated upstream) for the four cancels, and py-clob-client
0.34.6 (legacy) where the two agree (parity with polymarket-client, the SDK now:
tests/official_py/test_parity.py). The official requests are not rebuilt here: each official
client runs unchanged (its client.py serializes the body, its headers.create_level_2_headers
signs it) and sends through its module-level ``_http_client``, which is swapped for an
httpx.MockTransport that records the request.

Where they must differ: the Python clients sign the body with every ``'`` replaced by ``"``; we
sign the exact bytes (as the TypeScript clients do). Real ids have no apostrophe, so that
difference never shows on the wire; the last tests pin which side of it we are on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from types import ModuleType
from typing import Any

import httpx
import py_clob_client.client as v1_client
import py_clob_client.headers.headers as v1_headers
import py_clob_client.http_helpers.helpers as v1_helpers
import py_clob_client_v2.client as v2_client
import py_clob_client_v2.headers.headers as v2_headers
import py_clob_client_v2.http_helpers.helpers as v2_helpers
import pytest
from py_clob_client.clob_types import ApiCreds as V1ApiCreds
from py_clob_client_v2.clob_types import ApiCreds as V2ApiCreds
from py_clob_client_v2.clob_types import OrderMarketCancelParams, OrderPayload

from clob_cancel import CancelClient
from clob_cancel.signing import ApiCreds, l2_signature

from .client_fakes import ADDRESS, BASE_URL, CREDS, PRIVATE_KEY, SECRET, FakeTime, Server, client

TIMESTAMP = 1_764_000_123
L2_HEADERS = ("POLY_ADDRESS", "POLY_SIGNATURE", "POLY_TIMESTAMP", "POLY_API_KEY", "POLY_PASSPHRASE")
CANCEL, CANCEL_ORDERS, CANCEL_ALL, CANCEL_MARKET_ORDERS = (
    "/order",
    "/orders",
    "/cancel-all",
    "/cancel-market-orders",
)
# Where JSON encoders diverge (non-ASCII, escapes, U+2028), but no apostrophe: on these bodies
# the exact bytes and the quote-replaced form are the same string.
TRICKY_ID = '0xé"ü✓\\\t\u2028'
IDS = [
    "0x38a73eed1e6d177545e9ab027abddfb7e08dbe975fa777123b1752d203d6ac88",
    TRICKY_ID,
    'ид"',
]
MARKET = "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af"
ASSET = "52114319501245915516055106046884209969926127482827954674443846427813813222426"

Ours = Callable[[CancelClient], Any]
Official = Callable[[Any], Any]
CASE_ARGS = ("name", "ours", "official", "path")


class _FrozenDatetime:
    """Stands in for ``datetime`` in the official headers modules: now() is TIMESTAMP + 0.75."""

    @staticmethod
    def now() -> Any:
        class _Now:
            @staticmethod
            def timestamp() -> float:
                return TIMESTAMP + 0.75

        return _Now()


def _recorded(
    monkeypatch: pytest.MonkeyPatch,
    helpers: ModuleType,
    headers: ModuleType,
    run: Callable[[], Any],
) -> httpx.Request:
    """The one request an official client sends while ``run`` runs, at TIMESTAMP."""
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"canceled": [], "not_canceled": {}})

    recorder = httpx.Client(transport=httpx.MockTransport(answer))
    with recorder, monkeypatch.context() as patch:
        patch.setattr(headers, "datetime", _FrozenDatetime)
        patch.setattr(helpers, "_http_client", recorder)
        run()
    (request,) = sent
    return request


def v2_request(
    monkeypatch: pytest.MonkeyPatch, call: Official, host: str = BASE_URL
) -> httpx.Request:
    """What py-clob-client-v2 1.2.1 sends for ``call(its ClobClient)``."""
    creds = V2ApiCreds(CREDS.api_key, CREDS.api_secret, CREDS.api_passphrase)
    official = v2_client.ClobClient(host, chain_id=137, key=PRIVATE_KEY, creds=creds)
    return _recorded(monkeypatch, v2_helpers, v2_headers, lambda: call(official))


def v1_request(monkeypatch: pytest.MonkeyPatch, call: Official) -> httpx.Request:
    """What py-clob-client 0.34.6 sends for ``call(its ClobClient)``."""
    creds = V1ApiCreds(CREDS.api_key, CREDS.api_secret, CREDS.api_passphrase)
    official = v1_client.ClobClient(BASE_URL, key=PRIVATE_KEY, chain_id=137, creds=creds)
    return _recorded(monkeypatch, v1_helpers, v1_headers, lambda: call(official))


def our_request(call: Ours) -> httpx.Request:
    server = Server()
    with client(server, FakeTime(TIMESTAMP + 0.75)) as ours:
        call(ours)
    (request,) = server.requests
    return request


def l2(request: httpx.Request) -> dict[str, str]:
    return {name: request.headers[name] for name in L2_HEADERS}


def raw_hmac(path: str, body: bytes) -> str:
    """HMAC-SHA256 over timestamp + method + path + body, computed here, not by our signer."""
    message = f"{TIMESTAMP}DELETE{path}".encode() + body
    digest = hmac.new(base64.urlsafe_b64decode(SECRET), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()


def assert_same_request(ours: httpx.Request, official: httpx.Request, path: str) -> None:
    assert ours.method == official.method == "DELETE"
    assert str(ours.url) == str(official.url) == BASE_URL + path
    assert ours.content == official.content
    assert l2(ours) == l2(official)
    assert l2(ours)["POLY_ADDRESS"] == ADDRESS  # the same signer on both sides


V2_CASES: list[tuple[str, Ours, Official, str]] = [
    (
        "cancel",
        lambda c: c.cancel(TRICKY_ID),
        lambda o: o.cancel_order(OrderPayload(orderID=TRICKY_ID)),
        CANCEL,
    ),
    ("cancel_orders", lambda c: c.cancel_orders(IDS), lambda o: o.cancel_orders(IDS), "/orders"),
    ("cancel_all", lambda c: c.cancel_all(), lambda o: o.cancel_all(), CANCEL_ALL),
    (
        "cancel_market_orders (market and asset)",
        lambda c: c.cancel_market_orders(MARKET, ASSET),
        lambda o: o.cancel_market_orders(OrderMarketCancelParams(market=MARKET, asset_id=ASSET)),
        CANCEL_MARKET_ORDERS,
    ),
    (
        "cancel_market_orders (market only)",
        lambda c: c.cancel_market_orders(market=MARKET),
        lambda o: o.cancel_market_orders(OrderMarketCancelParams(market=MARKET)),
        CANCEL_MARKET_ORDERS,
    ),
    (
        "cancel_market_orders (asset only)",
        lambda c: c.cancel_market_orders(asset_id=ASSET),
        lambda o: o.cancel_market_orders(OrderMarketCancelParams(asset_id=ASSET)),
        CANCEL_MARKET_ORDERS,
    ),
]


@pytest.mark.parametrize(CASE_ARGS, V2_CASES, ids=[c[0] for c in V2_CASES])
def test_request_equals_py_clob_client_v2s(
    monkeypatch: pytest.MonkeyPatch, name: str, ours: Ours, official: Official, path: str
) -> None:
    assert_same_request(our_request(ours), v2_request(monkeypatch, official), path)


# py-clob-client (v1) sends both market keys, "" for the filter not given; py-clob-client-v2 and
# we send only the filters given. So the legacy parity holds for the market cancel with both.
V1_CASES: list[tuple[str, Ours, Official, str]] = [
    ("cancel", lambda c: c.cancel(TRICKY_ID), lambda o: o.cancel(TRICKY_ID), CANCEL),
    ("cancel_orders", lambda c: c.cancel_orders(IDS), lambda o: o.cancel_orders(IDS), "/orders"),
    ("cancel_all", lambda c: c.cancel_all(), lambda o: o.cancel_all(), CANCEL_ALL),
    (
        "cancel_market_orders (market and asset)",
        lambda c: c.cancel_market_orders(MARKET, ASSET),
        lambda o: o.cancel_market_orders(market=MARKET, asset_id=ASSET),
        CANCEL_MARKET_ORDERS,
    ),
]


@pytest.mark.parametrize(CASE_ARGS, V1_CASES, ids=[c[0] for c in V1_CASES])
def test_request_equals_legacy_py_clob_clients(
    monkeypatch: pytest.MonkeyPatch, name: str, ours: Ours, official: Official, path: str
) -> None:
    assert_same_request(our_request(ours), v1_request(monkeypatch, official), path)


def test_one_filter_market_cancel_is_v2s_body_not_v1s(monkeypatch: pytest.MonkeyPatch) -> None:
    """The market cancel with one filter: v2's body, without the legacy ``"asset_id":""``."""
    ours = our_request(lambda c: c.cancel_market_orders(market=MARKET))
    v1 = v1_request(monkeypatch, lambda o: o.cancel_market_orders(market=MARKET))
    assert ours.content == b'{"market":"%s"}' % MARKET.encode()
    assert v1.content == b'{"market":"%s","asset_id":""}' % MARKET.encode()


# Ids with an apostrophe: never seen in real ids, but where the Python clients' signature (over
# the body with ' replaced by ") and the exact-bytes signature part ways.
APOSTROPHE_ID = "0xa'b\"c'é"
APOSTROPHE_CASES: list[tuple[str, Ours, Official, str]] = [
    (
        "cancel",
        lambda c: c.cancel(APOSTROPHE_ID),
        lambda o: o.cancel_order(OrderPayload(orderID=APOSTROPHE_ID)),
        CANCEL,
    ),
    (
        "cancel_orders",
        lambda c: c.cancel_orders([IDS[0], APOSTROPHE_ID, "'"]),
        lambda o: o.cancel_orders([IDS[0], APOSTROPHE_ID, "'"]),
        CANCEL_ORDERS,
    ),
    (
        "cancel_market_orders (market and asset)",
        lambda c: c.cancel_market_orders("0xm'", "1'2"),
        lambda o: o.cancel_market_orders(OrderMarketCancelParams(market="0xm'", asset_id="1'2")),
        CANCEL_MARKET_ORDERS,
    ),
    (
        "cancel_market_orders (market only)",
        lambda c: c.cancel_market_orders(market="0xm'"),
        lambda o: o.cancel_market_orders(OrderMarketCancelParams(market="0xm'")),
        CANCEL_MARKET_ORDERS,
    ),
]


@pytest.mark.parametrize(CASE_ARGS, APOSTROPHE_CASES, ids=[c[0] for c in APOSTROPHE_CASES])
def test_with_an_apostrophe_we_sign_the_exact_bytes(
    monkeypatch: pytest.MonkeyPatch, name: str, ours: Ours, official: Official, path: str
) -> None:
    mine, theirs = our_request(ours), v2_request(monkeypatch, official)
    body = mine.content
    assert b"'" in body
    assert body == theirs.content  # the same bytes on the wire...
    assert mine.headers["POLY_SIGNATURE"] == raw_hmac(path, body)  # ...we sign them as they are
    assert theirs.headers["POLY_SIGNATURE"] == raw_hmac(path, body.replace(b"'", b'"'))
    assert mine.headers["POLY_SIGNATURE"] != theirs.headers["POLY_SIGNATURE"]
    others = [h for h in L2_HEADERS if h != "POLY_SIGNATURE"]
    assert {h: mine.headers[h] for h in others} == {h: theirs.headers[h] for h in others}


def test_a_different_body_byte_changes_the_signature() -> None:
    """The parity above is not vacuous: the signature depends on every body byte."""
    base = l2_signature(CREDS, "1", "DELETE", "/orders", b'["0xa"]')
    assert l2_signature(CREDS, "1", "DELETE", "/orders", b'["0xb"]') != base
    assert l2_signature(CREDS, "1", "DELETE", "/order", b'["0xa"]') != base
    assert l2_signature(CREDS, "2", "DELETE", "/orders", b'["0xa"]') != base
    assert l2_signature(CREDS, "1", "DELETE", "/orders", b'["0xa\'"]') != l2_signature(
        CREDS, "1", "DELETE", "/orders", b'["0xa""]'
    )


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
    """Behind a path prefix, the signature is over /order, as the official clients sign it."""
    official = v2_request(
        monkeypatch,
        lambda o: o.cancel_order(OrderPayload(orderID="0xa")),
        host="https://proxy.test/clob",
    )
    assert official.url.path == "/clob/order"
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
    assert request.headers["POLY_SIGNATURE"] == official.headers["POLY_SIGNATURE"]
