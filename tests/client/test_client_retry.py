"""Retries: which failures are sent again, how long the client waits, when it gives up, and that
every attempt is signed afresh."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator

import httpx
import pytest

from clob_cancel import (
    AuthError,
    BadRequestError,
    RateLimitedError,
    RetryPolicy,
    TransportError,
    UnavailableError,
    UnexpectedAnswerError,
)

from .client_fakes import (
    START,
    FakeTime,
    Server,
    async_client,
    cancel_answer,
    client,
    error,
)

HTML_503 = httpx.Response(503, text="<html><body>503 Service Unavailable</body></html>")


def _connect_error() -> httpx.ConnectError:
    return httpx.ConnectError("[Errno 111] Connection refused")


def test_425_is_retried_with_exponential_backoff_and_fresh_signatures() -> None:
    server = Server(error(425, "matching engine is restarting"), error(425, "still restarting"))
    fake = FakeTime()
    with client(server, fake, retries=RetryPolicy(base_delay=1.0, rng=lambda: 1.0)) as c:
        answer = c.cancel("0xa")
    assert answer.canceled == ["0xa"]
    assert len(server.requests) == 3
    assert fake.sleeps == [1.0, 2.0]  # base_delay * 2**n, the jitter source pinned at 1.0
    stamps = [r.headers["POLY_TIMESTAMP"] for r in server.requests]
    assert stamps == [str(int(START)), str(int(START + 1)), str(int(START + 3))]
    assert len({r.headers["POLY_SIGNATURE"] for r in server.requests}) == 3
    assert all(server.signature_ok(r) for r in server.requests)


def test_full_jitter_stays_within_the_capped_exponential() -> None:
    draws = iter([0.25, 0.5, 0.9, 0.1])
    policy = RetryPolicy(
        retries=4, base_delay=1.0, max_delay=3.0, max_total_seconds=60, rng=lambda: next(draws)
    )
    server = Server(*[error(503, "Trading is currently disabled")] * 4)
    fake = FakeTime()
    with client(server, fake, retries=policy) as c:
        c.cancel_all()
    assert fake.sleeps == [0.25 * 1.0, 0.5 * 2.0, 0.9 * 3.0, 0.1 * 3.0]


def test_retry_after_header_in_seconds_is_honoured() -> None:
    server = Server(error(429, "Too Many Requests", {"Retry-After": "3"}))
    fake = FakeTime()
    with client(server, fake) as c:
        c.cancel_orders(["0xa"])
    assert fake.sleeps == [3.0]
    assert len(server.requests) == 2


def test_retry_after_as_http_date_is_honoured() -> None:
    when = email.utils.formatdate(START + 7, usegmt=True)
    server = Server(error(429, "Too Many Requests", {"Retry-After": when}))
    fake = FakeTime()
    with client(server, fake) as c:
        c.cancel("0xa")
    assert fake.sleeps == [7.0]


@pytest.fixture
def new_york_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone is New York's (UTC-5 in winter), as on a trader's laptop."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    "form",
    [
        pytest.param("%a, %d %b %Y %H:%M:%S GMT", id="imf-fixdate"),
        pytest.param("%a %b %d %H:%M:%S %Y", id="asctime"),  # no zone: HTTP dates are GMT
        pytest.param("%a, %d %b %Y %H:%M:%S -0000", id="minus-0000"),  # "zone unknown": GMT
    ],
)
@pytest.mark.usefixtures("new_york_time")
def test_retry_after_http_date_is_read_as_gmt_in_any_local_time_zone(form: str) -> None:
    when = time.strftime(form, time.gmtime(START + 7))
    server = Server(error(429, "Too Many Requests", {"Retry-After": when}))
    fake = FakeTime()
    with client(server, fake) as c:
        c.cancel("0xa")
    assert fake.sleeps == [7.0]  # not 7 + 18000: the zoneless forms are not local time


def test_body_retry_after_seconds_is_honoured_and_the_longer_wait_wins() -> None:
    server = Server(
        error(503, "post-only mode", retry_after_seconds=4),
        error(429, "Too Many Requests", {"Retry-After": "2"}, retry_after_seconds=5),
    )
    fake = FakeTime()
    with client(server, fake) as c:
        c.cancel_all()
    assert fake.sleeps == [4.0, 5.0]


def test_gives_up_after_the_retries_and_says_how_often_it_tried() -> None:
    server = Server(*[error(429, "Too Many Requests", {"Retry-After": "1"})] * 5)
    fake = FakeTime()
    with (
        client(server, fake, retries=RetryPolicy(retries=2)) as c,
        pytest.raises(RateLimitedError) as raised,
    ):
        c.cancel("0xa")
    assert len(server.requests) == 3
    assert raised.value.attempts == 3
    assert raised.value.retryable is True  # worth trying again later
    assert raised.value.retry_after == 1.0
    assert raised.value.status == 429
    assert "after 3 attempts" in str(raised.value)
    assert "retry after 1 s" in str(raised.value)


def test_no_retry_whose_wait_would_pass_the_time_budget() -> None:
    server = Server(error(429, "Too Many Requests", {"Retry-After": "30"}))
    fake = FakeTime()
    with (
        client(server, fake, retries=RetryPolicy(max_total_seconds=20)) as c,
        pytest.raises(RateLimitedError) as raised,
    ):
        c.cancel("0xa")
    assert len(server.requests) == 1
    assert fake.sleeps == []
    assert raised.value.retry_after == 30.0


def test_time_budget_counts_the_time_spent_waiting_for_answers() -> None:
    fake = FakeTime()

    def slow_425(request: httpx.Request) -> httpx.Response:
        fake.now += 8  # each answer takes 8 s
        return error(425, "restarting")

    server = Server(slow_425, slow_425, slow_425, slow_425)
    policy = RetryPolicy(retries=10, max_total_seconds=20, rng=lambda: 1.0)
    with client(server, fake, retries=policy) as c, pytest.raises(UnavailableError):
        c.cancel("0xa")
    # A retry starts only if elapsed + wait <= 20 s: 8 + 0.5 -> 2nd attempt; 16.5 + 1 -> 3rd;
    # 25.5 + 2 -> none.
    assert len(server.requests) == 3
    assert fake.sleeps == [0.5, 1.0]


def test_retries_zero_turns_retrying_off() -> None:
    server = Server(error(425, "restarting"))
    with client(server, FakeTime(), retries=0) as c, pytest.raises(UnavailableError) as raised:
        c.cancel("0xa")
    assert len(server.requests) == 1
    assert raised.value.attempts == 1


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (error(400, "Invalid order payload"), BadRequestError),
        (error(401, "Unauthorized/Invalid api key"), AuthError),
        (error(500, "Internal server error"), UnavailableError),
        (httpx.Response(404, text="not found"), UnexpectedAnswerError),
    ],
)
def test_answers_a_retry_cannot_fix_are_not_retried(
    answer: httpx.Response, kind: type[Exception]
) -> None:
    server = Server(answer)
    with client(server, FakeTime()) as c, pytest.raises(kind):
        c.cancel("0xa")
    assert len(server.requests) == 1


def test_a_proxys_html_503_is_retried_and_reported_as_unexpected() -> None:
    server = Server(HTML_503, HTML_503)
    fake = FakeTime()
    with client(server, fake, retries=1) as c, pytest.raises(UnexpectedAnswerError) as raised:
        c.cancel("0xa")
    assert len(server.requests) == 2
    assert raised.value.status == 503
    assert raised.value.server_message == "<html><body>503 Service Unavailable</body></html>"


def test_connection_refused_is_retried_and_its_fate_is_known() -> None:
    server = Server(_connect_error(), cancel_answer)
    with client(server, FakeTime()) as c:
        assert c.cancel("0xa").canceled == ["0xa"]
    assert len(server.requests) == 2

    server = Server(*[_connect_error()] * 3)
    with client(server, FakeTime(), retries=2) as c, pytest.raises(TransportError) as raised:
        c.cancel("0xa")
    assert len(server.requests) == 3
    assert raised.value.fate_unknown is False
    assert raised.value.status is None
    assert "ConnectError" in str(raised.value)


def test_a_read_timeout_is_not_retried_and_its_fate_is_unknown() -> None:
    server = Server(httpx.ReadTimeout("timed out"))
    with client(server, FakeTime()) as c, pytest.raises(TransportError) as raised:
        c.cancel_orders(["0xa", "0xb"])
    assert len(server.requests) == 1
    assert raised.value.fate_unknown is True
    assert raised.value.retryable is False
    assert "may or may not have been processed" in str(raised.value)
    assert raised.value.unknown_ids == ("0xa", "0xb")


def test_a_dropped_connection_is_retried_but_stays_fate_unknown_if_it_persists() -> None:
    dropped = httpx.RemoteProtocolError("Server disconnected without sending a response.")
    server = Server(dropped, cancel_answer)
    with client(server, FakeTime()) as c:
        assert c.cancel_all().canceled == []
    assert len(server.requests) == 2

    server = Server(dropped, dropped)
    with client(server, FakeTime(), retries=1) as c, pytest.raises(TransportError) as raised:
        c.cancel_all()
    assert raised.value.fate_unknown is True


async def test_async_client_retries_with_its_own_sleep() -> None:
    server = Server(error(425, "restarting"), error(429, "slow down", {"Retry-After": "2"}))
    fake = FakeTime()
    async with async_client(server, fake) as c:
        answer = await c.cancel_market_orders(market="0xm")
    assert answer.canceled == []
    assert fake.sleeps == [0.5, 2.0]
    assert len(server.requests) == 3
    assert all(server.signature_ok(r) for r in server.requests)


async def test_async_read_timeout_is_fate_unknown() -> None:
    server = Server(httpx.ReadTimeout("timed out"))
    async with async_client(server, FakeTime()) as c:
        with pytest.raises(TransportError) as raised:
            await c.cancel("0xa")
    assert raised.value.fate_unknown is True
    assert raised.value.unknown_ids == ("0xa",)
    assert len(server.requests) == 1
