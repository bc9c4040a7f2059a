"""The signer's rate-limit tier, read once before the first bulk cancel (``GET
/v1/user/rate-limit-tier``, L2), so that the first batch is already sized to the tier's burst and
paced, instead of learning the tier from a first answer (2,500 ids on Silver: a 1000-id batch
refused with a 429, then split).

The read is an optimisation a cancel must never depend on: it is made at most once per client,
with a short timeout, and anything but a tier name the client knows (a 404 from a server without
the operation, a 401, a 5xx, a timeout, an unreadable answer, an unknown name) leaves the tier
unknown: the client then learns it from the ``Poly-RateLimit-*`` headers, as it always did.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sized
from typing import Any

import httpx

from clob_cancel_client.api.account import get_rate_limit_tier
from clob_cancel_client.models import RateLimitTierResponse

from .errors import CancelError
from .ratelimit import CancelPacer, CancelTier

log = logging.getLogger("clob_cancel")

TIER_READ_TIMEOUT_SECONDS = 2.0
"""The longest the tier read may delay a cancel (connect, send and answer each), or the
client's own timeout when that is shorter."""

TierAnswer = RateLimitTierResponse | CancelError


def tier_read_timeout(client_timeout: httpx.Timeout | float | None) -> httpx.Timeout:
    """``TIER_READ_TIMEOUT_SECONDS``, or the client's own timeout where it is shorter."""
    limit = TIER_READ_TIMEOUT_SECONDS
    own = httpx.Timeout(client_timeout)

    def cap(phase: float | None) -> float:
        return limit if phase is None else min(phase, limit)

    return httpx.Timeout(
        connect=cap(own.connect), read=cap(own.read), write=cap(own.write), pool=cap(own.pool)
    )


def tier_name(answer: object) -> str | None:
    """The tier name an answer gives (its ``tier`` string), else None."""
    if isinstance(answer, RateLimitTierResponse) and isinstance(answer.tier, str):
        return answer.tier.strip() or None
    return None


class TierRead:
    """The one tier read a client makes: whether a cancel needs it, the request, and what its
    answer teaches the pacer."""

    def __init__(self, pacer: CancelPacer, client_timeout: httpx.Timeout | float | None) -> None:
        self.pacer = pacer
        self.timeout = tier_read_timeout(client_timeout)
        self.done = False

    def wanted(self, ids: Sized) -> bool:
        """Whether to read before cancelling ``ids``: not read yet, no tier known from the
        headers, and more ids than the smallest burst in the table (fewer always fit one
        request, and the first answer's headers then say the tier for free)."""
        if self.done or self.pacer.tier is not None:
            return False
        smallest = min((tier.burst for tier in self.pacer.tiers.values()), default=0)
        return len(ids) > smallest

    def request(self) -> dict[str, Any]:
        """The request (``build_request``'s dict with the short timeout); marks the read made."""
        self.done = True
        request = get_rate_limit_tier.build_request()
        request["timeout"] = self.timeout
        return request

    def take(self, answer: TierAnswer) -> CancelTier | None:
        """Learn the tier from ``answer``; a failure or unknown name is logged and leaves it."""
        name = tier_name(answer)
        tier = self.pacer.learn_tier(name)
        if tier is None:
            why = answer if isinstance(answer, CancelError) else f"tier {name!r} not in the table"
            log.info("clob_cancel: rate-limit tier not read (%s); learning it from answers", why)
        return tier

    def run(self, send: Callable[[dict[str, Any]], TierAnswer]) -> None:
        """Read through ``send`` (the client's one attempt). Whatever happens, the cancel goes
        on: even an unexpected exception here is logged, not raised."""
        try:
            self.take(send(self.request()))
        except Exception:
            log.warning("clob_cancel: rate-limit tier read failed", exc_info=True)

    async def run_async(self, send: Callable[[dict[str, Any]], Awaitable[TierAnswer]]) -> None:
        """:meth:`run` for the async client."""
        try:
            self.take(await send(self.request()))
        except Exception:
            log.warning("clob_cancel: rate-limit tier read failed", exc_info=True)
