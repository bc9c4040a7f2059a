"""Bad input is refused before anything is sent, with an error naming what is wrong and where."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from clob_cancel import ApiCreds, CancelClient, CredentialsError

from .client_fakes import ADDRESS, BASE_URL, CREDS, PASSPHRASE, SECRET, FakeTime, Server, client


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda c: c.cancel(""), ValueError, "order_id is an empty string"),
        (lambda c: c.cancel(None), TypeError, "order_id must be a str, got NoneType"),
        (lambda c: c.cancel(123), TypeError, "order_id must be a str, got int"),
        (lambda c: c.cancel_orders([]), ValueError, "order_ids is empty"),
        (lambda c: c.cancel_orders(iter(())), ValueError, "order_ids is empty"),
        (lambda c: c.cancel_orders("0xabc"), TypeError, "not a single string"),
        (lambda c: c.cancel_orders(["0xa", ""]), ValueError, "order_ids[1] is an empty string"),
        (lambda c: c.cancel_orders(["0xa", "0xb", 7]), TypeError, "order_ids[2] must be a str"),
        (lambda c: c.cancel_orders([b"0xa"]), TypeError, "order_ids[0] must be a str, got bytes"),
        (
            lambda c: c.cancel_orders(["0xa", ["0xb"]]),
            TypeError,
            "order_ids[1] must be a str, got list",
        ),
        (lambda c: c.cancel_market_orders(), ValueError, "call cancel_all() explicitly"),
        (lambda c: c.cancel_market_orders(None, None), ValueError, "market and/or asset_id"),
        (lambda c: c.cancel_market_orders(""), ValueError, "market is an empty string"),
        (lambda c: c.cancel_market_orders("0xm", ""), ValueError, "asset_id is an empty string"),
        (lambda c: c.cancel_market_orders(asset_id=5), TypeError, "asset_id must be a str or None"),
    ],
)
def test_bad_input_sends_nothing(
    call: Callable[[Any], Any], error: type[Exception], words: str
) -> None:
    server = Server()
    with client(server, FakeTime()) as c, pytest.raises(error) as raised:
        call(c)
    assert words in str(raised.value)
    assert server.requests == []


def test_duplicate_ids_in_one_request_are_sent_as_given_for_the_server_to_ignore() -> None:
    server = Server()
    with client(server, FakeTime()) as c:
        c.cancel_orders(["0xb", "0xa", "0xb", "0xc", "0xa"])
    (request,) = server.requests
    assert json.loads(request.content) == ["0xb", "0xa", "0xb", "0xc", "0xa"]


def test_any_iterable_of_ids_is_accepted() -> None:
    server = Server()
    with client(server, FakeTime()) as c:
        c.cancel_orders(i for i in ("0xa", "0xb"))
        c.cancel_orders(("0xc",))
    assert [json.loads(r.content) for r in server.requests] == [["0xa", "0xb"], ["0xc"]]


def _transport() -> dict[str, Any]:
    return {"transport": httpx.MockTransport(Server())}


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: CancelClient("clob.test", CREDS, ADDRESS), ValueError, "base_url must be an http"),
        (
            lambda: CancelClient(BASE_URL, ("k", "s", "p"), ADDRESS),  # type: ignore[arg-type]
            TypeError,
            "clob_cancel.ApiCreds",
        ),
        (lambda: CancelClient(BASE_URL, CREDS), CredentialsError, "(address=) or its private key"),
        (lambda: CancelClient(BASE_URL, CREDS, "0x1234"), CredentialsError, "40 hex digits"),
        (
            lambda: CancelClient(BASE_URL, CREDS, ADDRESS, max_ids_per_request=0),
            ValueError,
            "max_ids_per_request must be >= 1",
        ),
        (
            lambda: CancelClient(BASE_URL, CREDS, ADDRESS, httpx_client_kwargs={"auth": None}),
            ValueError,
            "must not set base_url or auth",
        ),
        (
            lambda: CancelClient(
                BASE_URL, CREDS, ADDRESS, httpx_client_kwargs={"headers": {"Poly_Address": "0x1"}}
            ),
            ValueError,
            "must not set POLY_*",
        ),
        (
            lambda: CancelClient(BASE_URL, CREDS, ADDRESS, retries=-1),
            ValueError,
            "retries must be >= 0",
        ),
    ],
)
def test_bad_construction_is_refused(
    make: Callable[[], Any], error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as raised:
        make()
    assert words in str(raised.value)


@pytest.mark.parametrize(
    ("secret", "words"),
    [
        ("not base64 at all!", "api_secret is not urlsafe base64"),
        ("", "api_secret is empty"),
        ("abc", "api_secret is not urlsafe base64"),
    ],
)
def test_malformed_secret_fails_at_construction_without_echoing_it(secret: str, words: str) -> None:
    with pytest.raises(CredentialsError) as raised:
        ApiCreds("key", secret, PASSPHRASE)
    assert words in str(raised.value)
    if secret:
        assert secret not in str(raised.value)


ENV = {
    "CLOB_API_URL": BASE_URL,
    "CLOB_API_KEY": CREDS.api_key,
    "CLOB_SECRET": SECRET,
    "CLOB_PASS_PHRASE": PASSPHRASE,
    "CLOB_ADDRESS": ADDRESS,
}


def test_from_env_builds_a_working_client() -> None:
    server = Server()
    with CancelClient.from_env(
        ENV, httpx_client_kwargs={"transport": httpx.MockTransport(server)}
    ) as c:
        c.cancel("0xa")
    (request,) = server.requests
    assert request.headers["POLY_ADDRESS"] == ADDRESS
    assert request.headers["POLY_API_KEY"] == CREDS.api_key
    assert server.signature_ok(request)


def test_from_env_names_every_missing_variable() -> None:
    with pytest.raises(CredentialsError) as raised:
        CancelClient.from_env({"CLOB_API_KEY": "k", "CLOB_SECRET": ""})
    assert str(raised.value) == (
        "environment variables not set: CLOB_API_URL, CLOB_SECRET, CLOB_PASS_PHRASE, "
        "PK or CLOB_ADDRESS"
    )


def test_from_env_names_the_malformed_variable_without_its_value() -> None:
    with pytest.raises(CredentialsError) as raised:
        CancelClient.from_env({**ENV, "CLOB_SECRET": "bad secret value!"})
    assert "CLOB_SECRET" in str(raised.value)
    assert "bad secret value" not in str(raised.value)
    with pytest.raises(CredentialsError, match="PK / CLOB_ADDRESS: address must be 0x"):
        CancelClient.from_env({**ENV, "CLOB_ADDRESS": "0xnope"})


def test_from_env_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PK", raising=False)
    with CancelClient.from_env(httpx_client_kwargs=_transport()) as c:
        assert c.address == ADDRESS
        assert c.base_url == BASE_URL


def _setting_a_cookie() -> Server:
    """A server whose first answer sets a cookie (as Cloudflare's __cf_bm in front of a CLOB)."""
    return Server(
        httpx.Response(
            200,
            json={"canceled": ["0xa"], "not_canceled": {}},
            headers={"Set-Cookie": "__cf_bm=abc; Path=/"},
        )
    )


def test_cookies_set_by_the_server_are_not_sent_back() -> None:
    server = _setting_a_cookie()
    with client(server, FakeTime()) as c:
        c.cancel("0xa")
        c.cancel("0xb")
    assert [r.headers.get("Cookie") for r in server.requests] == [None, None]
    assert all(server.signature_ok(r) for r in server.requests)


def test_an_ordinary_cookie_jar_can_be_asked_for() -> None:
    server = _setting_a_cookie()
    fake = FakeTime()
    transport = httpx.MockTransport(server)
    kwargs = {"transport": transport, "cookies": {}}
    with CancelClient(BASE_URL, CREDS, ADDRESS, httpx_client_kwargs=kwargs, clock=fake.clock) as c:
        c.cancel("0xa")
        c.cancel("0xb")
    assert [r.headers.get("Cookie") for r in server.requests] == [None, "__cf_bm=abc"]


def test_headers_given_for_the_httpx_client_go_with_the_five_signed_ones() -> None:
    server = Server()
    kwargs = {"transport": httpx.MockTransport(server), "headers": {"X-Desk": "emea"}}
    with CancelClient(BASE_URL, CREDS, ADDRESS, httpx_client_kwargs=kwargs) as c:
        c.cancel("0xa")
    (request,) = server.requests
    names = [name.lower() for name, _ in request.headers.multi_items()]
    assert "x-desk" in names
    poly = sorted(name for name in names if name.startswith("poly_"))
    assert poly == [
        "poly_address",
        "poly_api_key",
        "poly_passphrase",
        "poly_signature",
        "poly_timestamp",
    ]
    assert server.signature_ok(request)
