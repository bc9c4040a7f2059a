"""The tier read before the first bulk cancel (clob_cancel.tier), on the fake clock: with the tier
known up front 2,500 ids on Silver go in 5 requests without a 429; every way the read can fail
leaves today's behaviour (the tier learned from the first answer); the read is made once per
client and never for a cancel that fits every tier's burst. Also the pacer's two rules the docs
settled: a negative Remaining is a deficit to refill, and a Reset that is "now" is no wait."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from clob_cancel import CANCEL_TIERS
from clob_cancel.ratelimit import CancelPacer
from clob_cancel.tier import TIER_READ_TIMEOUT_SECONDS, tier_read_timeout
from tests.client.client_fakes import START, FakeTime, async_client, client, error, ids
from tests.client.test_client_ratelimit import BucketServer

SILVER = CANCEL_TIERS["silver"]


def silver_server(fake: FakeTime, tier_answer: object) -> BucketServer:
    server = BucketServer(fake)
    server.tier_answer = tier_answer  # type: ignore[assignment]
    return server


def costs_and_statuses(server: BucketServer) -> list[tuple[int, int]]:
    return [(cost, status) for _, cost, status in server.sent]


def test_a_tier_read_up_front_sizes_the_first_batch_no_429_and_the_bucket_minimum() -> None:
    fake = FakeTime()
    server = silver_server(fake, httpx.Response(200, json={"tier": "Silver"}))
    with client(server, fake) as c:
        answer = c.cancel_orders(ids(2500))
    assert sorted(answer.canceled) == ids(2500)
    assert costs_and_statuses(server) == [(600, 200)] * 4 + [(100, 200)]
    assert len(server.tier_reads) == 1
    read = server.tier_reads[0]
    assert read.method == "GET" and server.signature_ok(read)  # L2-signed like a cancel
    assert fake.now - START == pytest.approx(server.minimum_seconds(2500))  # 4.75 s


def test_async_reads_once_for_concurrent_cancels_and_never_meets_a_429() -> None:
    fake = FakeTime()
    server = silver_server(fake, httpx.Response(200, json={"tier": "silver", "other": 1}))

    async def run() -> list[list[str]]:
        async with async_client(server, fake, max_concurrency=4) as c:
            answers = await asyncio.gather(
                c.cancel_orders(ids(1300, "0xa")), c.cancel_orders(ids(1200, "0xb"))
            )
            return [a.canceled for a in answers]

    first, second = asyncio.run(run())
    assert sorted(first) == ids(1300, "0xa") and sorted(second) == ids(1200, "0xb")
    assert len(server.tier_reads) == 1
    assert all(status == 200 and cost <= 600 for cost, status in costs_and_statuses(server))


@pytest.mark.parametrize(
    "tier_answer",
    [
        error(404, "no operation at /v1/user/rate-limit-tier"),
        error(401, "Unauthorized/Invalid api key"),
        error(500, "Internal Server Error"),
        httpx.Response(502, text="<html>bad gateway</html>"),
        httpx.ReadTimeout("timed out"),
        httpx.ConnectError("refused"),
        httpx.Response(200, json={"tier": None}),
        httpx.Response(200, json={"tier": "Unobtainium"}),
        httpx.Response(200, json={"tier": 7}),
        httpx.Response(200, json=["Silver"]),
        httpx.Response(200, text="Silver"),
    ],
    ids=[
        "404", "401", "500", "502-html", "timeout", "refused", "null", "unknown-name",
        "not-a-string", "not-an-object", "not-json",
    ],
)  # fmt: skip
def test_any_failed_read_leaves_todays_behaviour(
    tier_answer: object, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeTime()
    server = silver_server(fake, tier_answer)
    with caplog.at_level(logging.INFO, "clob_cancel"), client(server, fake) as c:
        answer = c.cancel_orders(ids(2500))
        c.cancel_orders(ids(500, "0xz"))  # the read is not made again
    assert sorted(answer.canceled) == ids(2500)
    assert len(server.tier_reads) == 1
    # today's: the first 1000-id batch is refused and split at the burst the headers named
    assert costs_and_statuses(server)[:2] == [(1000, 429), (600, 200)]
    assert "rate-limit tier not read" in caplog.text


def test_no_read_for_a_cancel_within_every_tiers_burst_or_once_the_headers_named_it() -> None:
    fake = FakeTime()
    server = silver_server(fake, httpx.Response(200, json={"tier": "Silver"}))
    smallest = min(tier.burst for tier in CANCEL_TIERS.values())
    with client(server, fake) as c:
        c.cancel_orders(ids(smallest))
        assert server.tier_reads == []
        c.cancel_orders(ids(2000, "0xb"))  # the first answer's headers named the tier
    assert server.tier_reads == []
    assert all(status == 200 for _, status in costs_and_statuses(server))


def test_the_read_waits_at_most_its_short_timeout() -> None:
    assert tier_read_timeout(None) == httpx.Timeout(TIER_READ_TIMEOUT_SECONDS)
    assert tier_read_timeout(10.0) == httpx.Timeout(TIER_READ_TIMEOUT_SECONDS)
    assert tier_read_timeout(httpx.Timeout(10.0, connect=0.5)) == httpx.Timeout(
        TIER_READ_TIMEOUT_SECONDS, connect=0.5
    )
    assert tier_read_timeout(0.3) == httpx.Timeout(0.3)


def test_a_negative_remaining_is_a_deficit_refilled_before_the_next_cost() -> None:
    pacer = CancelPacer()
    # /cancel-all canceled 700 orders on 100 tokens: the balance is 600 below zero
    pacer.observe({"Poly-RateLimit-Remaining": "-600", "Poly-RateLimit-Tier": "Silver"}, 0.0)
    assert pacer.wait(1, 0.0) == pytest.approx(601 / SILVER.refill_per_second)
    assert pacer.wait(600, 0.0) == pytest.approx(1200 / SILVER.refill_per_second)
    assert pacer.wait(600, 3.0) == 0.0


def test_a_tier_read_makes_a_negative_remaining_paced_without_the_tier_header() -> None:
    pacer = CancelPacer()
    assert pacer.learn_tier("SILVER") is SILVER
    pacer.observe({"Poly-RateLimit-Remaining": "-200"}, 0.0)
    assert pacer.wait(400, 0.0) == pytest.approx(600 / SILVER.refill_per_second)
    assert pacer.learn_tier("Gold") is SILVER  # a tier known already is kept


@pytest.mark.parametrize("reset", [0, 1], ids=["now", "now-rounded-up"])
def test_a_reset_that_is_now_is_no_wait(reset: int) -> None:
    pacer = CancelPacer()  # no tier known: only Remaining and Reset to go by
    now = START + 0.25
    pacer.observe(
        {"Poly-RateLimit-Remaining": "-50", "Poly-RateLimit-Reset": str(int(START) + reset)}, now
    )
    assert pacer.wait(100, now) == 0.0


def test_a_reset_in_the_future_is_waited_for_without_the_tier() -> None:
    pacer = CancelPacer()
    now = START + 0.25
    pacer.observe({"Poly-RateLimit-Remaining": "-50", "Poly-RateLimit-Reset": str(START + 3)}, now)
    assert pacer.wait(100, now) == pytest.approx(2.75)
