"""validate_response: passes the mock's real answers, fails a broken one with a clear report."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from clob_cancel import AsyncCancelClient, CancelClient
from clob_cancel.signing import l2_headers
from clob_cancel_conformance.validate import async_event_hooks, event_hooks, validate_response
from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer
from tests.broken_servers.variants import NotCanceledAsList


def signed_delete(url: str, path: str, body: object) -> httpx.Response:
    raw = json.dumps(body, separators=(",", ":")).encode()
    headers = l2_headers(
        DEFAULT_ACCOUNT.creds, DEFAULT_ACCOUNT.address, int(time.time()), "DELETE", path, raw
    )
    headers["Content-Type"] = "application/json"
    return httpx.request("DELETE", f"{url}{path}", content=raw, headers=headers)


def test_real_answers_pass() -> None:
    with MockServer(orders=[{"id": "0xa1", "market": "m", "asset_id": "a"}]) as mock:
        validate_response(signed_delete(mock.url, "/order", {"orderID": "0xa1"}))  # 200
        validate_response(signed_delete(mock.url, "/orders", {"not": "a list"}))  # 400
        validate_response(httpx.delete(f"{mock.url}/cancel-all"))  # 401, no auth
        validate_response(httpx.get(f"{mock.url}/time"))


def broken(status: int, content: bytes, content_type: str = "application/json") -> httpx.Response:
    request = httpx.Request("DELETE", "http://127.0.0.1:1/orders")
    return httpx.Response(
        status, content=content, headers={"Content-Type": content_type}, request=request
    )


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (broken(200, b'{"canceled":[],"not_canceled":[]}'), "Response violates schema"),
        (broken(403, b'{"error":"forbidden"}'), "Undocumented status code"),
        (broken(400, b"Invalid order payload", "text/plain"), "Undocumented Content-Type"),
    ],
    ids=["schema", "status", "content-type"],
)
def test_broken_answers_fail(response: httpx.Response, reason: str) -> None:
    with pytest.raises(AssertionError, match=reason):
        validate_response(response)


def test_unknown_operation_is_named() -> None:
    request = httpx.Request("DELETE", "http://127.0.0.1:1/nope")
    with pytest.raises(AssertionError, match="DELETE /nope is not an operation"):
        validate_response(httpx.Response(404, request=request))


def test_the_client_answers_are_validated_through_event_hooks() -> None:
    """How the client tests use it: every answer the overlay client gets is checked."""
    orders = [{"id": f"0x{n:064x}", "market": "m1", "asset_id": "a1"} for n in range(3)]
    with MockServer(orders=orders) as mock:
        kwargs = {"event_hooks": event_hooks()}
        account = DEFAULT_ACCOUNT
        with CancelClient(
            mock.url, account.creds, account.address, httpx_client_kwargs=kwargs
        ) as client:
            assert client.cancel(orders[0]["id"]).canceled == [orders[0]["id"]]
            client.cancel_orders([orders[1]["id"], "0xunknown"])
            client.cancel_market_orders(market="m1")
            client.cancel_all()


async def test_the_async_client_answers_are_validated() -> None:
    with MockServer(orders=[{"id": "0xa1"}]) as mock:
        account = DEFAULT_ACCOUNT
        async with AsyncCancelClient(
            mock.url,
            account.creds,
            account.address,
            httpx_client_kwargs={"event_hooks": async_event_hooks()},
        ) as client:
            assert (await client.cancel("0xa1")).canceled == ["0xa1"]


def test_a_broken_answer_fails_the_client_call() -> None:
    with (
        MockServer(orders=[{"id": "0xa1"}], clob_class=NotCanceledAsList) as mock,
        CancelClient(
            mock.url,
            DEFAULT_ACCOUNT.creds,
            DEFAULT_ACCOUNT.address,
            httpx_client_kwargs={"event_hooks": event_hooks()},
        ) as client,
        pytest.raises(AssertionError, match="Response violates schema"),
    ):
        client.cancel("0xa1")
