"""RetryPolicy: when a failed cancel is sent again, and how long it waits first."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import attrs

from .defaults import RETRIES, RETRY_BUDGET_SECONDS


def _non_negative(_instance: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if value < 0:
        raise ValueError(f"RetryPolicy.{attribute.name} must be >= 0, got {value!r}")


@attrs.frozen
class RetryPolicy:
    """When a failed cancel is sent again (cancels are idempotent).

    Retried: 425 (engine restarting), 429 (rate limited), 503 (trading disabled, or a restriction
    that should not refuse cancels), and connection failures (refused, dropped). Not retried: 400,
    401, 500, a timeout after the request was sent (its fate is unknown: the error says so), and
    a 429 for a batch larger than its tier's burst (it can never be admitted: ``cancel_orders``
    splits it instead). Each retry is signed afresh and waits what the server asked (Retry-After
    or ``retry_after_seconds``), else a full-jitter exponential backoff ``uniform(0,
    min(max_delay, base_delay * 2**n))``. No retry starts whose wait would end more than
    ``max_total_seconds`` after the first attempt began; the same budget bounds the wait for the
    rate-limit bucket to refill before a request (beyond it the request goes, and a 429 decides).
    """

    retries: int = attrs.field(default=RETRIES, validator=_non_negative)
    max_total_seconds: float = attrs.field(default=RETRY_BUDGET_SECONDS, validator=_non_negative)
    base_delay: float = attrs.field(default=0.5, validator=_non_negative)
    max_delay: float = attrs.field(default=8.0, validator=_non_negative)
    rng: Callable[[], float] = attrs.field(default=random.random, eq=False, repr=False)

    def backoff(self, retries_done: int) -> float:
        """The wait before retry number ``retries_done + 1`` when the server named none."""
        return self.rng() * min(self.max_delay, self.base_delay * 2.0**retries_done)


DEFAULT_RETRY = RetryPolicy()


class OversizedBatch(Exception):
    """A 429 for a batch costing more than its tier's burst: never admitted, so split it."""
