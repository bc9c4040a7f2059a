"""Clock skew: sync_clock reads GET /time once (first use) and signs with the server's clock
from then on, with no extra round trip per call."""

from __future__ import annotations

import httpx
import pytest

from clob_cancel import UnexpectedAnswerError

from .client_fakes import START, FakeTime, Server, async_client, cancel_answer, client

SERVER_TIME = int(START) + 120  # the server's clock is two minutes ahead of ours


def time_answer(request: httpx.Request) -> httpx.Response:
    assert request.url.path == "/time"
    return httpx.Response(200, json=SERVER_TIME)


def test_sync_clock_reads_time_once_and_signs_with_the_servers_clock() -> None:
    server = Server(time_answer)
    fake = FakeTime()
    with client(server, fake, sync_clock=True) as c:
        assert c.clock_offset is None
        c.cancel("0xa")
        fake.now += 10
        c.cancel_all()
        assert c.clock_offset == pytest.approx(120.5)
    paths = [r.url.path for r in server.requests]
    assert paths == ["/time", "/order", "/cancel-all"]
    time_request = server.requests[0]
    assert not any(h.lower().startswith("poly_") for h in time_request.headers)  # no credentials
    assert server.requests[1].headers["POLY_TIMESTAMP"] == str(SERVER_TIME)
    assert server.requests[2].headers["POLY_TIMESTAMP"] == str(SERVER_TIME + 10)
    assert all(server.signature_ok(r) for r in server.requests[1:])


def test_without_sync_clock_no_time_is_read() -> None:
    server = Server()
    with client(server, FakeTime()) as c:
        c.cancel("0xa")
        assert c.clock_offset is None
    assert [r.url.path for r in server.requests] == ["/order"]
    assert server.requests[0].headers["POLY_TIMESTAMP"] == str(int(START))


def test_a_failed_time_read_still_cancels_with_the_local_clock() -> None:
    server = Server(httpx.Response(500, json={"error": "Internal server error"}), cancel_answer)
    with client(server, FakeTime(), sync_clock=True) as c:
        assert c.cancel("0xa").canceled == ["0xa"]
        c.cancel("0xb")
        assert c.clock_offset is None
    assert [r.url.path for r in server.requests] == ["/time", "/order", "/order"]
    assert server.requests[1].headers["POLY_TIMESTAMP"] == str(int(START))


def test_measure_clock_offset_raises_on_a_bad_answer() -> None:
    server = Server(httpx.Response(200, json={"time": 1}))
    with client(server, FakeTime()) as c, pytest.raises(UnexpectedAnswerError) as raised:
        c.measure_clock_offset()
    assert raised.value.operation == "get_server_time"


async def test_async_sync_clock_reads_time_once_under_concurrency() -> None:
    server = Server(time_answer)
    async with async_client(server, FakeTime(), sync_clock=True, max_ids_per_request=1) as c:
        await c.cancel_orders(["0xa", "0xb", "0xc"])
        assert c.clock_offset == pytest.approx(120.5)
    paths = [r.url.path for r in server.requests]
    assert paths == ["/time", "/orders", "/orders", "/orders"]
    assert {r.headers["POLY_TIMESTAMP"] for r in server.requests[1:]} == {str(SERVER_TIME)}
