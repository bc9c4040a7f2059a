"""Fault injection's running state: the setting in force, what is left of a one-shot count, where
a restart stands, and the rate-limit buckets (full again at each new setting)."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from typing import Any

from .buckets import Buckets
from .faults import ERROR_TEXTS, Faults, parse_faults
from .wire import ApiError


class FaultInjector:
    """The faults a :class:`~clob_cancel_mock.app.MockClob` injects; thread safe. ``monotonic``
    and ``now`` are the mock's clocks (a test may replace them, then set the faults)."""

    faults: Faults
    buckets: Buckets

    def __init__(
        self,
        operation_ids: frozenset[str],
        *,
        monotonic: Callable[[], float],
        now: Callable[[], float],
    ) -> None:
        self.operation_ids = operation_ids
        self.monotonic, self.now = monotonic, now
        self._lock = threading.Lock()
        self._start(Faults())

    def parse(self, faults: Faults | Mapping[str, Any] | None) -> Faults:
        """``faults`` as a :class:`Faults` (None: none), checked against the spec's operations."""
        if faults is None:
            return Faults()
        if isinstance(faults, Faults):
            return faults
        return parse_faults(faults, self.operation_ids)

    def start(self, faults: Faults) -> None:
        """Start a fault setting: full buckets, a restart from now."""
        with self._lock:
            self._start(faults)

    def _start(self, faults: Faults) -> None:
        self.faults = faults
        self._count = faults.count
        self.buckets = Buckets(self.monotonic, self.now)
        self._restart_ends = self.monotonic() + (faults.restarting or 0.0)  # inf: not yet known

    def to_json(self) -> dict[str, Any]:
        """The setting, the one-shot count left and where a restart stands."""
        with self._lock:
            out = self.faults.to_json()
            if self._count is not None:
                out["count"] = self._count  # what is left
            if self.faults.restarting is not None:
                out.update(self._restart_phase())
            return out

    def _restart_phase(self) -> dict[str, Any]:
        """Where a restart stands: restarting, post_only, then normal; seconds left when known."""
        now = self.monotonic()
        post_only_ends = self._restart_ends + self.faults.post_only_seconds
        if now < self._restart_ends:
            phase, left = "restarting", self._restart_ends - now
        elif now < post_only_ends:
            phase, left = "post_only", post_only_ends - now
        else:
            return {"phase": "normal"}
        if math.isinf(left):
            return {"phase": phase}
        return {"phase": phase, "seconds_left": round(left, 3)}

    def take_one_shot(self) -> bool:
        """Whether the one-shot fault (status / drop) hits this request; counts it down."""
        with self._lock:
            if self._count is None:
                return True
            if self._count <= 0:
                return False
            self._count -= 1
            return True

    def raise_injected_status(self, faults: Faults) -> None:
        """The injected refusal a request meets, if any: trading disabled, a restart, or the
        one-shot status."""
        if faults.trading_disabled:
            raise ApiError(503, ERROR_TEXTS[503], {"Retry-After": str(faults.retry_after)})
        self.check_restart(faults)
        if faults.status is not None and self.take_one_shot():
            extra: dict[str, Any] = {}
            headers = {}
            if faults.status in (425, 429, 503):
                headers["Retry-After"] = str(faults.retry_after)
                extra["retry_after_seconds"] = faults.retry_after
            if faults.status == 429:  # no tier: it may as well be the edge's per-IP limit
                headers["Poly-RateLimit-Remaining"] = "0"
                headers["Poly-RateLimit-Reset"] = str(math.ceil(self.now() + faults.retry_after))
            raise ApiError(faults.status, ERROR_TEXTS[faults.status], headers, **extra)

    def check_restart(self, faults: Faults) -> None:
        """425 while the matching engine restarts (``restarting`` seconds, or ``count``
        requests); the post-only window after it refuses new orders only, so cancels pass."""
        if faults.restarting is None:
            return
        with self._lock:
            now = self.monotonic()
            left = self._restart_ends - now
            if left <= 0:
                return
            if self._count is not None:
                self._count -= 1
                if self._count <= 0:
                    self._restart_ends = now  # over: the post-only window starts
        retry = faults.retry_after if math.isinf(left) else max(1, math.ceil(left))
        headers = {"Retry-After": str(retry)}
        raise ApiError(425, ERROR_TEXTS[425], headers, retry_after_seconds=retry)
