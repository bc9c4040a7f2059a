"""Invalid input: 400 naming what and where; 404, 405, 413; never a 5xx or a traceback."""

from __future__ import annotations

import json
import random

import httpx
import pytest

from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

from .conftest import Api, json_of, signed_headers

INVALID = [
    ("/order", b'{"orderID":12}', "body['orderID']: expected string, got number"),
    ("/order", b'{"orderId":"0xa1"}', "'orderID' is a required property"),
    ("/order", b'["0xa1"]', "body: expected object, got array"),
    ("/order", b"null", "body: expected object, got null"),
    ("/order", b"", "the request body is empty"),
    ("/order", b'{"orderID":', "not valid JSON"),
    ("/order", b'{"orderID":NaN}', "not valid JSON"),
    ("/order", b"\xff\xfe{", "not valid JSON"),
    ("/order", b"[" * 100_000, "nests deeper than 100 levels"),
    ("/orders", b"[" * 101 + b"]" * 101, "nests deeper than 100 levels"),
    ("/orders", b"[" * 100 + b"]" * 100, "body[0]: expected string, got array"),
    ("/orders", b'{"orderID":"0xa1"}', "body: expected array, got object"),
    ("/orders", b'["0xa1",null]', "body[1]: expected string, got null"),
    ("/orders", b'["0xa1",["0xa2"]]', "body[1]: expected string, got array"),
    ("/orders", b"", "the request body is empty"),
    ("/cancel-market-orders", b'{"market":5}', "body['market']: expected string, got number"),
    ("/cancel-market-orders", b'{"asset_id":null}', "body['asset_id']: expected string, got null"),
    ("/cancel-market-orders", b'"0xa1"', "body: expected object, got string"),
]


@pytest.mark.parametrize(("path", "body", "message"), INVALID)
def test_invalid_body_is_400_with_what_and_where(
    api: Api, path: str, body: bytes, message: str
) -> None:
    response = api.send("DELETE", path, body)
    assert response.status_code == 400
    error = json_of(response)["error"]
    assert error.startswith("Invalid order payload")
    assert message in error
    assert "Traceback" not in response.text
    assert set(api.states().values()) == {"live", "matched", "canceled"}
    assert api.states()["0xa1"] == "live"


def test_non_json_content_type_is_400(api: Api) -> None:
    response = api.send(
        "DELETE", "/order", b'{"orderID":"0xa1"}', headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 400
    assert "Content-Type must be application/json" in json_of(response)["error"]
    assert api.states()["0xa1"] == "live"


def test_deep_nesting_is_refused_even_after_the_recursion_limit_is_raised(api: Api) -> None:
    """py_ecc (via eth-account's L1 code) raises the recursion limit to 100000 at import; the
    mock must still refuse deep JSON rather than overflow the C stack and die."""
    import sys

    import py_ecc  # noqa: F401

    assert sys.getrecursionlimit() >= 100_000
    for path in ("/order", "/_mock/orders"):
        response = api.send("DELETE" if path == "/order" else "POST", path, b"[" * 500_000)
        assert response.status_code == 400
        assert "nests deeper than 100 levels" in json_of(response)["error"]
    assert api.http.get("/time").status_code == 200  # still alive


def test_brackets_inside_strings_do_not_count_as_nesting(api: Api) -> None:
    order_id = '[{\\"' + "[" * 200
    body = json.dumps([order_id]).encode()
    response = api.send("DELETE", "/orders", body)
    assert response.status_code == 200
    assert json_of(response)["not_canceled"] == {order_id: "Order not found or already canceled"}


def test_lone_surrogate_id_is_answered_as_escaped_json(api: Api) -> None:
    response = api.send("DELETE", "/order", b'{"orderID":"\\ud800x"}')
    assert response.status_code == 200
    assert (
        response.content
        == b'{"canceled":[],"not_canceled":{"\\ud800x":"Order not found or already canceled"}}'
    )


def test_extra_fields_are_accepted_as_the_spec_allows(api: Api) -> None:
    response = api.send("DELETE", "/order", b'{"orderID":"0xa1","note":"x"}')
    assert json_of(response) == {"canceled": ["0xa1"], "not_canceled": {}}


@pytest.mark.parametrize("path", ["/", "/nope", "/order/", "/orders/0xa1", "/_mock", "/_mock/x"])
def test_unknown_path_is_404_json(api: Api, path: str) -> None:
    response = api.http.delete(path)
    assert response.status_code == 404
    assert "error" in json_of(response)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/order", "DELETE"),
        ("POST", "/orders", "DELETE"),
        ("PUT", "/cancel-all", "DELETE"),
        ("DELETE", "/time", "GET, HEAD"),
        ("GET", "/auth/api-key", "POST"),
        ("DELETE", "/_mock/orders", "GET, HEAD, POST"),
    ],
)
def test_wrong_method_is_405_with_allow(api: Api, method: str, path: str, allow: str) -> None:
    response = api.http.request(method, path)
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == set(allow.split(", "))
    assert method in json_of(response)["error"]


def test_oversized_body_is_413_and_cancels_nothing() -> None:
    with MockServer(orders=[{"id": "0xa1"}], max_body_bytes=1000) as server:
        api = Api(server)
        ids = ["0xa1"] + [f"0x{i:064x}" for i in range(20)]
        body = json.dumps(ids).encode()
        assert len(body) > 1000
        response = api.send("DELETE", "/orders", body)
        assert response.status_code == 413
        assert "larger than 1000 bytes" in json_of(response)["error"]
        # chunked, without Content-Length
        headers = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/orders", body)
        chunked = api.http.request(
            "DELETE", "/orders", content=iter([body[:500], body[500:]]), headers=headers
        )
        assert chunked.status_code == 413
        assert api.states()["0xa1"] == "live"
        api.http.close()


def test_random_garbage_never_gets_a_server_error(api: Api) -> None:
    rng = random.Random(5)
    pieces = [
        b"{",
        b"}",
        b"[",
        b"]",
        b'"',
        b"orderID",
        b":",
        b",",
        b"0xa1",
        b"1",
        b"null",
        b"\\u0000",
        b"\xc3",
        b"true",
        b" ",
        b"'",
        b"market",
        b"1e999",
        b"-",
    ]
    for _ in range(150):
        body = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        path = rng.choice(["/order", "/orders", "/cancel-market-orders", "/cancel-all"])
        response = api.send("DELETE", path, body)
        assert response.status_code in (200, 400), (path, body, response.text)
        assert "error" in json_of(response) or response.status_code == 200


def test_in_process_app_works_without_a_server() -> None:
    import asyncio

    from clob_cancel_mock import create_app

    app = create_app(orders=[{"id": "0xa1"}])

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            body = b'{"orderID":"0xa1"}'
            headers = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/order", body)
            return await client.request("DELETE", "/order", content=body, headers=headers)

    response = asyncio.run(run())
    assert response.json() == {"canceled": ["0xa1"], "not_canceled": {}}


def test_client_leaving_mid_body_is_not_an_internal_error(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    import socket
    import time

    host, port = api.server.host, api.server.port
    with socket.create_connection((host, port)) as sock:
        sock.sendall(b'DELETE /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n["0x')
        time.sleep(0.1)
    time.sleep(0.2)
    assert api.http.get("/time").status_code == 200
    assert not [r for r in caplog.records if r.name == "clob_cancel_mock"]
