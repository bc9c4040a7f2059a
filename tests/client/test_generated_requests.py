"""The generated functions build exactly the requests the spec describes.

Each generated call runs through a real httpx client whose transport records the request instead
of sending it, and the method, path and JSON body are compared with the spec's own operation and
example, so a spec edit that the generated code does not follow fails here.
"""

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from clob_cancel_client import AuthenticatedClient
from clob_cancel_client.api.cancel import (
    cancel_all,
    cancel_market_orders,
    cancel_order,
    cancel_orders,
)
from clob_cancel_client.models import (
    CancelMarketOrdersRequest,
    CancelOrderRequest,
    CancelOrdersResponse,
    ErrorResponse,
)

ANSWER = {"canceled": ["0xabc"], "not_canceled": {"0xdef": "Order not found or already canceled"}}


def recording_client(sent: list[httpx.Request], status: int = 200, answer: Any = ANSWER) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(status, json=answer)

    client = AuthenticatedClient(base_url="http://clob.test", token="unused")
    client.set_httpx_client(
        httpx.Client(base_url="http://clob.test", transport=httpx.MockTransport(handler))
    )
    return client


def operation(spec: dict[str, Any], operation_id: str) -> tuple[str, str, dict[str, Any]]:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if op.get("operationId") == operation_id:
                return path, method.upper(), op
    raise AssertionError(f"{operation_id} is not in the spec")


def body_example(op: dict[str, Any]) -> Any:
    return op["requestBody"]["content"]["application/json"]["example"]


CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "cancel_order": lambda c, ex: cancel_order.sync_detailed(
        client=c, body=CancelOrderRequest.from_dict(ex)
    ),
    "cancel_orders": lambda c, ex: cancel_orders.sync_detailed(client=c, body=list(ex)),
    "cancel_all": lambda c, ex: cancel_all.sync_detailed(client=c),
    "cancel_market_orders": lambda c, ex: cancel_market_orders.sync_detailed(
        client=c, body=CancelMarketOrdersRequest.from_dict(ex)
    ),
}


@pytest.mark.parametrize("operation_id", sorted(CALLS))
def test_request_matches_spec(spec: dict[str, Any], operation_id: str) -> None:
    path, method, op = operation(spec, operation_id)
    example = body_example(op) if "requestBody" in op else None
    sent: list[httpx.Request] = []

    response = CALLS[operation_id](recording_client(sent), example)

    (request,) = sent
    assert request.method == method == "DELETE"
    assert request.url.path == path
    if example is None:
        assert request.content == b""
    else:
        assert json.loads(request.content) == example
        assert request.headers["content-type"] == "application/json"
        # Compact UTF-8 JSON, as the official clients send: the bytes the L2 signature covers.
        assert (
            request.content
            == json.dumps(example, separators=(",", ":"), ensure_ascii=False).encode()
        )
    assert isinstance(response.parsed, CancelOrdersResponse)
    assert response.parsed.canceled == ANSWER["canceled"]
    assert response.parsed.not_canceled.to_dict() == ANSWER["not_canceled"]


def test_every_cancel_operation_is_covered(spec: dict[str, Any]) -> None:
    ids = {op["operationId"] for item in spec["paths"].values() for op in item.values()}
    cancel_ids = {
        op["operationId"]
        for item in spec["paths"].values()
        for op in item.values()
        if "cancel" in op["tags"]
    }
    assert cancel_ids == set(CALLS)
    assert ids >= {"get_server_time", "create_api_key", "derive_api_key"}


def test_documented_error_parses_into_error_model(spec: dict[str, Any]) -> None:
    _, _, op = operation(spec, "cancel_orders")
    for status in ("400", "401", "425", "429", "500", "503"):
        assert status in op["responses"], status
    sent: list[httpx.Request] = []
    client = recording_client(
        sent, status=400, answer={"error": "Too many orders in payload, max allowed: 1000"}
    )
    response = cancel_orders.sync_detailed(client=client, body=["a"])
    assert isinstance(response.parsed, ErrorResponse)
    assert response.parsed.error == "Too many orders in payload, max allowed: 1000"


def test_orders_limit_is_in_spec(spec: dict[str, Any]) -> None:
    schema = spec["components"]["schemas"]["CancelOrdersRequest"]
    assert schema["type"] == "array"
    assert schema["maxItems"] == 1000


def test_market_filters_are_optional_and_body_not_nullable(spec: dict[str, Any]) -> None:
    _, _, op = operation(spec, "cancel_market_orders")
    assert op["requestBody"]["required"] is False
    schema = spec["components"]["schemas"]["CancelMarketOrdersRequest"]
    assert "required" not in schema and "nullable" not in schema
    sent: list[httpx.Request] = []
    cancel_market_orders.sync_detailed(client=recording_client(sent))
    assert sent[0].content == b""
