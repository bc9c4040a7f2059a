"""The cancel bucket maths, on an injected clock: admission, charging, Retry-After and the
Poly-RateLimit-* headers, for tiers with and without negative balance."""

from __future__ import annotations

import pytest

from clob_cancel.ratelimit import CANCEL_TIERS, CancelTier
from clob_cancel_mock.buckets import Buckets, RateLimit, Verdict, tier_named

WALL = 1_800_000_000.0  # the wall clock's reading at monotonic 0
STRICT = RateLimit(CancelTier("custom", 2, 4, False))  # 2 tokens/s, 4 at most, never below 0
DEBT = RateLimit(CancelTier("custom", 2, 4, True))  # the same, but the balance may go negative


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def monotonic(self) -> float:
        return self.t

    def wall(self) -> float:
        return WALL + self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def buckets(clock: Clock) -> Buckets:
    return Buckets(clock.monotonic, clock.wall)


def test_a_bucket_starts_full_and_each_signer_has_its_own(buckets: Buckets) -> None:
    first = buckets.admit("0xa", STRICT, 3)
    assert (first.admitted, first.balance) == (True, 1)
    assert buckets.admit("0xb", STRICT, 4).balance == 0


def test_headers_report_floor_of_balance_reset_timestamp_and_tier(
    buckets: Buckets, clock: Clock
) -> None:
    clock.t = 10.0
    verdict = buckets.admit("0xa", STRICT, 3)  # 1 left: full again in 1.5 s
    assert verdict.headers() == {
        "Poly-RateLimit-Remaining": "1",
        "Poly-RateLimit-Reset": str(int(WALL + 10 + 2)),  # ceil(now + 1.5)
        "Poly-RateLimit-Tier": "custom",
    }
    assert Verdict(True, -0.5, 0, "Silver").headers()["Poly-RateLimit-Remaining"] == "-1"


def test_without_negative_balance_a_batch_is_admitted_iff_the_balance_covers_it(
    buckets: Buckets, clock: Clock
) -> None:
    assert buckets.admit("0xa", STRICT, 3).admitted  # 1 left
    refused = buckets.admit("0xa", STRICT, 2)
    assert (refused.admitted, refused.balance, refused.retry_after) == (False, 1, 1)  # 0.5 s
    assert refused.headers()["Retry-After"] == "1"
    clock.t = 0.4  # 1.8 tokens: still short, and the refusal took nothing
    assert not buckets.admit("0xa", STRICT, 2).admitted
    clock.t = 0.5
    admitted = buckets.admit("0xa", STRICT, 2)
    assert (admitted.admitted, admitted.balance) == (True, 0)
    assert "Retry-After" not in admitted.headers()


def test_retry_after_is_whole_seconds_until_the_balance_covers_the_cost(
    buckets: Buckets, clock: Clock
) -> None:
    slow = RateLimit(CancelTier("custom", 0.5, 4, False))
    buckets.admit("0xa", slow, 4)
    assert buckets.admit("0xa", slow, 3).retry_after == 6  # 3 tokens at 0.5/s
    clock.t = 5.9
    assert buckets.admit("0xa", slow, 3).retry_after == 1  # 0.05 s short: at least 1
    clock.t = 6.0
    assert buckets.admit("0xa", slow, 3).admitted


def test_a_cost_above_the_burst_never_passes_without_negative_balance(
    buckets: Buckets, clock: Clock
) -> None:
    refused = buckets.admit("0xa", STRICT, 5)
    assert (refused.admitted, refused.retry_after) == (False, 1)  # full already: 1 s at least
    buckets.admit("0xa", STRICT, 3)
    assert buckets.admit("0xa", STRICT, 5).retry_after == 2  # until full: 3 tokens at 2/s
    clock.t = 100.0
    assert not buckets.admit("0xa", STRICT, 5).admitted
    assert not buckets.admit("0xa", RateLimit(STRICT.tier, above_burst="admit"), 5).admitted


def test_with_negative_balance_a_positive_balance_admits_any_cost_up_to_the_burst(
    buckets: Buckets, clock: Clock
) -> None:
    assert buckets.admit("0xa", DEBT, 3).balance == 1
    debt = buckets.admit("0xa", DEBT, 4)  # 1 > 0 and 4 <= burst: admitted, 3 in debt
    assert (debt.admitted, debt.balance) == (True, -3)
    assert debt.headers()["Poly-RateLimit-Remaining"] == "-3"
    assert debt.reset == int(WALL + 4)  # 7 tokens at 2/s: 3.5 s, rounded up
    refused = buckets.admit("0xa", DEBT, 1)
    assert (refused.admitted, refused.balance, refused.retry_after) == (False, -3, 2)
    clock.t = 1.5  # balance exactly 0: not positive yet
    assert not buckets.admit("0xa", DEBT, 1).admitted
    clock.t = 1.6
    assert buckets.admit("0xa", DEBT, 4).admitted


def test_retry_after_with_negative_balance_is_until_the_balance_covers_the_cost(
    buckets: Buckets,
) -> None:
    buckets.admit("0xa", DEBT, 4)
    assert not buckets.admit("0xa", DEBT, 0).admitted  # balance 0 is not positive
    assert buckets.admit("0xa", DEBT, 1).retry_after == 1  # 0.5 s
    assert buckets.admit("0xa", DEBT, 4).retry_after == 2
    standard = RateLimit(CANCEL_TIERS["standard"])  # 80/s, burst 120
    buckets.admit("0xs", standard, 120)
    buckets.charge("0xs", standard, 160)
    assert buckets.admit("0xs", standard, 1).retry_after == 3  # 161 tokens at 80/s
    assert buckets.admit("0xs", standard, 120).retry_after == 4  # 280 tokens at 80/s


@pytest.mark.parametrize(("above_burst", "admitted"), [("refuse", False), ("admit", True)])
def test_a_cost_above_the_burst_on_a_negative_tier_follows_the_setting(
    buckets: Buckets, above_burst: str, admitted: bool
) -> None:
    limit = RateLimit(DEBT.tier, above_burst=above_burst)  # type: ignore[arg-type]
    verdict = buckets.admit("0xa", limit, 10)
    assert verdict.admitted is admitted
    if admitted:
        assert verdict.balance == -6
    else:
        assert (verdict.balance, verdict.retry_after) == (4, 1)  # never: until full (now), >= 1
        assert not buckets.admit("0xa", limit, 10).admitted


def test_admit_above_burst_still_needs_a_positive_balance(buckets: Buckets, clock: Clock) -> None:
    limit = RateLimit(DEBT.tier, above_burst="admit")
    buckets.admit("0xa", limit, 10)  # -6
    refused = buckets.admit("0xa", limit, 10)
    assert (refused.admitted, refused.retry_after) == (False, 5)  # never covered: until full
    clock.t = 3.1  # 0.2: positive
    assert buckets.admit("0xa", limit, 10).admitted


def test_charge_goes_negative_where_allowed_and_stops_at_zero_elsewhere(
    buckets: Buckets,
) -> None:
    buckets.admit("0xa", DEBT, 1)
    assert buckets.charge("0xa", DEBT, 5).balance == -2
    buckets.admit("0xb", STRICT, 1)
    charged = buckets.charge("0xb", STRICT, 5)
    assert (charged.admitted, charged.balance) == (True, 0)
    assert buckets.charge("0xb", STRICT, 1, warning=True).headers()["Poly-RateLimit-Warning"] == (
        "true"
    )


def test_refill_stops_at_the_burst(buckets: Buckets, clock: Clock) -> None:
    buckets.admit("0xa", DEBT, 4)
    buckets.charge("0xa", DEBT, 4)  # -4
    clock.t = 1000.0
    assert buckets.admit("0xa", DEBT, 0).balance == 4


def test_warning_mode_admits_and_charges_what_it_would_refuse(buckets: Buckets) -> None:
    warn = RateLimit(STRICT.tier, warning=True)
    assert "Poly-RateLimit-Warning" not in buckets.admit("0xa", warn, 3).headers()
    verdict = buckets.admit("0xa", warn, 3)  # 1 left: enforcement would refuse
    assert (verdict.admitted, verdict.warning, verdict.balance) == (True, True, 0)  # clamped
    assert verdict.headers()["Poly-RateLimit-Warning"] == "true"
    assert "Retry-After" not in verdict.headers()
    debt = buckets.admit("0xb", RateLimit(DEBT.tier, warning=True), 10)
    assert (debt.admitted, debt.warning, debt.balance) == (True, True, -6)


def test_documented_tiers_by_name() -> None:
    assert tier_named("silver") == CANCEL_TIERS["silver"]
    assert tier_named(" Elite ").burst == 1800
    with pytest.raises(ValueError, match="unknown tier 'Sliver'; known: Standard, Copper"):
        tier_named("Sliver")
