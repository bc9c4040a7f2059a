"""L1: the ClobAuth EIP-712 headers equal py-clob-client's for the same key, timestamp and nonce;
create / derive go through the generated calls; a bad key never shows up in an error."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from py_clob_client.headers import headers as py_headers
from py_clob_client.signer import Signer

from clob_cancel import (
    AMOY,
    POLYGON,
    AuthError,
    BadRequestError,
    CredentialsError,
    UnexpectedAnswerError,
    address_from_private_key,
    create_api_key,
    create_or_derive_api_key,
    derive_api_key,
    l1_headers,
)
from clob_cancel.l1 import clob_auth_typed_data

from .client_fakes import ADDRESS, PRIVATE_KEY, START, FakeTime, Server, error

NEW_CREDS = {
    "apiKey": "f4f247b7-4ac7-ff29-a152-04fda0a8755a",
    "secret": "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0wMDAwMDI=",
    "passphrase": "hex-encoded-passphrase",
}


def test_the_official_test_vector() -> None:
    """py-clob-client tests/signing/test_eip712.py: Amoy, timestamp 10000000, nonce 23."""
    headers = l1_headers(PRIVATE_KEY, 10000000, 23, AMOY)
    assert headers["POLY_SIGNATURE"] == (
        "0xf62319a987514da40e57e2f4d7529f7bac38f0355bd88bb5adbb3768d80de6c1682518e0af677d5260366425"
        "f4361e7b70c25ae232aff0ab2331e2b164a1aedc1b"
    )


@pytest.mark.parametrize("chain_id", [POLYGON, AMOY])
@pytest.mark.parametrize("nonce", [None, 0, 7])
def test_l1_headers_equal_py_clob_clients(
    monkeypatch: pytest.MonkeyPatch, chain_id: int, nonce: int | None
) -> None:
    class Frozen:
        @staticmethod
        def now() -> Any:
            return type("Now", (), {"timestamp": staticmethod(lambda: START + 0.9)})()

    monkeypatch.setattr(py_headers, "datetime", Frozen)
    theirs = py_headers.create_level_1_headers(Signer(PRIVATE_KEY, chain_id), nonce)
    ours = l1_headers(PRIVATE_KEY, int(START), nonce or 0, chain_id)
    assert ours == theirs
    assert set(ours) == {"POLY_ADDRESS", "POLY_SIGNATURE", "POLY_TIMESTAMP", "POLY_NONCE"}


def test_the_signature_recovers_to_the_address_and_binds_every_field() -> None:
    headers = l1_headers(PRIVATE_KEY, 1234, 5, POLYGON)
    message = encode_typed_data(full_message=clob_auth_typed_data(ADDRESS, 1234, 5, POLYGON))
    assert Account.recover_message(message, signature=headers["POLY_SIGNATURE"]) == ADDRESS
    assert l1_headers(PRIVATE_KEY, 1235, 5)["POLY_SIGNATURE"] != headers["POLY_SIGNATURE"]
    assert l1_headers(PRIVATE_KEY, 1234, 6)["POLY_SIGNATURE"] != headers["POLY_SIGNATURE"]
    assert l1_headers(PRIVATE_KEY, 1234, 5, AMOY)["POLY_SIGNATURE"] != headers["POLY_SIGNATURE"]


@pytest.mark.parametrize("bad", ["0x1234", "not-a-key", "0x" + "00" * 32, PRIVATE_KEY + "ff"])
def test_a_bad_private_key_fails_without_echoing_it(bad: str) -> None:
    with pytest.raises(CredentialsError) as raised:
        address_from_private_key(bad)
    assert str(raised.value) == "private key is not a valid secp256k1 key (32 bytes as hex)"
    assert raised.value.__context__ is None and raised.value.__cause__ is None
    with pytest.raises(CredentialsError):
        l1_headers(bad, 1)


def test_address_from_private_key_with_or_without_0x() -> None:
    assert address_from_private_key(PRIVATE_KEY) == ADDRESS
    assert address_from_private_key(PRIVATE_KEY[2:]) == ADDRESS


def _l1(server: Server) -> dict[str, Any]:
    return {
        "httpx_client_kwargs": {"transport": httpx.MockTransport(server)},
        "clock": FakeTime().clock,
    }


def _check_l1_request(request: httpx.Request, method: str, path: str, nonce: int) -> None:
    assert (request.method, request.url.path) == (method, path)
    assert request.content == b""
    assert request.headers["POLY_ADDRESS"] == ADDRESS
    assert request.headers["POLY_TIMESTAMP"] == str(int(START))
    assert request.headers["POLY_NONCE"] == str(nonce)
    assert "POLY_API_KEY" not in request.headers
    expected = l1_headers(PRIVATE_KEY, int(START), nonce)["POLY_SIGNATURE"]
    assert request.headers["POLY_SIGNATURE"] == expected


def test_create_api_key_posts_l1_headers_and_returns_fresh_creds() -> None:
    server = Server(httpx.Response(200, json=NEW_CREDS))
    creds = create_api_key("https://clob.test", PRIVATE_KEY, nonce=3, **_l1(server))
    (request,) = server.requests
    _check_l1_request(request, "POST", "/auth/api-key", 3)
    assert (creds.api_key, creds.api_secret, creds.api_passphrase) == tuple(NEW_CREDS.values())
    assert creds.created_at == START


def test_derive_api_key_gets_the_existing_creds() -> None:
    server = Server(httpx.Response(200, json=NEW_CREDS))
    creds = derive_api_key("https://clob.test", PRIVATE_KEY, **_l1(server))
    (request,) = server.requests
    _check_l1_request(request, "GET", "/auth/derive-api-key", 0)
    assert creds.api_key == NEW_CREDS["apiKey"]
    assert creds.created_at is None


def test_create_or_derive_derives_when_the_key_exists() -> None:
    server = Server(error(400, "Could not create api key"), httpx.Response(200, json=NEW_CREDS))
    creds = create_or_derive_api_key("https://clob.test", PRIVATE_KEY, **_l1(server))
    assert [(r.method, r.url.path) for r in server.requests] == [
        ("POST", "/auth/api-key"),
        ("GET", "/auth/derive-api-key"),
    ]
    assert creds.api_key == NEW_CREDS["apiKey"]


def test_l1_errors_use_the_same_hierarchy() -> None:
    server = Server(error(401, "Invalid L1 Request headers"))
    with pytest.raises(AuthError) as raised:
        derive_api_key("https://clob.test", PRIVATE_KEY, **_l1(server))
    assert raised.value.operation == "derive_api_key"
    assert raised.value.server_message == "Invalid L1 Request headers"
    with pytest.raises(BadRequestError):
        derive_api_key(
            "https://clob.test", PRIVATE_KEY, **_l1(Server(error(400, "Could not derive api key!")))
        )


def test_malformed_credentials_in_the_answer_are_unexpected_and_not_echoed() -> None:
    bad = {**NEW_CREDS, "secret": "not base64!"}
    with pytest.raises(UnexpectedAnswerError) as raised:
        derive_api_key(
            "https://clob.test", PRIVATE_KEY, **_l1(Server(httpx.Response(200, json=bad)))
        )
    assert "not base64!" not in str(raised.value)
    assert "api_secret is not urlsafe base64" in str(raised.value)


def test_a_bad_key_sends_nothing() -> None:
    server = Server()
    with pytest.raises(CredentialsError):
        create_api_key("https://clob.test", "0x12", **_l1(server))
    assert server.requests == []


def test_client_from_private_key_signs_with_its_address() -> None:
    from clob_cancel import CancelClient

    from .client_fakes import CREDS

    server = Server()
    with CancelClient(
        "https://clob.test",
        CREDS,
        private_key=PRIVATE_KEY,
        httpx_client_kwargs={"transport": httpx.MockTransport(server)},
    ) as c:
        c.cancel("0xa")
    assert server.requests[0].headers["POLY_ADDRESS"] == ADDRESS
    with pytest.raises(CredentialsError, match="is not the address of the private key"):
        CancelClient("https://clob.test", CREDS, "0x" + "1" * 40, private_key=PRIVATE_KEY)
    assert json.loads(server.requests[0].content) == {"orderID": "0xa"}
