"""Per-signer cancel rate limits, client side: the Poly-RateLimit-* state read from every answer,
batches split at the tier's burst, pacing instead of 429s, and the restrictions named in errors.

The server here is a token bucket on the fake clock (the documented model: admitted or refused
whole, 429 with Retry-After), so the waits the client chooses are exact and repeatable."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from typing import Any

import httpx
import pytest

from clob_cancel import (
    CANCEL_TIERS,
    CancelError,
    CancelTier,
    RateLimitedError,
    RateLimitState,
    RetryPolicy,
    UnavailableError,
)
from clob_cancel.ratelimit import CancelPacer

from .client_fakes import (
    START,
    TIER_PATH,
    FakeTime,
    Server,
    async_client,
    cancel_answer,
    client,
    error,
    ids,
)

SILVER = CANCEL_TIERS["silver"]


class BucketServer(Server):
    """A correct rate-limited CLOB: one cancel bucket on the fake clock. ``above_burst`` says
    whether a negative-balance tier admits a cost above its burst (undocumented either way)."""

    def __init__(
        self,
        fake: FakeTime,
        tier: CancelTier = SILVER,
        *,
        above_burst: bool = False,
        warning: bool = False,
        tier_header: str | None = None,
    ) -> None:
        super().__init__()
        self.fake, self.tier, self.above_burst, self.warning = fake, tier, above_burst, warning
        self.tier_header = tier.name if tier_header is None else tier_header
        self.balance, self.at = float(tier.burst), fake.now
        self.sent: list[tuple[float, int, int]] = []  # (when, cost, status)

    def _refill(self) -> None:
        now = self.fake.now
        self.balance = min(
            self.tier.burst, self.balance + (now - self.at) * self.tier.refill_per_second
        )
        self.at = now

    def _admits(self, cost: int) -> bool:
        if not self.tier.negative_balance:
            return cost <= self.balance
        return self.balance > 0 and (cost <= self.tier.burst or self.above_burst)

    def headers(self) -> dict[str, str]:
        full_at = (
            self.fake.now + max(0.0, self.tier.burst - self.balance) / self.tier.refill_per_second
        )
        out = {
            "Poly-RateLimit-Remaining": str(math.floor(self.balance)),
            "Poly-RateLimit-Reset": str(math.ceil(full_at)),
        }
        if self.tier_header:
            out["Poly-RateLimit-Tier"] = self.tier_header
        return out

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == TIER_PATH:
            return self.read_tier(request)
        self.requests.append(request)
        body = json.loads(request.content) if request.content else None
        cost = len(body) if isinstance(body, list) else 1
        self._refill()
        if not self._admits(cost):
            if not self.warning:
                need = min(cost, self.tier.burst) - self.balance
                wait = max(1, math.ceil(need / self.tier.refill_per_second))
                self.sent.append((self.fake.now, cost, 429))
                headers = {**self.headers(), "Retry-After": str(wait)}
                return error(429, "Too Many Requests", headers, retry_after_seconds=wait)
            self.balance -= cost
            answer = cancel_answer(request)
            answer.headers.update({**self.headers(), "Poly-RateLimit-Warning": "true"})
            self.sent.append((self.fake.now, cost, 200))
            return answer
        self.balance -= cost
        self.sent.append((self.fake.now, cost, 200))
        answer = cancel_answer(request)
        answer.headers.update(self.headers())
        return answer

    def minimum_seconds(self, total: int) -> float:
        """The least time the bucket allows for ``total`` tokens, starting full."""
        return max(0.0, (total - self.tier.burst) / self.tier.refill_per_second)


def check_2500(server: BucketServer, fake: FakeTime, answer_ids: list[str]) -> None:
    assert sorted(answer_ids) == ids(2500)  # every id canceled, each once
    costs = [cost for _, cost, _ in server.sent]
    assert max(costs) <= 1000
    refused = [cost for _, cost, status in server.sent if status == 429]
    # at most the first (tier unknown) 1000-id batch is refused, and never sent again whole
    assert refused in ([], [1000])
    assert costs.count(1000) <= 1
    elapsed = fake.now - START
    assert elapsed <= 1.5 * server.minimum_seconds(2500)


@pytest.mark.parametrize("above_burst", [False, True], ids=["refused", "admitted"])
def test_2500_ids_on_silver_split_at_the_burst_and_paced(above_burst: bool) -> None:
    fake = FakeTime()
    server = BucketServer(fake, above_burst=above_burst)
    with client(server, fake) as c:
        answer = c.cancel_orders(ids(2500))
    check_2500(server, fake, answer.canceled)
    assert c.rate_limit is not None and c.rate_limit.tier == "Silver"
    assert all(cost <= 600 for _, cost, _ in server.sent[1:])  # once the tier is known


@pytest.mark.parametrize("above_burst", [False, True], ids=["refused", "admitted"])
def test_async_2500_ids_on_silver_concurrently_paced(above_burst: bool) -> None:
    fake = FakeTime()
    server = BucketServer(fake, above_burst=above_burst)

    async def run() -> list[str]:
        async with async_client(server, fake, max_concurrency=4) as c:
            return (await c.cancel_orders(ids(2500))).canceled

    check_2500(server, fake, asyncio.run(run()))


def test_a_known_tier_splits_up_front_and_never_meets_a_429() -> None:
    fake = FakeTime()
    server = BucketServer(fake)
    with client(server, fake) as c:
        c.cancel("0xwarm")  # the answer names the tier
        c.cancel_orders(ids(1500))
    assert [status for *_, status in server.sent] == [200] * 4
    assert [cost for _, cost, _ in server.sent] == [1, 600, 600, 300]


def test_on_rate_limit_sees_every_answers_state_and_its_failure_loses_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeTime()
    seen: list[RateLimitState] = []

    def listener(state: RateLimitState) -> None:
        seen.append(state)
        raise RuntimeError("a bug in the listener")

    server = BucketServer(fake)
    with (
        caplog.at_level(logging.WARNING, "clob_cancel"),
        client(server, fake, on_rate_limit=listener) as c,
    ):
        assert c.rate_limit is None
        assert c.cancel("0x1").canceled == ["0x1"]
    assert seen == [RateLimitState(599, math.ceil(fake.now + 1 / 400), "Silver", False, fake.now)]
    assert c.rate_limit == seen[0]
    assert "on_rate_limit callback failed" in caplog.text


def test_a_429_carries_the_state_and_a_batch_the_tier_never_admits_is_not_retried() -> None:
    fake = FakeTime()
    standard = CANCEL_TIERS["standard"]  # burst 120
    server = BucketServer(fake, standard)
    with client(server, fake) as c:
        answer = c.cancel_orders(ids(300))
    assert sorted(answer.canceled) == ids(300)
    assert [cost for _, cost, _ in server.sent] == [300, 120, 120, 60]
    assert server.sent[0][2] == 429


def test_without_a_known_tier_the_client_waits_for_reset() -> None:
    fake = FakeTime()
    server = BucketServer(fake, CancelTier("Mystery", 100, 100, False), tier_header="Mystery")
    with client(server, fake, max_ids_per_request=100) as c:
        c.cancel_orders(ids(300))
    costs_and_status = [(cost, status) for _, cost, status in server.sent]
    assert costs_and_status == [(100, 200), (100, 200), (100, 200)]
    assert fake.sleeps == [1.0, 1.0]  # to each Reset (the bucket full again), no 429


def test_a_custom_tier_table_replaces_the_documented_one() -> None:
    fake = FakeTime()
    mystery = CancelTier("Mystery", 50, 80, True)
    server = BucketServer(fake, mystery)
    with client(server, fake, cancel_tiers={"Mystery": mystery}) as c:
        c.cancel("0xwarm")
        c.cancel_orders(ids(200))
    assert [cost for _, cost, _ in server.sent] == [1, 80, 80, 40]
    assert [status for *_, status in server.sent] == [200] * 4


def test_warning_mode_admits_everything_so_nothing_waits() -> None:
    fake = FakeTime()
    server = BucketServer(fake, warning=True)
    with client(server, fake) as c:
        c.cancel_orders(ids(2500))
        assert c.rate_limit is not None and c.rate_limit.warning
    assert fake.sleeps == []
    assert [status for *_, status in server.sent] == [200] * len(server.sent)


def test_a_wait_beyond_the_retry_budget_is_not_taken_the_429_path_decides() -> None:
    fake = FakeTime()
    slow = CancelTier("Slow", 1, 10, False)
    server = BucketServer(fake, slow)
    policy = RetryPolicy(retries=0, max_total_seconds=2.0, rng=lambda: 1.0)
    with (
        client(server, fake, cancel_tiers={"slow": slow}, retries=policy) as c,
        pytest.raises(RateLimitedError) as raised,
    ):
        c.cancel_orders(ids(10))  # takes the whole bucket
        c.cancel_orders(ids(10))  # needs 10 s of refill: beyond the 2 s budget
    assert fake.sleeps == []
    assert raised.value.rate_limit is not None and raised.value.rate_limit.remaining == 0
    assert raised.value.retry_after == 10
    assert raised.value.untouched_ids == tuple(ids(10))  # a 429 is refused whole


def test_cancel_all_and_market_cancel_cost_one_up_front_and_stay_one_request() -> None:
    fake = FakeTime()
    server = BucketServer(fake, CANCEL_TIERS["standard"])
    with client(server, fake) as c:
        c.cancel_orders(ids(120))  # empties the bucket
        c.cancel_all()
        c.cancel_market_orders(market="0xm")
    assert [cost for _, cost, _ in server.sent] == [120, 1, 1]
    assert [status for *_, status in server.sent] == [200, 200, 200]
    assert fake.sleeps == pytest.approx([1 / 80, 1 / 80])  # waited for one token each


def test_market_cancel_sends_only_the_filters_given() -> None:
    server = Server()
    with client(server, FakeTime()) as c:
        c.cancel_market_orders(market="0xm")
        c.cancel_market_orders(asset_id="42")
        c.cancel_market_orders(market="0xm", asset_id="42")
    assert [r.content for r in server.requests] == [
        b'{"market":"0xm"}',
        b'{"asset_id":"42"}',
        b'{"market":"0xm","asset_id":"42"}',
    ]


@pytest.mark.parametrize(
    ("answer", "restriction", "code"),
    [
        (error(425, "matching engine is restarting, please retry"), "restarting", None),
        (
            error(
                503,
                "Trading is currently cancel-only. New orders are not accepted, but cancels are "
                "allowed.",
            ),
            "cancel_only",
            None,
        ),
        (
            error(503, "Trading is currently disabled. Check polymarket.com for updates"),
            "trading_disabled",
            None,
        ),
        (
            error(503, "post only mode", code="post_only_mode", retry_after_seconds=3),
            "post_only",
            "post_only_mode",
        ),
        (error(503, "Service Unavailable"), None, None),
    ],
)
def test_restrictions_are_named_and_retried(
    answer: httpx.Response, restriction: str | None, code: str | None
) -> None:
    server = Server(*[answer] * 3)
    with (
        client(server, FakeTime(), retries=RetryPolicy(retries=2, rng=lambda: 1.0)) as c,
        pytest.raises(UnavailableError) as raised,
    ):
        c.cancel("0x1")
    assert raised.value.restriction == restriction
    assert raised.value.code == code
    assert raised.value.attempts == 3
    if restriction is not None:
        assert "hint: " in str(raised.value)


def test_a_restart_then_the_post_only_window_cancels() -> None:
    fake = FakeTime()
    server = Server(error(425, "matching engine is restarting, please retry", {"Retry-After": "2"}))
    with client(server, fake) as c:
        assert c.cancel("0x1").canceled == ["0x1"]
    assert fake.sleeps == [2.0] and len(server.requests) == 2


def test_pacer_without_state_never_waits_and_spends_nothing() -> None:
    pacer = CancelPacer()
    assert pacer.wait(1000, 0.0) == 0.0
    pacer.spend(1000, 0.0)
    assert pacer.balance(0.0) is None and pacer.batch_limit(1000) == 1000


def silver_headers(remaining: int) -> dict[str, str]:
    return {"Poly-RateLimit-Remaining": str(remaining), "Poly-RateLimit-Tier": "Silver"}


def test_pacer_queues_reservations_and_an_answer_keeps_the_ones_still_waiting() -> None:
    pacer = CancelPacer()
    first = pacer.spend(600, 0.0)
    pacer.observe(silver_headers(0), 0.0, first)  # the bucket is empty at t=0
    assert pacer.wait(400, 0.0) == pytest.approx(1.0)
    second = pacer.spend(400, 1.0)
    # the next 600 waits for the 400 before it, not only for its own tokens
    assert pacer.wait(600, 0.0) == pytest.approx(2.5)
    pacer.spend(600, 2.5)
    # the answer to the 400, at t=1 (balance 0 again), keeps the 600 still waiting counted
    pacer.observe(silver_headers(0), 1.0, second)
    assert pacer.wait(100, 1.0) == pytest.approx(1.5 + 0.25)


def test_pacer_forgets_a_reservation_whose_request_failed() -> None:
    pacer = CancelPacer()
    pacer.observe(silver_headers(600), 0.0)
    failed = pacer.spend(600, 0.0)
    pacer.release(failed)  # no answer: the next answer's balance is the truth
    pacer.observe(silver_headers(600), 0.1)
    assert pacer.wait(600, 0.1) == 0.0


def test_each_wait_is_told_as_the_retry_or_the_pause_it_is() -> None:
    fake = FakeTime()
    told: list[tuple[str, int | None, int, float]] = []

    def listen(
        request: dict[str, Any], error: CancelError | None, retry: int, seconds: float
    ) -> None:
        told.append((request["url"].path, error.status if error else None, retry, seconds))

    server = Server(error(503, "down"), error(425, "restarting"))
    with client(server, fake, on_wait=listen) as c:
        c.cancel("0xa")
    assert told == [("/order", 503, 1, fake.sleeps[0]), ("/order", 425, 2, fake.sleeps[1])]

    fake, told[:] = FakeTime(), []
    server = BucketServer(fake, CANCEL_TIERS["standard"])  # burst 120
    with client(server, fake, on_wait=listen) as c:
        c.cancel_orders(ids(300))
    assert server.sent[0][2] == 429  # 300 ids: never admitted, split rather than retried
    assert fake.sleeps and told == [("/orders", None, 0, wait) for wait in fake.sleeps]
