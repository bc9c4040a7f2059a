"""The generated code encodes bodies and parses answers with orjson (openapi/templates): its
failures must stay clear errors, before anything is sent or as an unexpected answer."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from .client_fakes import FakeTime, Server, client


@pytest.mark.parametrize(
    ("call", "where"),
    [
        (lambda c: c.cancel("0xa\ud800"), "order_id is not valid text (lone surrogate at index 3)"),
        (lambda c: c.cancel_orders(["0xé", "0xb\ud800"]), "order_ids[1] is not valid text"),
        (lambda c: c.cancel_market_orders("0xm\ud800"), "market is not valid text"),
        (lambda c: c.cancel_market_orders(None, "\udfff"), "asset_id is not valid text"),
    ],
    ids=["cancel", "cancel_orders", "market", "asset_id"],
)
def test_an_id_that_is_not_utf8_is_refused_before_sending(
    call: Callable[[Any], Any], where: str
) -> None:
    # A lone surrogate cannot be written as UTF-8 JSON: a ValueError that names the value.
    server = Server()
    with client(server, FakeTime()) as c, pytest.raises(ValueError, match=re.escape(where)):
        call(c)
    assert server.requests == []


# py_ecc, which eth-account imports for a private key, raises the recursion limit to 100000; the
# stdlib json parser then overflows the C stack (SIGSEGV) on a deeply nested answer, where
# orjson's fixed depth limit raises a ValueError. In a child process, so a crash fails this test.
_DEEP_ANSWER = """
import sys
sys.setrecursionlimit(100_000)
import httpx
from clob_cancel import ApiCreds, CancelClient, UnexpectedAnswerError

depth = 100_000
body = b'{"canceled": ' + b"[" * depth + b"]" * depth + b', "not_canceled": {}}'
transport = httpx.MockTransport(
    lambda request: httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
)
creds = ApiCreds("key", "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0wMDAwMDE=", "passphrase")
address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
options = {"transport": transport}
with CancelClient("https://clob.test", creds, address, httpx_client_kwargs=options) as client:
    try:
        client.cancel("0xabc")
    except UnexpectedAnswerError as error:
        print(type(error).__name__, error.status)
"""


def test_a_deeply_nested_answer_is_an_unexpected_answer_not_a_crash() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _DEEP_ANSWER], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["UnexpectedAnswerError", "200"]
