"""Per-signer cancel token buckets, as the CLOB's (docs.polymarket.com, trading rate limits), on
the tier table the clients share (``clob_cancel.ratelimit``), so that both follow one change."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Literal

import attrs

from clob_cancel.ratelimit import CANCEL_TIERS, CancelTier, find_tier

AboveBurst = Literal["refuse", "admit"]


def tier_named(name: object) -> CancelTier:
    """The documented tier called ``name`` (any case), else ValueError listing the names."""
    tier = find_tier(name) if isinstance(name, str) else None
    if tier is None:
        known = ", ".join(t.name for t in CANCEL_TIERS.values())
        raise ValueError(f"unknown tier {name!r}; known: {known}")
    return tier


@attrs.frozen
class RateLimit:
    """How a signer's cancels are limited: a tier (documented or custom), warning mode (admit and
    charge what would be refused, saying so), and what a negative-balance tier does with a cost
    above its burst, which the docs leave open: "refuse" it, or "admit" it whenever the balance
    is positive. Tiers without negative balance never hold enough for such a cost."""

    tier: CancelTier
    warning: bool = False
    above_burst: AboveBurst = "refuse"


@attrs.frozen
class Verdict:
    """The limiter's answer to one request, and the ``Poly-RateLimit-*`` headers it makes."""

    admitted: bool
    balance: float  # after the request
    reset: int  # unix seconds at which the bucket is full again
    tier: str
    warning: bool = False  # warning mode, and enforcement would have refused
    retry_after: int = 0  # whole seconds, >= 1 when refused

    def headers(self) -> dict[str, str]:
        out = {
            "Poly-RateLimit-Remaining": str(math.floor(self.balance)),
            "Poly-RateLimit-Reset": str(self.reset),
            "Poly-RateLimit-Tier": self.tier,
        }
        if self.warning:
            out["Poly-RateLimit-Warning"] = "true"
        if not self.admitted:
            out["Retry-After"] = str(self.retry_after)
        return out


def admits(limit: RateLimit, balance: float, cost: int) -> bool:
    """Whether enforcement admits ``cost`` tokens now. Without negative balance the balance must
    cover the cost; with it, the balance must be positive and the cost within the burst (or any
    cost, with ``above_burst="admit"``)."""
    tier = limit.tier
    if not tier.negative_balance:
        return cost <= balance
    return balance > 0 and (cost <= tier.burst or limit.above_burst == "admit")


def wait_seconds(limit: RateLimit, balance: float, cost: int) -> int:
    """Whole seconds, at least 1, until the balance covers ``cost`` or, when it never can (a
    cost above the burst), until the bucket is full."""
    tier = limit.tier
    return max(1, math.ceil((min(cost, tier.burst) - balance) / tier.refill_per_second))


class Buckets:
    """One cancel bucket per signer, full at first sight. ``clock`` (monotonic) drives the
    refill, ``wall_clock`` only the Reset timestamp: both injectable for tests."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}  # signer -> (balance, at)

    def _balance(self, signer: str, tier: CancelTier, now: float) -> float:
        balance, at = self._state.get(signer, (float(tier.burst), now))
        return min(float(tier.burst), balance + max(0.0, now - at) * tier.refill_per_second)

    def _store(self, signer: str, tier: CancelTier, balance: float, now: float) -> float:
        if not tier.negative_balance:
            balance = max(0.0, balance)
        self._state[signer] = (balance, now)
        return balance

    def _verdict(
        self, limit: RateLimit, balance: float, admitted: bool, warning: bool, wait: int = 0
    ) -> Verdict:
        tier = limit.tier
        reset = math.ceil(self._wall_clock() + (tier.burst - balance) / tier.refill_per_second)
        return Verdict(admitted, balance, reset, tier.name, warning, wait)

    def admit(self, signer: str, limit: RateLimit, cost: int) -> Verdict:
        """Admit ``cost`` tokens whole and take them, or refuse and take nothing. Warning mode
        admits and takes what enforcement would refuse."""
        with self._lock:
            now = self._clock()
            balance = self._balance(signer, limit.tier, now)
            ok = admits(limit, balance, cost)
            if ok or limit.warning:
                balance = self._store(signer, limit.tier, balance - cost, now)
                return self._verdict(limit, balance, True, not ok)
            self._store(signer, limit.tier, balance, now)
            return self._verdict(limit, balance, False, False, wait_seconds(limit, balance, cost))

    def charge(self, signer: str, limit: RateLimit, cost: int, warning: bool = False) -> Verdict:
        """Take ``cost`` more tokens of an admitted request (the orders /cancel-all canceled):
        below zero on tiers that allow it, else down to zero."""
        with self._lock:
            now = self._clock()
            balance = self._balance(signer, limit.tier, now) - cost
            balance = self._store(signer, limit.tier, balance, now)
            return self._verdict(limit, balance, True, warning)
