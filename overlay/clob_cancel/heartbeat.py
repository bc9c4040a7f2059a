"""Keeping the CLOB's order heartbeat, a server-side dead-man's switch, alive: from a thread
(:class:`HeartbeatKeeper`), or an asyncio task (``clob_cancel.aio.AsyncHeartbeatKeeper``, in the
async module so that sync users never import asyncio).

Arming covers the whole API key, in every process that uses it: once a heartbeat is accepted,
the server cancels every open order of the key when no heartbeat is accepted for 10 s. There is
no disarm: stopping a keeper (or the process dying, hanging or losing its network) means the
server cancels them after the deadline. That is the point; know it before you start one.

A keeper never stops silently. Every failed send is reported once (to ``on_failure(error,
seconds_left)``, or without one as a warning on the ``clob_cancel`` logger) and retried while the
deadline can still be met; when it can no longer be, the keeper says so (``on_lapse(error)``, or
an error on the logger), stops, and raises :class:`HeartbeatLapsedError` wherever the caller waits
on it (``wait()``, ``check()``, leaving the ``with`` block). ``check()`` also reads the clock: the
deadline passing is a lapse even while a send hangs, so a caller's loop sees it on time.

Two answers are not what they seem. A mismatch naming another id (another process on the key
moved the chain) is resent at once, up to START_TRIES times in a row before it is reported (two
processes sending at the same moment can each miss once more). A mismatch naming
``""`` once the chain was armed is the server saying it lapsed: it has canceled every open order
of the key, so that is the lapse, never a hiccup to re-arm past.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Protocol, Self

from .defaults import HEARTBEAT_DEADLINE, HEARTBEAT_INTERVAL
from .errors import CancelError, HeartbeatLapsedError, HeartbeatMismatchError

log = logging.getLogger("clob_cancel")

_FIRST_RETRY = 0.25  # seconds before the first retry of a failed send; doubles after each
START_TRIES = 3
"""First sends: "" and then, should the key be armed already, the id the server names."""
_LAST_CHANCE = 0.05  # seconds: with less left before the deadline, no send can make it
_POLL = 0.1  # seconds between wait()'s looks at the clock

FailureCallback = Callable[[CancelError, float], None]
LapseCallback = Callable[[HeartbeatLapsedError], None]
StopWait = Callable[[threading.Event, float], bool]
"""How the keeper's thread waits before a send: ``(stop, seconds)`` -> whether ``stop`` was set
(by default ``stop.wait(seconds)``; a test passes one that advances a fake clock)."""


def wait_for_stop(stop: threading.Event, seconds: float) -> bool:
    """Wait up to ``seconds`` for ``stop``; whether it was set (the keeper's default wait)."""
    return stop.wait(seconds)


class HeartbeatSender(Protocol):
    """What a :class:`HeartbeatKeeper` sends with: ``CancelClient``."""

    def send_heartbeat(self, heartbeat_id: str = "", *, timeout: float | None = None) -> str: ...


class AsyncHeartbeatSender(Protocol):
    """What ``AsyncHeartbeatKeeper`` sends with: ``AsyncCancelClient``."""

    def send_heartbeat(
        self, heartbeat_id: str = "", *, timeout: float | None = None
    ) -> Awaitable[str]: ...


class HeartbeatChain:
    """The keeper's state and decisions, without I/O: shared by the thread and the task."""

    def __init__(
        self,
        interval: float,
        deadline: float,
        on_failure: FailureCallback | None,
        on_lapse: LapseCallback | None,
        clock: Callable[[], float],
    ) -> None:
        if not (0 < interval < deadline and math.isfinite(deadline)):
            raise ValueError(
                f"interval must be > 0 and below the deadline ({deadline:g} s, finite), got "
                f"{interval!r}"
            )
        self.interval, self.deadline, self.clock = interval, deadline, clock
        self.on_failure, self.on_lapse = on_failure, on_lapse
        self.heartbeat_id = ""
        self.accepted_at: float | None = None  # when the last accepted send left
        self.failures = 0  # in a row
        self.lapse: HeartbeatLapsedError | None = None
        self._lapse_lock = threading.Lock()  # the keeper's thread and the caller's clock check

    def joined(self, error: HeartbeatMismatchError, tries: int) -> None:
        """A first send refused for its id: the key is armed already (another process), so
        take the id the server names; raise after ``START_TRIES`` tries."""
        self.heartbeat_id = error.expected_id
        if tries >= START_TRIES:
            raise error

    def next_send(self) -> tuple[float, float] | None:
        """When the next send leaves and its timeout (half the time left, so that a hung send
        leaves room for another); None, the lapse reported, once too little is left."""
        sent_at = self.clock()
        left = self.seconds_left(sent_at)
        if self.lapse is not None or left < _LAST_CHANCE:
            self.lapsed(None)
            return None
        return sent_at, left / 2

    def seconds_left(self, now: float) -> float:
        assert self.accepted_at is not None
        return self.accepted_at + self.deadline - now

    def accepted(self, next_id: str, sent_at: float) -> float | None:
        """Take the answer of an accepted send; the wait before the next one (None: a lapse was
        declared meanwhile, by the clock, and a lapse is final)."""
        if self.lapse is not None:
            return None
        self.heartbeat_id, self.accepted_at, self.failures = next_id, sent_at, 0
        return max(0.0, sent_at + self.interval - self.clock())

    def failed(self, error: CancelError) -> float | None:
        """Report a failed send; the wait before trying again, or None once the deadline can no
        longer be met or the server said it lapsed (the lapse is then reported too)."""
        if self.lapse is not None:
            return None
        now = self.clock()
        left = self.seconds_left(now)
        self.failures += 1
        mismatch = isinstance(error, HeartbeatMismatchError)
        if isinstance(error, HeartbeatMismatchError):
            if error.expected_id == "":
                self.lapsed(error, by_server=True)
                return None
            self.heartbeat_id = error.expected_id  # resend at once with the id the server named
        if not (mismatch and self.failures <= START_TRIES):  # another process moved the chain
            self.report(error, left)
        if left < _LAST_CHANCE:
            self.lapsed(error)
            return None
        if isinstance(error, HeartbeatMismatchError) and self.failures <= START_TRIES:
            return 0.0
        wait = _FIRST_RETRY * 2.0 ** (self.failures - 1)
        if error.retry_after is not None:
            wait = error.retry_after
        # Tries must remain before the deadline: wait at most half of what is left (and a send
        # may take the other half: next_send's timeout).
        return min(wait, left / 2)

    def report(self, error: CancelError, left: float) -> None:
        """One failed send, said once: to the caller's callback, else to the logger."""
        if self.on_failure is not None:
            _call(self.on_failure, error, left)
            return
        log.warning(
            "clob_cancel: heartbeat failed (%s); %.1f s left before the server cancels every "
            "open order of the API key",
            error,
            max(0.0, left),
        )

    def lapsed(
        self, cause: BaseException | None, *, by_server: bool = False
    ) -> HeartbeatLapsedError:
        """Declare the lapse (once: the keeper's thread and a caller's clock check may race)."""
        with self._lapse_lock:
            if self.lapse is not None:
                return self.lapse
            silent_for = self.clock() - (self.accepted_at or self.clock())
            if by_server:
                what = (
                    'the server declared the lapse (it expects a new chain, heartbeat id "") '
                    f"{silent_for:.1f} s after the last accepted heartbeat: it has canceled every "
                    "open order of the API key"
                )
            else:
                what = (
                    f"no heartbeat accepted for {silent_for:.1f} s (deadline {self.deadline:g} s):"
                    " the server cancels, or has canceled, every open order of the API key"
                )
            error = HeartbeatLapsedError("send_heartbeat", f"{what}; the keeper stopped")
            error.__cause__ = cause
            self.lapse = error
        if self.on_lapse is not None:
            _call(self.on_lapse, error)
        else:
            log.error("clob_cancel: %s", error)
        return error

    def overdue(self) -> HeartbeatLapsedError | None:
        """The lapse, declared here by the clock if the deadline has passed without an accepted
        heartbeat: a send that hangs (or trickles its answer) cannot hide it."""
        armed = self.lapse is None and self.accepted_at is not None
        if armed and self.seconds_left(self.clock()) <= 0:
            self.lapsed(None)
        return self.lapse

    def check(self) -> None:
        if (lapse := self.overdue()) is not None:
            raise lapse


def _call(callback: Callable[..., None] | None, *args: object) -> None:
    """A user's callback; its exception is logged, never lets the keeper die silently."""
    if callback is None:
        return
    try:
        callback(*args)
    except Exception:
        log.exception("clob_cancel: a heartbeat callback failed")


KEEPER_OPTIONS_DOC = """

    ``interval``: seconds between heartbeats (default 5); ``deadline``: the server's (default 10);
    ``on_failure(error, seconds_left)``: every failed send; ``on_lapse(error)``: the deadline
    passed without an accepted send, or the server said it lapsed (the keeper then stops).
    Callbacks run on the keeper's thread or task (``on_lapse`` on the caller's, when its
    ``check()`` found the deadline passed by the clock); an exception they raise is logged.
    ``clock`` (monotonic seconds) and ``wait_for_stop(stop, seconds)`` (whether ``stop`` was set
    within ``seconds``) are injectable for tests.
"""


class KeeperContext:
    """A keeper's ``with`` block, for :class:`HeartbeatKeeper` and
    :class:`~clob_cancel.fleet_heartbeat.FleetHeartbeat` alike: entering starts it; leaving stops
    it and, when the block ended without an exception, raises the lapse there was (a lapse never
    passes unseen at the end of a block)."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self, timeout: float | None = None) -> None:
        raise NotImplementedError

    def check(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        if exc is None:
            self.check()


class HeartbeatKeeper(KeeperContext):
    __doc__ = (
        """Keeps the order heartbeat alive from a daemon thread (see the module docstring):
    ``with client.heartbeat() as keeper: ...``. Entering sends the first heartbeat and raises if
    it fails (nothing is armed then); leaving stops the sends, after which the server cancels
    every open order of the API key within the deadline, then raises the lapse error if there
    was one. ARMING COVERS THE WHOLE API KEY IN EVERY PROCESS."""
        + KEEPER_OPTIONS_DOC
    )

    def __init__(
        self,
        client: HeartbeatSender,
        *,
        interval: float = HEARTBEAT_INTERVAL,
        deadline: float = HEARTBEAT_DEADLINE,
        on_failure: FailureCallback | None = None,
        on_lapse: LapseCallback | None = None,
        clock: Callable[[], float] = time.monotonic,
        wait_for_stop: StopWait = wait_for_stop,
    ) -> None:
        self._client = client
        self._chain = HeartbeatChain(interval, deadline, on_failure, on_lapse, clock)
        self._wait_for_stop = wait_for_stop
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def heartbeat_id(self) -> str:
        """The id the next heartbeat will carry."""
        return self._chain.heartbeat_id

    @property
    def lapse(self) -> HeartbeatLapsedError | None:
        """The lapse, once the deadline passed without an accepted heartbeat (read the clock
        first with :meth:`poll`)."""
        return self._chain.lapse

    def poll(self) -> HeartbeatLapsedError | None:
        """The lapse, if any: declared by the clock here once the deadline has passed without
        an accepted heartbeat, even while the keeper's send hangs. Never blocks."""
        return self._chain.overdue()

    def start(self) -> Self:
        """Send the first heartbeat (arming the switch) and keep sending from a thread. Raises
        the send's :class:`CancelError` when the server accepts none: nothing is armed then."""
        if self._thread is not None:
            raise RuntimeError("this keeper was started already")
        chain = self._chain
        for tries in range(1, START_TRIES + 1):
            sent_at = chain.clock()
            try:
                wait = chain.accepted(self._client.send_heartbeat(chain.heartbeat_id), sent_at)
                break
            except HeartbeatMismatchError as e:
                chain.joined(e, tries)
        self._thread = threading.Thread(
            target=self._run, args=(wait,), name="clob-cancel-heartbeat", daemon=True
        )
        self._thread.start()
        return self

    def _run(self, wait: float | None) -> None:
        chain = self._chain
        try:
            while wait is not None and not self._wait_for_stop(self._stop, wait):
                if (slot := chain.next_send()) is None:
                    return
                sent_at, timeout = slot
                try:
                    next_id = self._client.send_heartbeat(chain.heartbeat_id, timeout=timeout)
                except CancelError as e:
                    wait = chain.failed(e)
                else:
                    wait = chain.accepted(next_id, sent_at)
        except BaseException as e:  # a bug must not end the thread silently
            chain.lapsed(e)
            raise
        finally:
            self._done.set()

    def stop(self, timeout: float | None = None) -> None:
        """Stop sending (the server cancels every open order of the key after the deadline);
        waits for a send in flight, at most ``timeout`` (a hung send may hold it long)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def wait(self, timeout: float | None = None) -> None:
        """Block until the keeper stops or ``timeout`` passes; raises the lapse error, if any
        (by the clock too: a hung send does not hold this past the deadline)."""
        end = None if timeout is None else time.monotonic() + timeout
        while not self._done.wait(_POLL if end is None else min(_POLL, end - time.monotonic())):
            self._chain.check()
            if end is not None and time.monotonic() >= end:
                return
        self._chain.check()

    def check(self) -> None:
        """Raise the lapse error if the deadline passed without an accepted heartbeat."""
        self._chain.check()
