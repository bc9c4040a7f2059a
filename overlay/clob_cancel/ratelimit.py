"""The CLOB's per-signer cancel rate limits: the documented tier table and the state the
``Poly-RateLimit-*`` headers report. Shared by the clients (pacing) and the mock (its buckets)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping

import attrs

log = logging.getLogger("clob_cancel")


@attrs.frozen
class CancelTier:
    """One tier's cancel bucket: refilled at ``refill_per_second`` up to ``burst`` tokens; on a
    tier with ``negative_balance`` an admitted request may leave the balance below zero."""

    name: str
    refill_per_second: float = attrs.field(validator=attrs.validators.gt(0))
    burst: int = attrs.field(validator=attrs.validators.ge(1))
    negative_balance: bool

    def minimum_seconds(self, orders: int) -> float:
        """The least time cancelling ``orders`` one token each can take, the bucket full at
        the start: what is above the burst, at the refill rate."""
        return max(0.0, (orders - self.burst) / self.refill_per_second)


# docs.polymarket.com/api-reference/trading-rate-limits (transcribed 2026-08-05) and the docstrings
# of polymarket-client 0.14.0. Polymarket changes it: the clients take a table of their own
# (``cancel_tiers=``), the mock a tier per account.
CANCEL_TIERS: Mapping[str, CancelTier] = {
    tier.name.lower(): tier
    for tier in (
        CancelTier("Standard", 80, 120, True),
        CancelTier("Copper", 120, 180, True),
        CancelTier("Bronze", 160, 240, True),
        CancelTier("Silver", 400, 600, True),
        CancelTier("Gold", 800, 1200, True),
        CancelTier("Platinum", 900, 1350, False),
        CancelTier("Diamond", 1050, 1575, False),
        CancelTier("Elite", 1200, 1800, False),
    )
}
"""The documented cancel tiers, by lower-case name."""


def find_tier(
    name: str | None, tiers: Mapping[str, CancelTier] = CANCEL_TIERS
) -> CancelTier | None:
    """The tier called ``name`` (any case) in ``tiers``, or None."""
    return None if not name else tiers.get(name.strip().lower())


@attrs.frozen
class RateLimitState:
    """What one answer's ``Poly-RateLimit-*`` headers said, each field independently optional.

    ``remaining``: the signer's cancel token balance after the request (negative on tiers that
    allow it); ``reset``: unix seconds at which the wait period ends; ``tier``: the tier applied;
    ``warning``: the limiter runs in warning mode and would have refused the request;
    ``observed_at``: when the answer arrived (unix seconds, the client's clock).
    """

    remaining: float | None = None
    reset: float | None = None
    tier: str | None = None
    warning: bool = False
    observed_at: float = 0.0


def _number(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


_PREFIX = "poly-ratelimit-"
_PREFIX_LENGTH = len(_PREFIX)


def rate_limit_state(headers: Mapping[str, str], now: float) -> RateLimitState | None:
    """The state an answer's headers report, or None when it carries none of them. A malformed
    value counts as absent (the answer itself is still judged on its own)."""
    # One pass over the headers (every answer goes through here), not four lookups in
    # httpx.Headers: bench/README.md, "Measurements behind the code".
    found = {
        name[_PREFIX_LENGTH:].lower(): value
        for name, value in headers.items()
        if name[:_PREFIX_LENGTH].lower() == _PREFIX
    }
    if not found:
        return None
    remaining = _number(found.get("remaining"))
    reset = _number(found.get("reset"))
    tier = (found.get("tier") or "").strip() or None
    warning = (found.get("warning") or "").strip().lower() == "true"
    if remaining is None and reset is None and tier is None and not warning:
        return None
    return RateLimitState(remaining, reset, tier, warning, now)


@attrs.define(eq=False)
class Reservation:
    """Tokens counted as spent by a request at ``when``, until its answer reports the balance."""

    when: float
    cost: int


class CancelPacer:
    """The client's running estimate of its signer's cancel bucket, from the latest answer's
    headers and the tier table: how large a batch can ever be admitted, and how long to wait
    before a cost the balance cannot cover. Knows the balance only once an answer reports it
    (the tier also from :meth:`learn_tier`), and then only what the headers allow: a negative
    ``Remaining`` is a deficit to refill before the next cost; with the tier unknown it waits for
    a future ``reset`` rather than guess a refill rate. While the limiter reports warning mode
    nothing waits (it admits everything)."""

    def __init__(
        self,
        tiers: Mapping[str, CancelTier] = CANCEL_TIERS,
        on_update: Callable[[RateLimitState], None] | None = None,
    ) -> None:
        self.tiers = tiers
        self.on_update = on_update
        self.state: RateLimitState | None = None
        self.tier: CancelTier | None = None
        self._balance: float | None = None  # the estimate after every reservation, as of _at
        self._at = 0.0
        self._pending: list[Reservation] = []  # spent, not yet answered, in order

    def observe(
        self, headers: Mapping[str, str], now: float, answered: Reservation | None = None
    ) -> RateLimitState | None:
        """Take in an answer's headers (every answer: 200, 429, ...) to the request that made
        ``answered``; the state they report."""
        self.release(answered)
        state = rate_limit_state(headers, now)
        if state is None:
            return None
        self.state = state
        if state.tier is not None:
            self.tier = find_tier(state.tier, self.tiers)
        if state.remaining is not None:
            self._rebase(state.remaining, now)
        if self.on_update is not None:
            try:
                self.on_update(state)
            except Exception:  # a listener's bug must not lose a cancel
                log.warning("clob_cancel: on_rate_limit callback failed", exc_info=True)
        return state

    def learn_tier(self, name: str | None) -> CancelTier | None:
        """Take the tier called ``name`` (read from ``GET /v1/user/rate-limit-tier``) when it is
        in the table and no answer's headers have named one yet (theirs is the fresher); the
        tier now known."""
        if self.tier is None:
            self.tier = find_tier(name, self.tiers)
        return self.tier

    def batch_limit(self, cap: int) -> int:
        """The most ids one DELETE /orders should carry: ``cap``, or the known tier's burst when
        smaller (a bucket never holds more than its burst; whether a negative-balance tier admits
        more is undocumented, so never count on it)."""
        return min(cap, self.tier.burst) if self.tier is not None else cap

    def never_admits(self, cost: int) -> bool:
        """Whether a request of ``cost`` exceeds the known tier's burst (split it, don't retry)."""
        return self.tier is not None and cost > self.tier.burst

    def balance(self, now: float) -> float | None:
        """The estimated balance now, None when unknown."""
        if self._balance is None:
            return None
        if self.tier is None:
            reset = self._reset()
            return None if reset is None or now >= reset else self._balance
        refilled = self._balance + max(0.0, now - self._at) * self.tier.refill_per_second
        return min(float(self.tier.burst), refilled)

    def wait(self, cost: int, now: float) -> float:
        """Seconds until the estimated balance covers ``cost`` (at most a full bucket), after the
        reservations already made; 0 when it already does or nothing is known."""
        if self.state is not None and self.state.warning:
            return 0.0
        tier = self.tier
        if tier is None:  # no refill rate: the wait period ends at Reset
            balance = self.balance(now)
            reset = self._reset()
            if balance is None or balance >= cost or reset is None:
                return 0.0
            return max(0.0, reset - now)
        start = max(now, self._at)  # after the last reservation's send time
        balance = self.balance(start)
        if balance is None:
            return 0.0
        need = float(min(cost, tier.burst))
        return start - now + max(0.0, need - balance) / tier.refill_per_second

    def spend(self, cost: int, when: float) -> Reservation:
        """Count ``cost`` as taken at ``when`` (a request about to go), until its answer says
        better: so that concurrent requests wait their turn rather than all trust one balance."""
        reservation = Reservation(when, cost)
        self._pending.append(reservation)
        balance = self.balance(when)
        if balance is not None:
            self._balance, self._at = balance - cost, when
        return reservation

    def release(self, reservation: Reservation | None) -> None:
        """Forget a reservation whose request was answered or failed."""
        for index, pending in enumerate(self._pending):
            if pending is reservation:
                del self._pending[index]
                return

    def _reset(self) -> float | None:
        """When the latest answer's wait period ends, None when it gave no Reset or one that is
        "now": an accepted answer's Reset may simply be the current time, in whole seconds
        (rounded up), and says nothing about when the balance covers a cost."""
        state = self.state
        if state is None or state.reset is None:
            return None
        return state.reset if state.reset > math.ceil(state.observed_at) else None

    def _rebase(self, remaining: float, now: float) -> None:
        """The estimate from a reported balance: replay the reservations not answered yet (those
        already sent may be counted twice, which only errs towards waiting)."""
        balance, at = remaining, now
        for pending in self._pending:
            when = max(pending.when, at)
            if self.tier is not None:
                refilled = balance + (when - at) * self.tier.refill_per_second
                balance = min(float(self.tier.burst), refilled)
            balance, at = balance - pending.cost, when
        self._balance, self._at = balance, at
