"""Fault injection and optional modes, all off by default: what client tests need to provoke.

Set as one JSON object (``POST /_mock/faults``, CLI flags, or ``create_app(faults=...)``); each
setting replaces the previous one entirely, and ``{}`` clears everything::

    {"rate_limit": {"rate": 10, "burst": 20}}        per-signer token bucket -> 429
    {"status": 425, "count": 2, "retry_after": 1}    the next 2 requests answer 425
    {"trading_disabled": true}                       503 until cleared
    {"cancel_only": true}                            cancel-only mode: cancels still work
    {"delay_seconds": 0.5}                           answer every request 0.5 s late
    {"drop_connection": true, "count": 1}            close the connection without answering
    {"operations": ["cancel_order"]}                 which operationIds the faults apply to
                                                     (default: the four cancel operations)

``count`` belongs to the one-shot fault of the object (``status`` or ``drop_connection``);
without it that fault applies to every request until cleared.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import attrs

CANCEL_OPERATIONS = ("cancel_order", "cancel_orders", "cancel_all", "cancel_market_orders")
FAULT_STATUSES = (425, 429, 500, 503)
MAX_DELAY_SECONDS = 60.0

ERROR_TEXTS = {
    425: "matching engine is restarting, please retry",
    429: "Too Many Requests",
    500: "Internal server error",
    503: "Trading is currently disabled. Check polymarket.com for updates",
}


class FaultsError(ValueError):
    """A fault setting is malformed; the message names the key."""


@attrs.frozen
class RateLimit:
    rate: float  # tokens added per second
    burst: int  # bucket size


@attrs.frozen
class Faults:
    rate_limit: RateLimit | None = None
    status: int | None = None
    retry_after: int = 1
    trading_disabled: bool = False
    cancel_only: bool = False
    delay_seconds: float = 0.0
    drop_connection: bool = False
    count: int | None = None  # how many more requests the status / drop fault hits; None = all
    operations: tuple[str, ...] = CANCEL_OPERATIONS

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.rate_limit is not None:
            out["rate_limit"] = {"rate": self.rate_limit.rate, "burst": self.rate_limit.burst}
        if self.status is not None:
            out["status"] = self.status
            out["retry_after"] = self.retry_after
        if self.trading_disabled:
            out["trading_disabled"] = True
        if self.cancel_only:
            out["cancel_only"] = True
        if self.delay_seconds:
            out["delay_seconds"] = self.delay_seconds
        if self.drop_connection:
            out["drop_connection"] = True
        if self.count is not None:
            out["count"] = self.count
        if self.operations != CANCEL_OPERATIONS:
            out["operations"] = list(self.operations)
        return out


def _number(
    data: Mapping[str, Any], key: str, minimum: float, maximum: float, where: str = "faults"
) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultsError(f"{where}.{key}: expected a number, got {type(value).__name__}")
    if not minimum <= value <= maximum:
        raise FaultsError(f"{where}.{key}: must be between {minimum:g} and {maximum:g}")
    return float(value)


def _int(
    data: Mapping[str, Any], key: str, minimum: int, maximum: int, where: str = "faults"
) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise FaultsError(f"{where}.{key}: expected an integer, got {type(value).__name__}")
    if not minimum <= value <= maximum:
        raise FaultsError(f"{where}.{key}: must be between {minimum} and {maximum}")
    return value


def _flag(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise FaultsError(f"faults.{key}: expected true or false, got {type(value).__name__}")
    return value


def parse_faults(data: Any, known_operations: frozenset[str] | None = None) -> Faults:
    """Parse the JSON fault setting; every error names the offending key."""
    if not isinstance(data, Mapping):
        raise FaultsError(f"faults: expected a JSON object, got {type(data).__name__}")
    allowed = set(attrs.fields_dict(Faults))
    unknown = set(data) - allowed
    if unknown:
        raise FaultsError(
            f"faults: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
            f"known: {', '.join(sorted(allowed))}"
        )
    rate_limit = None
    if data.get("rate_limit") is not None:
        raw = data["rate_limit"]
        if not isinstance(raw, Mapping) or set(raw) - {"rate", "burst"} or "rate" not in raw:
            raise FaultsError('faults.rate_limit: expected {"rate": <per second>, "burst": <n>}')
        rate = _number(raw, "rate", 0.001, 1e9, "faults.rate_limit")
        burst = max(1, math.ceil(rate))
        if "burst" in raw:
            burst = _int(raw, "burst", 1, 10**9, "faults.rate_limit")
        rate_limit = RateLimit(rate, burst)
    status = None
    if data.get("status") is not None:
        status = _int(data, "status", 100, 599)
        if status not in FAULT_STATUSES:
            raise FaultsError(
                f"faults.status: must be one of {', '.join(map(str, FAULT_STATUSES))}"
            )
    drop = _flag(data, "drop_connection")
    if status is not None and drop:
        raise FaultsError("faults: set either status or drop_connection, not both")
    count = None
    if data.get("count") is not None:
        if status is None and not drop:
            raise FaultsError("faults.count: only with status or drop_connection")
        count = _int(data, "count", 1, 10**9)
    operations = CANCEL_OPERATIONS
    if data.get("operations") is not None:
        ops = data["operations"]
        if not isinstance(ops, list) or not ops or not all(isinstance(o, str) for o in ops):
            raise FaultsError("faults.operations: expected a non-empty list of operationIds")
        bad = [o for o in ops if known_operations is not None and o not in known_operations]
        if bad:
            raise FaultsError(f"faults.operations: unknown operationId(s) {', '.join(bad)}")
        operations = tuple(ops)
    return Faults(
        rate_limit=rate_limit,
        status=status,
        retry_after=_int(data, "retry_after", 0, 3600) if "retry_after" in data else 1,
        trading_disabled=_flag(data, "trading_disabled"),
        cancel_only=_flag(data, "cancel_only"),
        delay_seconds=_number(data, "delay_seconds", 0, MAX_DELAY_SECONDS)
        if "delay_seconds" in data
        else 0.0,
        drop_connection=drop,
        count=count,
        operations=operations,
    )


@attrs.frozen
class Admission:
    """The rate limiter's verdict on one request, with the values for the Poly-RateLimit-*
    headers."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the bucket is full again
    retry_after: int  # until the request could pass (0 when allowed)

    def headers(self) -> dict[str, str]:
        out = {
            "Poly-RateLimit-Limit": str(self.limit),
            "Poly-RateLimit-Remaining": str(self.remaining),
            "Poly-RateLimit-Reset": str(self.reset_seconds),
        }
        if not self.allowed:
            out["Retry-After"] = str(self.retry_after)
        return out


class TokenBuckets:
    """One token bucket per signer address, as the CLOB's cancel buckets: a batch costs one
    token per id and is admitted whole or not at all; /cancel-all costs 1 up front plus one per
    order canceled afterwards, which may put the bucket into debt."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # signer -> (tokens, at)

    def _refill(self, signer: str) -> float:
        now = self._clock()
        tokens, at = self._buckets.get(signer, (float(self.limit.burst), now))
        tokens = min(float(self.limit.burst), tokens + (now - at) * self.limit.rate)
        self._buckets[signer] = (tokens, now)
        return tokens

    def _verdict(self, tokens: float, allowed: bool, cost: float) -> Admission:
        missing = max(0.0, self.limit.burst - tokens)
        short = max(0.0, cost - tokens)
        return Admission(
            allowed=allowed,
            limit=self.limit.burst,
            remaining=math.floor(tokens),
            reset_seconds=math.ceil(missing / self.limit.rate),
            retry_after=0 if allowed else max(1, math.ceil(short / self.limit.rate)),
        )

    def take(self, signer: str, cost: float) -> Admission:
        with self._lock:
            tokens = self._refill(signer)
            if cost > tokens:
                return self._verdict(tokens, False, cost)
            tokens -= cost
            self._buckets[signer] = (tokens, self._buckets[signer][1])
            return self._verdict(tokens, True, cost)

    def charge(self, signer: str, cost: float) -> Admission:
        """Take ``cost`` tokens unconditionally (the balance may go negative)."""
        with self._lock:
            tokens = self._refill(signer) - cost
            self._buckets[signer] = (tokens, self._buckets[signer][1])
            return self._verdict(tokens, True, 0)
