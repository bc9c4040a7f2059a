"""Order heartbeats: per API key, the id expected next, the deadline and its pending expiry.

:class:`HeartbeatRegistry` accepts, refuses and lapses them (``MockClob.op_send_heartbeat``
answers with its verdict); :class:`HeartbeatState` is one key's state. A deadline is an asyncio
``TimerHandle`` (``loop.call_later``) on the loop that served the accepted send, replaced on each
accepted send; it dies with that loop, and ``reset`` cancels it, from any thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import math
import threading
import uuid
from collections.abc import Callable
from typing import Any

import attrs

log = logging.getLogger("clob_cancel_mock")

DEFAULT_HEARTBEAT_TIMEOUT = 10.0  # seconds: the real CLOB's deadline


def check_timeout(value: Any) -> float:
    """``value`` as a heartbeat deadline in seconds, or ValueError: a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"heartbeat_timeout: expected seconds, got {type(value).__name__}")
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"heartbeat_timeout: must be a finite number of seconds > 0, got {value}")
    return float(value)


@attrs.define
class HeartbeatState:
    """One API key's heartbeat. Armed iff ``deadline`` is set (a ``monotonic()`` time)."""

    expected: str = ""  # the id the next send must carry; "" before arming and after a lapse
    deadline: float | None = None
    lapses: int = 0  # how many times the deadline ran out (each canceled the key's orders)
    last_canceled: list[str] = attrs.Factory(list)  # the ids the last lapse canceled
    timer: asyncio.TimerHandle | None = None
    loop: asyncio.AbstractEventLoop | None = None

    @property
    def armed(self) -> bool:
        return self.deadline is not None

    def drop_timer(self) -> None:
        """Cancel the pending expiry, if any, from whichever thread: on its own loop directly,
        else through ``call_soon_threadsafe`` (a closed loop runs nothing any more)."""
        timer, loop = self.timer, self.loop
        self.timer = self.loop = None
        if timer is None or loop is None:
            return
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop or loop.is_closed():
            timer.cancel()
            return
        with contextlib.suppress(RuntimeError):  # closed meanwhile: its timers never run
            loop.call_soon_threadsafe(timer.cancel)

    def to_json(self, now: float) -> dict[str, Any]:
        left = None if self.deadline is None else round(max(0.0, self.deadline - now), 3)
        return {
            "armed": self.armed,
            "expected_id": self.expected,
            "seconds_left": left,
            "lapses": self.lapses,
            "last_canceled": list(self.last_canceled),
        }


class HeartbeatRegistry:
    """Every API key's heartbeat: accepting, refusing, and lapsing (``on_lapse(api_key)`` cancels
    the key's orders and returns their ids). Thread safe; ``clock`` is ``MockClob.monotonic``."""

    def __init__(
        self,
        timeout: float,
        clock: Callable[[], float],
        on_lapse: Callable[[str], list[str]],
    ) -> None:
        self.timeout = check_timeout(timeout)
        self._clock = clock
        self._on_lapse = on_lapse
        self._lock = threading.Lock()
        self._states: dict[str, HeartbeatState] = {}  # api key -> its heartbeat

    def reset(self) -> None:
        """No heartbeat state and no pending expiry."""
        with self._lock:
            for state in self._states.values():
                state.drop_timer()
            self._states = {}

    def beat(self, api_key: str, sent: str) -> tuple[bool, str]:
        """One heartbeat of ``api_key`` carrying ``sent``: (True, the id to send next) when it
        is the expected one, which (re)arms the deadline; else (False, the expected id).

        A key whose deadline has passed lapses here first, even if its expiry has not run yet,
        so a send's verdict depends on the clock only. After a lapse the expected id is "" again
        and the next send with "" re-arms: our choice, the real server's expected id after a lapse
        is undocumented beyond "can be empty"."""
        with self._lock:
            state = self._states.setdefault(api_key, HeartbeatState())
            if state.deadline is not None and self._clock() >= state.deadline:
                self._lapse(api_key, state)
            if not hmac.compare_digest(sent.encode(), state.expected.encode()):
                return False, state.expected
            state.expected = str(uuid.uuid4())  # 122 random bits: nobody can guess it
            state.deadline = self._clock() + self.timeout
            self._schedule_expiry(api_key, state)
            return True, state.expected

    def to_json(self, api_keys: list[str]) -> dict[str, dict[str, Any]]:
        """The heartbeat of each of ``api_keys`` and of every other key that sent one."""
        now = self._clock()
        with self._lock:
            keys = api_keys + [key for key in self._states if key not in api_keys]
            return {key: self._states.get(key, HeartbeatState()).to_json(now) for key in keys}

    def drop_timers(self) -> None:
        """Cancel every pending expiry, keeping the state (MockServer.stop: the loop is gone).
        An armed key then lapses at its next send once its deadline has passed."""
        with self._lock:
            for state in self._states.values():
                state.drop_timer()

    def _schedule_expiry(self, api_key: str, state: HeartbeatState) -> None:
        """(Under the lock.) Replace the key's pending expiry with one at its new deadline, on
        the running loop; with none (a direct call outside a server) the next send's check
        above is the only expiry."""
        state.drop_timer()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        state.loop = loop
        state.timer = loop.call_later(self.timeout, self._expire, api_key, state, state.expected)

    def _expire(self, api_key: str, state: HeartbeatState, expected: str) -> None:
        """The timer: lapse the key unless a send or a reset came first."""
        with self._lock:
            current = self._states.get(api_key) is state and state.expected == expected
            if current and state.armed:
                state.timer = state.loop = None  # it is running: nothing to cancel
                self._lapse(api_key, state)

    def _lapse(self, api_key: str, state: HeartbeatState) -> None:
        """(Under the lock.) Cancel the key's orders and disarm."""
        state.drop_timer()
        canceled = self._on_lapse(api_key)
        state.expected, state.deadline = "", None
        state.lapses += 1
        state.last_canceled = canceled
        log.warning(
            "clob_cancel_mock: no heartbeat from api key %s for %g s: canceled its %d live "
            "order(s)",
            api_key,
            self.timeout,
            len(canceled),
        )
