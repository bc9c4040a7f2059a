"""The CLOB's per-signer cancel rate limits: the documented tier table and the state the
``Poly-RateLimit-*`` headers report. Shared by the clients (pacing) and the mock (its buckets)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import attrs


@attrs.frozen
class CancelTier:
    """One tier's cancel bucket: refilled at ``refill_per_second`` up to ``burst`` tokens; on a
    tier with ``negative_balance`` an admitted request may leave the balance below zero."""

    name: str
    refill_per_second: float
    burst: int
    negative_balance: bool


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


def rate_limit_state(headers: Mapping[str, str], now: float) -> RateLimitState | None:
    """The state an answer's headers report, or None when it carries none of them. A malformed
    value counts as absent (the answer itself is still judged on its own)."""
    remaining = _number(headers.get("poly-ratelimit-remaining"))
    reset = _number(headers.get("poly-ratelimit-reset"))
    tier = (headers.get("poly-ratelimit-tier") or "").strip() or None
    warning = (headers.get("poly-ratelimit-warning") or "").strip().lower() == "true"
    if remaining is None and reset is None and tier is None and not warning:
        return None
    return RateLimitState(remaining, reset, tier, warning, now)
