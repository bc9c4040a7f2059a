"""Byte parity of our cancels and heartbeat with polymarket-client 0.14.0, the official Python SDK.

For the same credentials, timestamp and call, the request our client sends has the same method,
URL, body bytes and five L2 header values as the one polymarket-client sends. Its requests are
recorded through its own code: ``SecureClient.create`` / ``AsyncSecureClient.create`` run
unchanged (credential check included), its transport serializes the body and its L2 header
resolver signs it; only the socket is replaced, by an httpx.MockTransport handed to the SDK's
own ``SyncTransport`` / ``AsyncTransport`` as their ``client=``, and its clock is frozen.

Where the bytes differ, and both sides are right (each signs exactly what it sends, which the
spec requires and the mock verifies), the last tests pin it:
- a market cancel with both filters: the SDK writes ``asset_id`` first, we (and
  py-clob-client-v2) write ``market`` first: the same JSON object;
- a non-ASCII id: the SDK escapes it (``json.dumps`` default), we send UTF-8. Real ids are ASCII.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import polymarket.clients.async_secure as sdk_async
import polymarket.clients.secure as sdk_sync
import pytest
from polymarket import ApiKeyCreds, AsyncSecureClient, SecureClient
from polymarket.clients._transport import AsyncTransport, SyncTransport

from clob_cancel import CancelClient
from clob_cancel.signing import l2_signature

from ..client.client_fakes import ADDRESS, CREDS, PRIVATE_KEY, FakeTime, Server, client
from .conftest import environment

TIMESTAMP = 1_764_000_123
BASE_URL = "https://clob.test"
L2_HEADERS = ("POLY_ADDRESS", "POLY_SIGNATURE", "POLY_TIMESTAMP", "POLY_API_KEY", "POLY_PASSPHRASE")
ID = "0x38a73eed1e6d177545e9ab027abddfb7e08dbe975fa777123b1752d203d6ac88"
IDS = [ID, "0x" + "ab" * 32, "0x01"]
MARKET = "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af"
ASSET = "52114319501245915516055106046884209969926127482827954674443846427813813222426"
NON_ASCII_ID = "0xé✓"
NEXT_HEARTBEAT = "7f3a2c1e-4b5d-4e6f-8a9b-0c1d2e3f4a5b"

Ours = Callable[[CancelClient], Any]
Theirs = Callable[[Any], Any]


class _FrozenTime:
    """Stands in for the ``time`` module in the SDK's client modules: time() is TIMESTAMP + 0.75."""

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    @staticmethod
    def time() -> float:
        return TIMESTAMP + 0.75


def _answer(sent: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/api-keys":  # create's credential check: not recorded
            return httpx.Response(200, json={"apiKeys": [CREDS.api_key]})
        sent.append(request)
        if request.url.path == "/v1/heartbeats":
            return httpx.Response(200, json={"heartbeat_id": NEXT_HEARTBEAT})
        return httpx.Response(200, json={"canceled": [], "not_canceled": {}})

    return answer


def _sdk_credentials() -> ApiKeyCreds:
    return ApiKeyCreds.model_validate(
        {"apiKey": CREDS.api_key, "secret": CREDS.api_secret, "passphrase": CREDS.api_passphrase}
    )


def theirs_sync(monkeypatch: pytest.MonkeyPatch, call: Theirs) -> httpx.Request:
    """The one request SecureClient sends for ``call(client)``, at TIMESTAMP."""
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(_answer(sent))

    def recording(*, base_url: str, **options: Any) -> SyncTransport:
        recorder = httpx.Client(base_url=base_url, transport=transport)
        return SyncTransport(base_url=base_url, client=recorder, **options)

    with monkeypatch.context() as patch:
        patch.setattr(sdk_sync, "SyncTransport", recording)
        patch.setattr(sdk_sync, "time", _FrozenTime())
        official = SecureClient.create(
            private_key=PRIVATE_KEY,
            wallet=ADDRESS,
            environment=environment(BASE_URL),
            credentials=_sdk_credentials(),
        )
        with official:
            call(official)
    (request,) = sent
    return request


async def theirs_async(monkeypatch: pytest.MonkeyPatch, call: Theirs) -> httpx.Request:
    """The one request AsyncSecureClient sends for ``await call(client)``, at TIMESTAMP."""
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(_answer(sent))

    def recording(*, base_url: str, **options: Any) -> AsyncTransport:
        recorder = httpx.AsyncClient(base_url=base_url, transport=transport)
        return AsyncTransport(base_url=base_url, client=recorder, **options)

    with monkeypatch.context() as patch:
        patch.setattr(sdk_async, "AsyncTransport", recording)
        patch.setattr(sdk_async, "time", _FrozenTime())
        official = await AsyncSecureClient.create(
            private_key=PRIVATE_KEY,
            wallet=ADDRESS,
            environment=environment(BASE_URL),
            credentials=_sdk_credentials(),
        )
        async with official:
            await call(official)
    (request,) = sent
    return request


def ours(call: Ours, *script: httpx.Response) -> httpx.Request:
    server = Server(*script)
    with client(server, FakeTime(TIMESTAMP + 0.75)) as mine:
        call(mine)
    (request,) = server.requests
    return request


def l2(request: httpx.Request) -> dict[str, str]:
    return {name: request.headers[name] for name in L2_HEADERS}


def assert_same_request(mine: httpx.Request, official: httpx.Request) -> None:
    assert mine.method == official.method
    assert str(mine.url) == str(official.url)
    assert mine.content == official.content
    assert l2(mine) == l2(official)
    assert l2(mine)["POLY_TIMESTAMP"] == str(TIMESTAMP) and l2(mine)["POLY_ADDRESS"] == ADDRESS


HEARTBEAT_ANSWER = httpx.Response(200, json={"heartbeat_id": NEXT_HEARTBEAT})

# name, our call, the SDK's call (sync; the async client's is the same call, awaited), our script
CASES: list[tuple[str, Ours, Theirs, tuple[httpx.Response, ...]]] = [
    ("cancel", lambda c: c.cancel(ID), lambda o: o.cancel_order(order_id=ID), ()),
    ("cancel_orders", lambda c: c.cancel_orders(IDS), lambda o: o.cancel_orders(order_ids=IDS), ()),
    ("cancel_all", lambda c: c.cancel_all(), lambda o: o.cancel_all(), ()),
    (
        "cancel_market_orders (market only)",
        lambda c: c.cancel_market_orders(market=MARKET),
        lambda o: o.cancel_market_orders(market=MARKET),
        (),
    ),
    (
        "cancel_market_orders (asset only)",
        lambda c: c.cancel_market_orders(asset_id=ASSET),
        lambda o: o.cancel_market_orders(asset_id=ASSET),
        (),
    ),
    (
        "first heartbeat",
        lambda c: c.send_heartbeat(""),
        lambda o: o.send_order_heartbeat(heartbeat_id=""),
        (HEARTBEAT_ANSWER,),
    ),
    (
        "chained heartbeat",
        lambda c: c.send_heartbeat(NEXT_HEARTBEAT),
        lambda o: o.send_order_heartbeat(heartbeat_id=NEXT_HEARTBEAT),
        (HEARTBEAT_ANSWER,),
    ),
]
IDS_OF_CASES = [case[0] for case in CASES]


@pytest.mark.parametrize(("name", "mine", "official", "script"), CASES, ids=IDS_OF_CASES)
def test_request_equals_polymarket_clients(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    mine: Ours,
    official: Theirs,
    script: tuple[httpx.Response, ...],
) -> None:
    assert_same_request(ours(mine, *script), theirs_sync(monkeypatch, official))


@pytest.mark.parametrize(("name", "mine", "official", "script"), CASES, ids=IDS_OF_CASES)
async def test_request_equals_polymarket_clients_async_one(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    mine: Ours,
    official: Theirs,
    script: tuple[httpx.Response, ...],
) -> None:
    theirs = await theirs_async(monkeypatch, official)
    assert_same_request(ours(mine, *script), theirs)


def signed_over_its_own_bytes(request: httpx.Request) -> bool:
    expected = l2_signature(
        CREDS, request.headers["POLY_TIMESTAMP"], request.method, request.url.path, request.content
    )
    return request.headers["POLY_SIGNATURE"] == expected


def test_market_cancel_with_both_filters_differs_only_in_key_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mine = ours(lambda c: c.cancel_market_orders(MARKET, ASSET))
    official = theirs_sync(
        monkeypatch, lambda o: o.cancel_market_orders(market=MARKET, asset_id=ASSET)
    )
    assert mine.content == b'{"market":"%s","asset_id":"%s"}' % (MARKET.encode(), ASSET.encode())
    assert official.content == b'{"asset_id":"%s","market":"%s"}' % (
        ASSET.encode(),
        MARKET.encode(),
    )
    assert json.loads(mine.content) == json.loads(official.content)
    assert signed_over_its_own_bytes(mine) and signed_over_its_own_bytes(official)
    assert l2(mine)["POLY_SIGNATURE"] != l2(official)["POLY_SIGNATURE"]


def test_a_non_ascii_id_is_escaped_by_the_sdk_and_sent_as_utf8_by_us(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mine = ours(lambda c: c.cancel(NON_ASCII_ID))
    official = theirs_sync(monkeypatch, lambda o: o.cancel_order(order_id=NON_ASCII_ID))
    assert mine.content == '{"orderID":"0xé✓"}'.encode()
    assert official.content == b'{"orderID":"0x\\u00e9\\u2713"}'
    assert json.loads(mine.content) == json.loads(official.content)
    assert signed_over_its_own_bytes(mine) and signed_over_its_own_bytes(official)
