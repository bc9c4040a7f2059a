"""Every answer the mock gives on a spec operation is one the spec documents (openapi-core)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from clob_cancel.spec import spec_path
from clob_cancel_mock import DEFAULT_ACCOUNT

from .conftest import Api

SPEC_HOST = "http://127.0.0.1:8080"  # a server of the spec: openapi-core finds paths under it


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return OpenAPI.from_path(spec_path())


def check(openapi: OpenAPI, response: httpx.Response) -> None:
    request = response.request
    mock_request = MockRequest(
        SPEC_HOST,
        request.method,
        request.url.path,
        headers=dict(request.headers),
        data=request.content,
    )
    mock_response = MockResponse(
        response.content,
        status_code=response.status_code,
        headers=dict(response.headers),
        content_type=response.headers.get("content-type", ""),
    )
    openapi.validate_response(mock_request, mock_response)


def _faulted(
    faults: dict[str, object], call: Callable[[Api], httpx.Response]
) -> Callable[[Api], httpx.Response]:
    def run(api: Api) -> httpx.Response:
        api.server.set_faults(faults)
        return call(api)

    return run


CASES: dict[str, Callable[[Api], httpx.Response]] = {
    "200 cancel": lambda api: api.cancel("0xa1"),
    "200 cancel_orders": lambda api: api.send("DELETE", "/orders", b'["0xa1","0xm1","0xzz"]'),
    "200 cancel_all": lambda api: api.send("DELETE", "/cancel-all"),
    "200 cancel_market_orders": lambda api: api.send("DELETE", "/cancel-market-orders", b"{}"),
    "200 time": lambda api: api.http.get("/time"),
    "400 payload": lambda api: api.send("DELETE", "/order", b"[]"),
    "400 too many": lambda api: api.send(
        "DELETE", "/orders", b"[" + b",".join([b'"x"'] * 1001) + b"]"
    ),
    "401": lambda api: api.http.request("DELETE", "/orders", content=b"[]"),
    "401 L1": lambda api: api.http.get("/auth/derive-api-key"),
    "400 L1 create": lambda api: api.http.post("/auth/api-key", headers=_l1()),
    "200 L1 derive": lambda api: api.http.get("/auth/derive-api-key", headers=_l1()),
    "425": _faulted({"status": 425}, lambda api: api.cancel("0xa1")),
    "425 restarting": _faulted({"restarting": 60}, lambda api: api.cancel("0xa1")),
    "200 cancel-only": _faulted({"cancel_only": True}, lambda api: api.cancel("0xa1")),
    "429 injected": _faulted({"status": 429}, lambda api: api.cancel("0xa1")),
    "429 bucket": _faulted(
        {"rate_limit": {"rate": 1, "burst": 1}},
        lambda api: api.send("DELETE", "/orders", b'["a","b"]'),
    ),
    "429 bucket negative": _faulted(
        {"rate_limit": {"rate": 0.001, "burst": 1, "negative_balance": True}},
        lambda api: (api.send("DELETE", "/cancel-all"), api.cancel("0xa1"))[1],
    ),
    "200 tier headers": _faulted(
        {"rate_limit": {"tier": "Silver"}}, lambda api: api.cancel("0xa1")
    ),
    "200 negative balance": _faulted(
        {"rate_limit": {"rate": 0.001, "burst": 1, "negative_balance": True}},
        lambda api: api.send("DELETE", "/cancel-all"),
    ),
    "200 warning": _faulted(
        {"rate_limit": {"rate": 0.001, "burst": 1, "warning": True}},
        lambda api: api.send("DELETE", "/orders", b'["0xa1","0xa2"]'),
    ),
    "500": _faulted({"status": 500}, lambda api: api.send("DELETE", "/cancel-all")),
    "503": _faulted({"trading_disabled": True}, lambda api: api.send("DELETE", "/cancel-all")),
}


def _l1() -> dict[str, str]:
    import time

    from clob_cancel_mock import sign_l1

    ts = str(int(time.time()))
    return {
        "POLY_ADDRESS": DEFAULT_ACCOUNT.address,
        "POLY_SIGNATURE": sign_l1(DEFAULT_ACCOUNT.private_key or "", ts, 0, 137),
        "POLY_TIMESTAMP": ts,
        "POLY_NONCE": "0",
    }


@pytest.mark.parametrize("call", CASES.values(), ids=CASES.keys())
def test_answer_is_documented(
    api: Api, openapi: OpenAPI, call: Callable[[Api], httpx.Response]
) -> None:
    response = call(api)
    name = next(k for k, v in CASES.items() if v is call)
    assert str(response.status_code) == name.split()[0], response.text
    check(openapi, response)
