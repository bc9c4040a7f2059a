"""Every answer is reconciled with its request (issue 15, section 1): against a server that answers
200 but leaves a requested id out, names an id never requested, or lists one both ways, no id is
lost and none invented: the call raises UnexpectedAnswerError, whose ``.partial`` keeps what the
answer said of the ids asked about and ``.unknown_ids`` the rest. Refused and unsent requests
are ``.untouched_ids``, certainly not canceled."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from clob_cancel import CancelError, UnexpectedAnswerError
from clob_cancel.accounting import reconcile
from clob_cancel_client.models import CancelOrdersResponse

from .client_fakes import (
    FakeTime,
    Server,
    accounted,
    async_client,
    client,
    error,
    ids,
    requested_ids,
)

Answer = Callable[[list[str]], dict[str, object]]


def leaves_out_the_last(ids: list[str]) -> dict[str, object]:
    return {"canceled": ids[:-1], "not_canceled": {}}


def invents_one(ids: list[str]) -> dict[str, object]:
    return {"canceled": [*ids, "0xnever-asked"], "not_canceled": {}}


def lists_the_first_both_ways(ids: list[str]) -> dict[str, object]:
    return {"canceled": ids, "not_canceled": {ids[0]: "Order not found or already canceled"}}


def server_of(answer: Answer) -> Server:
    return Server(*[lambda r: httpx.Response(200, json=answer(requested_ids(r)))] * 50)


BROKEN = [leaves_out_the_last, invents_one, lists_the_first_both_ways]


@pytest.mark.parametrize("answer", BROKEN)
@pytest.mark.parametrize("count", [1, 5, 7], ids=["cancel", "one-request", "chunked"])
def test_a_broken_answer_loses_and_invents_nothing(answer: Answer, count: int) -> None:
    requested = ids(count)
    server = server_of(answer)
    with (
        client(server, FakeTime(), max_ids_per_request=3) as c,
        pytest.raises(UnexpectedAnswerError) as raised,
    ):
        if count == 1:
            c.cancel(requested[0])
        else:
            c.cancel_orders(requested)
    e = raised.value
    assert sorted(accounted(e)) == sorted(requested)  # each once: none lost, none invented
    assert "0xnever-asked" not in accounted(e)
    assert e.status == 200 and "breaks the contract" in str(e)
    if answer is leaves_out_the_last:
        assert requested[min(2, count - 1)] in e.unknown_ids  # left out of the first answer
    if answer is lists_the_first_both_ways:
        assert requested[0] in e.unknown_ids
    if count == 7:  # the first chunk broke the contract: nothing more was sent
        assert len(server.requests) == 1
        assert e.untouched_ids == tuple(requested[3:])


@pytest.mark.parametrize("answer", BROKEN)
def test_async_chunks_too(answer: Answer) -> None:
    requested = ids(7)

    async def run() -> UnexpectedAnswerError:
        async with async_client(server_of(answer), FakeTime(), max_ids_per_request=3) as c:
            with pytest.raises(UnexpectedAnswerError) as raised:
                await c.cancel_orders(requested)
        return raised.value

    e = asyncio.run(run())
    assert sorted(accounted(e)) == sorted(requested)


def test_cancel_all_listing_an_order_both_ways_is_a_violation() -> None:
    server = Server(
        httpx.Response(200, json={"canceled": ["0xa", "0xb"], "not_canceled": {"0xb": "?"}})
    )
    with client(server, FakeTime()) as c, pytest.raises(UnexpectedAnswerError) as raised:
        c.cancel_all()
    assert raised.value.partial is not None and raised.value.partial.canceled == ["0xa"]
    assert raised.value.unknown_ids == ("0xb",)


def test_a_correct_answer_passes_through_untouched_and_a_duplicate_entry_is_merged() -> None:
    server = Server()
    with client(server, FakeTime()) as c:
        answer = c.cancel_orders(["0xa", "gone1", "0xa"])  # duplicates as given: one request
        assert answer.canceled == ["0xa"]
    twice = CancelOrdersResponse.from_dict({"canceled": ["0xa", "0xa"], "not_canceled": {}})
    assert reconcile("cancel_orders", twice, ["0xa"]).canceled == ["0xa"]


def test_refused_requests_are_certainly_untouched_timeouts_unknown() -> None:
    with (
        client(Server(error(401, "Unauthorized/Invalid api key")), FakeTime()) as c,
        pytest.raises(CancelError) as refused,
    ):
        c.cancel("0xa")
    assert refused.value.untouched_ids == ("0xa",) and refused.value.unknown_ids == ()
    with (
        client(Server(httpx.ReadTimeout("slow")), FakeTime()) as c,
        pytest.raises(CancelError) as timed_out,
    ):
        c.cancel("0xa")
    assert timed_out.value.unknown_ids == ("0xa",) and timed_out.value.untouched_ids == ()
    with (
        client(Server(*[httpx.ConnectError("refused")] * 9), FakeTime()) as c,
        pytest.raises(CancelError) as not_sent,
    ):
        c.cancel("0xa")
    assert not_sent.value.untouched_ids == ("0xa",)  # never reached the server
