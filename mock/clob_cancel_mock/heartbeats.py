"""Order heartbeats: per API key, the id expected next, the deadline and its pending expiry.

The behaviour (accepting, refusing, lapsing) is in :class:`~clob_cancel_mock.app.MockClob`; this
module holds the per-key state and the timer plumbing. A deadline is an asyncio ``TimerHandle``
(``loop.call_later``) on the loop that served the accepted send, replaced on each accepted send;
it dies with that loop, and ``reset`` cancels it, from any thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from typing import Any

import attrs

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
