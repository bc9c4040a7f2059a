"""The suite's auth signs the bytes that actually arrive at the server, for every kind of case
schemathesis sends (valid, invalid, not JSON at all), and its reports never show a secret."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import AuthContext, Case, GenerationMode
from schemathesis.auths import set_on_case
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import clob_cancel_conformance.hooks  # noqa: F401 - registers the auth
from clob_cancel.signing import ApiCreds, l2_signature
from clob_cancel_conformance import target
from clob_cancel_conformance.auth import L2Auth
from clob_cancel_conformance.target import Target
from tests.conformance.test_contract import schema

CREDS = ApiCreds("key-for-the-recorder", "c2lnbi10aGUtYnl0ZXMtb24tdGhlLXdpcmUtMDAwMDA=", "pass-rec")
ADDRESS = "0x1111111111111111111111111111111111111111"


class Recorder:
    """A real HTTP server that keeps what each request carried, as received."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, dict[str, str], bytes]] = []

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        self.received.append((request.method, request.url.path, dict(request.headers), body))
        return Response(b'{"canceled":[],"not_canceled":{}}', media_type="application/json")

    def app(self) -> Starlette:
        methods = ["DELETE", "POST", "PUT", "PATCH", "GET"]
        return Starlette(routes=[Route("/{path:path}", self.endpoint, methods=methods)])


@pytest.fixture(scope="module")
def recorder() -> Iterator[tuple[Recorder, Target]]:
    rec = Recorder()
    config = uvicorn.Config(rec.app(), host="127.0.0.1", port=0, log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        thread.join(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    # allow_destructive: the recorder holds no orders, so every operation may be sent to it.
    t = Target(f"http://127.0.0.1:{port}", CREDS, ADDRESS, is_mock=False, allow_destructive=True)
    with target.using(t):
        yield rec, t
    server.should_exit = True
    thread.join(10)


def assert_signed_as_received(rec: Recorder) -> bytes:
    """The last request's signature is valid over the exact bytes the server received."""
    method, path, headers, body = rec.received[-1]
    expected = l2_signature(CREDS, headers["poly_timestamp"], method, path, body)
    assert headers["poly_signature"] == expected
    assert headers["poly_api_key"] == CREDS.api_key
    assert headers["poly_passphrase"] == CREDS.api_passphrase
    assert headers["poly_address"] == ADDRESS
    return body


@pytest.mark.parametrize(
    ("kwargs", "sent"),
    [
        (
            {"json": {"orderID": "ордер ✓"}},
            b'{"orderID": "\\u043e\\u0440\\u0434\\u0435\\u0440 \\u2713"}',
        ),
        ({"json": ["a", "b"]}, b'["a", "b"]'),
        ({"data": "plain text, not JSON: ордер"}, "plain text, not JSON: ордер".encode()),
        ({"data": b"\xff\xfe raw bytes"}, b"\xff\xfe raw bytes"),
        ({}, b""),
    ],
    ids=["json-non-ascii", "json-array", "text-non-ascii", "binary", "no-body"],
)
def test_signs_the_bytes_on_the_wire(
    recorder: tuple[Recorder, Target], kwargs: dict[str, Any], sent: bytes
) -> None:
    rec, t = recorder
    with requests.Session() as session:
        session.request("DELETE", f"{t.base_url}/orders", auth=L2Auth(), **kwargs)
    assert assert_signed_as_received(rec) == sent


def _negative_cases() -> st.SearchStrategy[Case[Any]]:
    operations = [schema[path]["DELETE"] for path in ("/order", "/orders", "/cancel-market-orders")]
    return st.one_of([op.as_strategy(generation_mode=GenerationMode.NEGATIVE) for op in operations])


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=_negative_cases())
def test_negative_cases_are_signed_over_what_is_sent(
    recorder: tuple[Recorder, Target], case: Case[Any]
) -> None:
    """Invalid bodies (wrong types, non-JSON content types, ...) are signed too, so a server's
    400 is about the body, never a 401 about a signature over other bytes."""
    rec, t = recorder
    case.call(base_url=t.base_url)
    assert_signed_as_received(rec)


def test_reports_mask_the_secrets(recorder: tuple[Recorder, Target]) -> None:
    rec, t = recorder
    operation = schema["/order"]["DELETE"]
    case = operation.Case(body={"orderID": "0xabc"}, media_type="application/json")
    set_on_case(case, AuthContext(operation=operation, app=None), None)
    response = case.call(base_url=t.base_url)
    sent_signature = response.request.headers["POLY_SIGNATURE"]
    for headers in (dict(response.request.headers), None):  # a failure report; a network error
        curl = case.as_curl_command(headers=headers, base_url=t.base_url)
        assert CREDS.api_passphrase not in curl
        assert CREDS.api_key not in curl
        assert sent_signature not in curl
        assert "POLY_SIGNATURE: [Filtered]" in curl
        assert "POLY_PASSPHRASE: [Filtered]" in curl
    assert rec.received  # the request itself was signed and sent
