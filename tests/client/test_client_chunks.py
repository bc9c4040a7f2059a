"""cancel_orders over more ids than one request may carry: split, merged, and on a failure an
error that accounts for every id (canceled, not canceled, or unknown), so nothing is lost."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from clob_cancel import BadRequestError, CancelError, TransportError, UnavailableError

from .client_fakes import (
    FakeTime,
    Server,
    accounted,
    async_client,
    cancel_answer,
    client,
    error,
    ids,
)


def bodies(server: Server) -> list[list[str]]:
    return [json.loads(r.content) for r in server.requests]


def test_chunks_are_sent_in_order_and_merged() -> None:
    requested = [*ids(5), "gone1", "gone2"]
    server = Server()
    with client(server, FakeTime(), max_ids_per_request=3) as c:
        answer = c.cancel_orders(requested)
    assert bodies(server) == [requested[0:3], requested[3:6], requested[6:]]
    assert answer.canceled == ids(5)
    assert answer.not_canceled.additional_properties == {
        "gone1": "Order not found or already canceled",
        "gone2": "Order not found or already canceled",
    }
    assert all(server.signature_ok(r) for r in server.requests)


def test_split_ids_are_sent_once_in_first_seen_order_so_no_chunk_repeats_one() -> None:
    server = Server()
    seen: list[tuple[int, int]] = []
    with client(server, FakeTime(), max_ids_per_request=2) as c:
        answer = c.cancel_orders(
            ["0xb", "0xa", "0xb", "0xc", "0xa"], progress=lambda d, t: seen.append((d, t))
        )
    assert bodies(server) == [["0xb", "0xa"], ["0xc"]]
    assert answer.canceled == ["0xb", "0xa", "0xc"]
    assert answer.not_canceled.additional_properties == {}
    assert seen == [(2, 3), (3, 3)]


def test_duplicates_that_fit_one_request_once_removed_make_one_request() -> None:
    server = Server()
    with client(server, FakeTime(), max_ids_per_request=3) as c:
        c.cancel_orders(["0xa", "0xb", "0xa", "0xc"])
    assert bodies(server) == [["0xa", "0xb", "0xc"]]


def test_default_chunk_is_1000_ids_the_apis_cap_since_2026_06_15() -> None:
    server = Server()
    with client(server, FakeTime()) as c:
        answer = c.cancel_orders(ids(2001))
    assert [len(b) for b in bodies(server)] == [1000, 1000, 1]
    assert answer.canceled == ids(2001)


def test_exactly_1000_ids_is_one_request_returning_the_servers_answer() -> None:
    server = Server()
    with client(server, FakeTime()) as c:
        answer = c.cancel_orders(ids(1000))
    assert len(server.requests) == 1
    assert len(answer.canceled) == 1000


def test_a_refused_chunk_stops_and_its_ids_and_the_unsent_ones_are_certainly_untouched() -> None:
    requested = [*ids(4), "gone1", *ids(4, "0y")]  # chunks: [0x0..0x2] [0x3 gone1 0y0] [0y1..0y3]
    server = Server(cancel_answer, error(400, "Invalid order payload"))
    with (
        client(server, FakeTime(), max_ids_per_request=3) as c,
        pytest.raises(BadRequestError) as raised,
    ):
        c.cancel_orders(requested)
    e = raised.value
    assert len(server.requests) == 2  # the third chunk is not sent
    assert e.partial is not None
    assert e.partial.canceled == requested[0:3]
    assert e.partial.not_canceled.additional_properties == {}
    assert e.unknown_ids == ()  # a 400 changed nothing, and the last chunk was never sent
    assert e.untouched_ids == tuple(requested[3:])
    assert sorted(accounted(e)) == sorted(requested)
    assert e.status == 400
    assert e.operation == "cancel_orders"
    assert "3 canceled and 0 not canceled as answered" in str(e)
    assert "0 ids with unknown outcome" in str(e) and "6 certainly not canceled" in str(e)


def test_a_chunk_retried_to_success_does_not_fail_the_call() -> None:
    server = Server(cancel_answer, error(425, "restarting"), cancel_answer)
    with client(server, FakeTime(), max_ids_per_request=2) as c:
        answer = c.cancel_orders(ids(4))
    assert answer.canceled == ids(4)
    assert bodies(server) == [ids(4)[:2], ids(4)[2:], ids(4)[2:]]


def test_failure_of_a_single_request_names_all_its_ids() -> None:
    server = Server(httpx.ReadTimeout("timed out"))
    with client(server, FakeTime()) as c, pytest.raises(TransportError) as raised:
        c.cancel_orders(["0xa", "0xb", "0xa"])
    assert raised.value.unknown_ids == ("0xa", "0xb")
    assert raised.value.partial is not None
    assert raised.value.partial.canceled == []


async def test_async_chunks_go_concurrently_within_the_bound() -> None:
    in_flight = 0
    most = 0
    seen: list[list[str]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        seen.append(json.loads(request.content))
        await asyncio.sleep(0.01)
        in_flight -= 1
        return cancel_answer(request)

    requested = ids(12)
    async with async_client(handler, FakeTime(), max_ids_per_request=2, max_concurrency=3) as c:
        answer = await c.cancel_orders(requested)
    assert most == 3
    assert len(seen) == 6
    assert answer.canceled == requested  # merged in chunk order, whatever order they finished in


async def test_async_failure_stops_new_chunks_and_accounts_for_every_id() -> None:
    requested = ids(8)
    server = Server(cancel_answer, error(500, "Internal server error"))
    async with async_client(server, FakeTime(), max_ids_per_request=2, max_concurrency=1) as c:
        with pytest.raises(UnavailableError) as raised:
            await c.cancel_orders(requested)
    e = raised.value
    assert len(server.requests) == 2
    assert e.partial is not None and e.partial.canceled == requested[:2]
    assert e.unknown_ids == tuple(requested[2:4])  # a 500: that chunk may have been processed
    assert e.untouched_ids == tuple(requested[4:])  # never sent
    assert e.fate_unknown is True


async def test_async_single_request_failure_names_all_ids() -> None:
    server = Server(error(401, "Unauthorized/Invalid api key"))
    async with async_client(server, FakeTime()) as c:
        with pytest.raises(CancelError) as raised:
            await c.cancel_orders(["0xa", "0xb"])
    assert raised.value.untouched_ids == ("0xa", "0xb")  # a 401 changed nothing
    assert raised.value.unknown_ids == ()
    assert raised.value.partial is not None


def test_progress_counts_answered_ids_and_stops_at_a_failure() -> None:
    server = Server(cancel_answer, error(503, "down"), error(503, "down"))
    seen: list[tuple[int, int]] = []
    c = client(server, FakeTime(), max_ids_per_request=3, retries=1)
    with c, pytest.raises(CancelError):
        c.cancel_orders([*ids(7), "0x0000"], progress=lambda d, t: seen.append((d, t)))
    assert seen == [(3, 7)]


async def test_async_progress_reaches_the_total() -> None:
    server = Server()
    seen: list[tuple[int, int]] = []
    async with async_client(server, FakeTime(), max_ids_per_request=3) as c:
        await c.cancel_orders(ids(8), progress=lambda d, t: seen.append((d, t)))
    assert sorted(seen) == [(3, 8), (6, 8), (8, 8)]


def _broken_progress(done: int, total: int) -> None:
    raise RuntimeError("a progress display's bug")


def test_a_failing_progress_callback_loses_no_id(caplog: pytest.LogCaptureFixture) -> None:
    requested = ids(7)
    server = Server(cancel_answer, error(500, "Internal server error"))
    c = client(server, FakeTime(), max_ids_per_request=3)
    with c, pytest.raises(UnavailableError) as raised:
        c.cancel_orders(requested, progress=_broken_progress)
    e = raised.value
    assert e.partial is not None and e.partial.canceled == requested[:3]
    assert e.unknown_ids == tuple(requested[3:6]) and e.untouched_ids == tuple(requested[6:])
    assert "progress callback failed" in caplog.text


async def test_async_failing_progress_callback_loses_no_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    requested = ids(8)
    async with async_client(Server(), FakeTime(), max_ids_per_request=3) as c:
        answer = await c.cancel_orders(requested, progress=_broken_progress)
    assert answer.canceled == requested
    assert caplog.text.count("progress callback failed") == 3
