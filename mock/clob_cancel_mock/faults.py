"""Fault injection and optional modes, all off by default: what client tests need to provoke.

Set as one JSON object (``POST /_mock/faults``, CLI flags, or ``create_app(faults=...)``); each
setting replaces the previous one entirely, and ``{}`` clears everything::

    {"rate_limit": {"tier": "Silver"}}               cancel token buckets of a documented tier
    {"rate_limit": {"rate": 10, "burst": 20}}        ... or of a custom one ("negative_balance")
    {"status": 425, "count": 2, "retry_after": 1}    the next 2 requests answer 425
    {"restarting": 90, "post_only_seconds": 120}    425 for 90 s, then 120 s of post-only mode
    {"restarting": true, "count": 2}                 425 for the next 2 requests, then post-only
    {"trading_disabled": true}                       503 until cleared
    {"cancel_only": true}                            cancel-only mode: cancels still work
    {"delay_seconds": 0.5}                           answer every request 0.5 s late
    {"drop_connection": true, "count": 1}            close the connection without answering
    {"operations": ["cancel_order"]}                 which operationIds the faults apply to
                                                     (default: the four cancel operations;
                                                     any of the spec's, e.g. send_heartbeat)
    {"api_keys": ["<key>"], "status": 503}           which accounts (POLY_API_KEY) the faults
                                                     apply to (default: every one)

Without ``rate_limit`` a signer is limited only by its account's ``tier`` (seed file,
``--tier``), if any. ``rate_limit`` applies to every signer (of ``api_keys``, when given),
over those tiers; it also takes ``"warning": true`` (admit and charge what would be refused,
saying so) and ``"above_burst": "refuse" | "admit"`` (whether a negative-balance tier admits a
cost above its burst, which the docs leave open). ``count`` belongs to the one fault of the
object that counts requests (``status``, ``drop_connection`` or ``restarting``); without it that
fault lasts until cleared.
Post-only mode and cancel-only mode refuse new orders only: cancels work as usual. A heartbeat
hit by a fault is not accepted (no new deadline), except ``delay_seconds``: it is accepted when
the delay ends, which is when its deadline starts, even if the client gave up waiting. A request
still in its delay when MockServer stops is dropped unserved.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

from clob_cancel.ratelimit import CancelTier, find_tier

from .buckets import RateLimit, tier_named

CANCEL_OPERATIONS = ("cancel_order", "cancel_orders", "cancel_all", "cancel_market_orders")
FAULT_STATUSES = (425, 429, 500, 503)
MAX_DELAY_SECONDS = 60.0
RATE_LIMIT_KEYS = ("tier", "rate", "burst", "negative_balance", "warning", "above_burst")

ERROR_TEXTS = {
    425: "matching engine is restarting, please retry",
    429: "Too Many Requests",
    500: "Internal server error",
    503: "Trading is currently disabled. Check polymarket.com for updates",
}


class FaultsError(ValueError):
    """A fault setting is malformed; the message names the key."""


@attrs.frozen
class Faults:
    rate_limit: RateLimit | None = None
    status: int | None = None
    retry_after: int = 1
    restarting: float | None = None  # seconds; math.inf: until the count runs out or cleared
    post_only_seconds: float = 120.0
    trading_disabled: bool = False
    cancel_only: bool = False
    delay_seconds: float = 0.0
    drop_connection: bool = False
    count: int | None = None  # how many more requests the counted fault hits; None = all
    operations: tuple[str, ...] = CANCEL_OPERATIONS
    api_keys: frozenset[str] | None = None  # None: every account

    def hits(self, api_key: str | None) -> bool:
        """Whether the faults apply to a request naming ``api_key`` (its POLY_API_KEY)."""
        return self.api_keys is None or api_key in self.api_keys

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.rate_limit is not None:
            out["rate_limit"] = _rate_limit_json(self.rate_limit)
        if self.status is not None:
            out["status"] = self.status
            out["retry_after"] = self.retry_after
        if self.restarting is not None:
            out["restarting"] = True if math.isinf(self.restarting) else self.restarting
            out["post_only_seconds"] = self.post_only_seconds
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
        if self.api_keys is not None:
            out["api_keys"] = sorted(self.api_keys)
        return out


def _rate_limit_json(limit: RateLimit) -> dict[str, Any]:
    tier = limit.tier
    out: dict[str, Any]
    if find_tier(tier.name) == tier:  # a documented tier, not a custom one
        out = {"tier": tier.name}
    else:
        out = {
            "rate": tier.refill_per_second,
            "burst": tier.burst,
            "negative_balance": tier.negative_balance,
        }
    if limit.warning:
        out["warning"] = True
    if limit.above_burst != "refuse":
        out["above_burst"] = limit.above_burst
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


def _flag(data: Mapping[str, Any], key: str, where: str = "faults") -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise FaultsError(f"{where}.{key}: expected true or false, got {type(value).__name__}")
    return value


def _rate_limit(raw: Any) -> RateLimit:
    where = "faults.rate_limit"
    shape = f'{where}: expected {{"tier": "<name>"}} or {{"rate": <per second>, "burst": <n>}}'
    if not isinstance(raw, Mapping):
        raise FaultsError(shape)
    unknown = set(raw) - set(RATE_LIMIT_KEYS)
    if unknown:
        raise FaultsError(
            f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
            f"known: {', '.join(RATE_LIMIT_KEYS)}"
        )
    if "tier" in raw:
        if set(raw) & {"rate", "burst", "negative_balance"}:
            raise FaultsError(f"{where}: set either tier or rate/burst/negative_balance")
        try:
            tier = tier_named(raw["tier"])
        except ValueError as e:
            raise FaultsError(f"{where}.tier: {e}") from None
    elif "rate" in raw:
        rate = _number(raw, "rate", 0.001, 1e9, where)
        burst = _int(raw, "burst", 1, 10**9, where) if "burst" in raw else max(1, math.ceil(rate))
        tier = CancelTier("custom", rate, burst, _flag(raw, "negative_balance", where))
    else:
        raise FaultsError(shape)
    above_burst = raw.get("above_burst", "refuse")
    if above_burst not in ("refuse", "admit"):
        raise FaultsError(f'{where}.above_burst: expected "refuse" or "admit"')
    return RateLimit(tier, _flag(raw, "warning", where), above_burst)


def _restarting(data: Mapping[str, Any]) -> float | None:
    value = data.get("restarting")
    if value is None or value is False:
        return None
    if value is True:
        return math.inf
    if not isinstance(value, int | float):
        raise FaultsError(
            f"faults.restarting: expected seconds or true, got {type(value).__name__}"
        )
    return _number(data, "restarting", 0.001, 86400)


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
        rate_limit = _rate_limit(data["rate_limit"])
    status = None
    if data.get("status") is not None:
        status = _int(data, "status", 100, 599)
        if status not in FAULT_STATUSES:
            raise FaultsError(
                f"faults.status: must be one of {', '.join(map(str, FAULT_STATUSES))}"
            )
    drop = _flag(data, "drop_connection")
    restarting = _restarting(data)
    counted = sum([status is not None, drop, restarting is not None])
    if counted > 1:
        raise FaultsError("faults: set only one of status, drop_connection, restarting")
    count = None
    if data.get("count") is not None:
        if not counted:
            raise FaultsError("faults.count: only with status, drop_connection or restarting")
        if restarting is not None and not math.isinf(restarting):
            raise FaultsError("faults.count: with restarting: true, not with seconds")
        count = _int(data, "count", 1, 10**9)
    post_only = 120.0
    if data.get("post_only_seconds") is not None:
        if restarting is None:
            raise FaultsError("faults.post_only_seconds: only with restarting")
        post_only = _number(data, "post_only_seconds", 0, 86400)
    operations = CANCEL_OPERATIONS
    if data.get("operations") is not None:
        ops = data["operations"]
        if not isinstance(ops, list) or not ops or not all(isinstance(o, str) for o in ops):
            raise FaultsError("faults.operations: expected a non-empty list of operationIds")
        bad = [o for o in ops if known_operations is not None and o not in known_operations]
        if bad:
            raise FaultsError(f"faults.operations: unknown operationId(s) {', '.join(bad)}")
        operations = tuple(ops)
    api_keys = None
    if data.get("api_keys") is not None:
        keys = data["api_keys"]
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            raise FaultsError("faults.api_keys: expected a non-empty list of api keys")
        api_keys = frozenset(keys)
    return Faults(
        rate_limit=rate_limit,
        status=status,
        retry_after=_int(data, "retry_after", 0, 3600) if "retry_after" in data else 1,
        restarting=restarting,
        post_only_seconds=post_only,
        trading_disabled=_flag(data, "trading_disabled"),
        cancel_only=_flag(data, "cancel_only"),
        delay_seconds=_number(data, "delay_seconds", 0, MAX_DELAY_SECONDS)
        if "delay_seconds" in data
        else 0.0,
        drop_connection=drop,
        count=count,
        operations=operations,
        api_keys=api_keys,
    )
