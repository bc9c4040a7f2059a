"""validate_response: passes the mock's real answers, fails a broken one with a clear report."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from clob_cancel.signing import l2_headers
from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer
from tests.conformance.validate import validate_response


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
