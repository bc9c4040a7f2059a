"""Every answer that is not a 200 becomes one error type with the operation, the status and the
server's words, never a secret, passphrase or signature; a 401 says what probably caused it."""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from clob_cancel import (
    ApiCreds,
    AuthError,
    BadRequestError,
    CancelClient,
    CancelError,
    RateLimitedError,
    TransportError,
    UnavailableError,
    UnexpectedAnswerError,
)
from clob_cancel._call import L2Auth

from .client_fakes import (
    ADDRESS,
    BASE_URL,
    CREDS,
    PASSPHRASE,
    SECRET,
    START,
    FakeTime,
    Server,
    client,
    error,
)


@pytest.mark.parametrize(
    ("answer", "kind", "message"),
    [
        (error(400, "Invalid order payload"), BadRequestError, "Invalid order payload"),
        (error(401, "Unauthorized/Invalid api key"), AuthError, "Unauthorized/Invalid api key"),
        (
            error(425, "matching engine is restarting"),
            UnavailableError,
            "matching engine is restarting",
        ),
        (error(429, "Too Many Requests"), RateLimitedError, "Too Many Requests"),
        (error(500, "Internal server error"), UnavailableError, "Internal server error"),
        (
            error(503, "Trading is currently disabled"),
            UnavailableError,
            "Trading is currently disabled",
        ),
        (
            httpx.Response(404, json={"error": "not found"}),
            UnexpectedAnswerError,
            '{"error":"not found"}',
        ),
        (
            httpx.Response(502, text="<h1>Bad gateway</h1>"),
            UnexpectedAnswerError,
            "<h1>Bad gateway</h1>",
        ),
        (
            httpx.Response(200, text="<html>maintenance</html>"),
            UnexpectedAnswerError,
            "<html>maintenance</html>",
        ),
        (httpx.Response(200, json={"canceled": "0xa"}), UnexpectedAnswerError, None),
        (
            httpx.Response(200, json={"canceled": "0xa", "not_canceled": {}}),
            UnexpectedAnswerError,
            '{"canceled":"0xa","not_canceled":{}}',
        ),
        (httpx.Response(200, json=["0xa"]), UnexpectedAnswerError, '["0xa"]'),
        (httpx.Response(400, text="Bad Request"), UnexpectedAnswerError, "Bad Request"),
        (httpx.Response(401, json={"message": "no error key"}), UnexpectedAnswerError, None),
        (
            httpx.Response(
                200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip")
            ),
            UnexpectedAnswerError,
            None,
        ),
    ],
)
def test_each_answer_maps_to_one_error_type(
    answer: httpx.Response, kind: type[CancelError], message: str | None
) -> None:
    server = Server(answer)
    with client(server, FakeTime(), retries=0) as c, pytest.raises(CancelError) as raised:
        c.cancel_orders(["0xa"])
    e = raised.value
    assert type(e) is kind
    assert e.operation == "cancel_orders"
    assert e.status == answer.status_code
    if message is not None:
        assert e.server_message == message
    assert str(e).startswith(f"cancel_orders: HTTP {answer.status_code}")


@pytest.mark.parametrize(
    ("call", "operation"),
    [
        (lambda c: c.cancel("0xa"), "cancel_order"),
        (lambda c: c.cancel_orders(["0xa"]), "cancel_orders"),
        (lambda c: c.cancel_all(), "cancel_all"),
        (lambda c: c.cancel_market_orders("0xm"), "cancel_market_orders"),
    ],
)
def test_errors_name_their_operation(call: Callable[[CancelClient], Any], operation: str) -> None:
    server = Server(error(503, "Trading is currently disabled"))
    with client(server, FakeTime(), retries=0) as c, pytest.raises(UnavailableError) as raised:
        call(c)
    assert raised.value.operation == operation
    assert str(raised.value) == f"{operation}: HTTP 503: Trading is currently disabled" + (
        " (hint: trading is disabled: the exchange accepts no cancels until it resumes)"
    ) + (
        "; 0 canceled and 0 not canceled as answered (see .partial), 0 ids with unknown "
        "outcome (see .unknown_ids), 1 certainly not canceled (see .untouched_ids)"
        if operation == "cancel_orders"
        else ""
    )


def _echo_everything(request: httpx.Request) -> httpx.Response:
    """A hostile server that quotes every header it got back in its error text."""
    quoted = " ".join(f"{k}={v}" for k, v in request.headers.items())
    return httpx.Response(401, json={"error": f"bad request {quoted} secret={SECRET}"})


@pytest.mark.parametrize(
    "answer",
    [
        _echo_everything,
        httpx.Response(500, text=f"<pre>{PASSPHRASE} {SECRET}</pre>"),
        httpx.ReadTimeout(f"timed out {PASSPHRASE}"),
        httpx.ConnectError(f"refused {SECRET}"),
    ],
)
def test_no_secret_passphrase_or_signature_in_any_error_text(answer: Any) -> None:
    server = Server(*[answer] * 5)
    with client(server, FakeTime()) as c, pytest.raises(CancelError) as raised:
        c.cancel_orders(["0xa", "0xb"])
    signatures = {r.headers["POLY_SIGNATURE"] for r in server.requests}
    e = raised.value
    texts = [
        str(e),
        repr(e),
        e.server_message or "",
        e.hint or "",
        e.detail,
        repr(c),
        repr(c._auth),
    ]
    for text in texts:
        assert SECRET not in text
        assert PASSPHRASE not in text
        for signature in signatures:
            assert signature not in text


def test_reprs_of_credentials_client_and_auth_hide_secrets() -> None:
    auth = L2Auth(CREDS, ADDRESS)
    with client(Server(), FakeTime()) as c:
        for text in (repr(CREDS), str(CREDS), repr(auth), repr(c), str(c.__dict__)):
            assert SECRET not in text
            assert PASSPHRASE not in text


def _date(offset: float) -> str:
    return email.utils.formatdate(START + offset, usegmt=True)


def test_401_with_a_server_clock_far_off_says_so() -> None:
    server = Server(error(401, "Unauthorized/Invalid api key", {"Date": _date(-90)}))
    with client(server, FakeTime()) as c, pytest.raises(AuthError) as raised:
        c.cancel("0xa")
    assert raised.value.hint is not None
    assert "clock is +90 s off the server's" in raised.value.hint
    assert "sync_clock=True" in raised.value.hint


def test_401_with_the_clocks_agreeing_gives_the_credentials_hint() -> None:
    server = Server(error(401, "Unauthorized/Invalid api key", {"Date": _date(1)}))
    with client(server, FakeTime()) as c, pytest.raises(AuthError) as raised:
        c.cancel("0xa")
    assert raised.value.hint is not None
    assert raised.value.hint.startswith("check the API key, secret and passphrase")


def test_401_right_after_the_key_was_created_says_to_wait() -> None:
    fresh = ApiCreds(CREDS.api_key, SECRET, PASSPHRASE, created_at=START - 4)
    server = Server(error(401, "Unauthorized/Invalid api key", {"Date": _date(0)}))
    with (
        CancelClient(
            BASE_URL,
            fresh,
            ADDRESS,
            httpx_client_kwargs={"transport": httpx.MockTransport(server)},
            clock=lambda: START,
        ) as c,
        pytest.raises(AuthError) as raised,
    ):
        c.cancel("0xa")
    assert raised.value.hint is not None
    assert "created 4 s ago" in raised.value.hint


def test_a_status_the_contract_does_not_document_for_the_operation_is_unexpected() -> None:
    """/cancel-all has no body, so the contract documents no 400 for it."""
    server = Server(error(400, "Invalid order payload"))
    with client(server, FakeTime()) as c, pytest.raises(UnexpectedAnswerError) as raised:
        c.cancel_all()
    assert raised.value.status == 400
    assert "an answer the contract does not document" in str(raised.value)


def test_transport_error_without_answer_has_no_status() -> None:
    server = Server(httpx.ConnectTimeout("connect timed out"))
    with client(server, FakeTime(), retries=0) as c, pytest.raises(TransportError) as raised:
        c.cancel_all()
    assert raised.value.status is None
    assert raised.value.server_message is None
    assert raised.value.fate_unknown is False
    assert raised.value.unknown_ids == ()
    assert isinstance(raised.value.__cause__, httpx.ConnectTimeout)
