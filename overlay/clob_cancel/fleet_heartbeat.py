"""The dead-man's switch on several accounts at once: a :class:`HeartbeatKeeper` per account,
armed together, and a lapse on any of them is the fleet's lapse.

    with FleetHeartbeat(fleet.clients) as switch:    # every account armed, or FleetArmError
        run_the_desk()
        switch.check()                                # raises the first lapse, naming the account

``poll()`` reads every keeper's clock without blocking: ``clob-cancel heartbeat --accounts FILE``
hands the switch to the wrapper's supervisor, which watches it as it watches one keeper.

Built on the keeper's public API only (``client.heartbeat(...)``, ``start``, ``stop``,
``check``, ``lapse``): each account's chain, retries and deadline are its own keeper's. Arming
covers each WHOLE API KEY in every process, and there is no disarm: once armed, stopping means
the server cancels that key's open orders after the deadline. So when some account cannot be
armed, the ones that were are stopped again and named in the :class:`FleetArmError`: their
orders will be canceled by the server after the deadline, which the caller must say.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Self

from .client import CancelClient
from .defaults import HEARTBEAT_DEADLINE, HEARTBEAT_INTERVAL
from .errors import CancelError, HeartbeatLapsedError
from .heartbeat import HeartbeatKeeper, KeeperContext


class FleetArmError(Exception):
    """Some accounts' first heartbeat failed: nothing should start. ``errors`` maps each of
    those accounts to its :class:`CancelError`; ``armed`` names the accounts that were armed
    (and were stopped again: the server cancels their orders after the deadline)."""

    def __init__(self, errors: Mapping[str, CancelError], armed: list[str]) -> None:
        self.errors = dict(errors)
        self.armed = armed
        failed = "; ".join(f"{name}: {error}" for name, error in self.errors.items())
        now = f"; armed, then stopped: {', '.join(armed)}" if armed else "; none was armed"
        super().__init__(f"the switch could not be armed on {failed}{now}")


class FleetHeartbeat(KeeperContext):
    """One :class:`HeartbeatKeeper` per account (see the module docstring). ``on_failure(name,
    error, seconds_left)`` and ``on_lapse(name, error)`` are the keepers' callbacks with the
    account's name; they run on the keepers' threads."""

    def __init__(
        self,
        clients: Mapping[str, CancelClient],
        *,
        interval: float = HEARTBEAT_INTERVAL,
        deadline: float = HEARTBEAT_DEADLINE,
        on_failure: Callable[[str, CancelError, float], None] | None = None,
        on_lapse: Callable[[str, HeartbeatLapsedError], None] | None = None,
    ) -> None:
        if not clients:
            raise ValueError("a fleet heartbeat needs at least one account")
        self._lapsed = threading.Event()
        self._lapses: list[str] = []  # the accounts whose keeper lapsed, first first
        self._lock = threading.Lock()

        def keeper(name: str, client: CancelClient) -> HeartbeatKeeper:
            def failure(error: CancelError, left: float) -> None:
                if on_failure is not None:
                    on_failure(name, error, left)

            def lapse(error: HeartbeatLapsedError) -> None:
                with self._lock:
                    self._lapses.append(name)
                self._lapsed.set()
                if on_lapse is not None:
                    on_lapse(name, error)

            return client.heartbeat(
                interval=interval, deadline=deadline, on_failure=failure, on_lapse=lapse
            )

        self.keepers = {name: keeper(name, client) for name, client in clients.items()}
        self._started: list[str] = []

    @property
    def lapsed_accounts(self) -> list[str]:
        """The accounts whose switch lapsed, in the order they did."""
        with self._lock:
            return list(self._lapses)

    def start(self) -> Self:
        """Arm every account at once (each keeper's first send); raises :class:`FleetArmError`
        when any fails, having stopped the ones armed."""
        if self._started:
            raise RuntimeError("this fleet heartbeat was started already")

        def arm(keeper: HeartbeatKeeper) -> CancelError | None:
            try:
                keeper.start()
            except CancelError as error:
                return error
            return None

        with ThreadPoolExecutor(len(self.keepers), thread_name_prefix="clob-cancel-arm") as pool:
            outcomes = dict(zip(self.keepers, pool.map(arm, self.keepers.values()), strict=True))
        self._started = [name for name, error in outcomes.items() if error is None]
        errors = {name: error for name, error in outcomes.items() if error is not None}
        if errors:
            armed = list(self._started)
            self.stop()
            raise FleetArmError(errors, armed)
        return self

    def check(self) -> None:
        """Raise the first lapse (a :class:`HeartbeatLapsedError` with a note naming the
        account) once any account's deadline passed without an accepted heartbeat."""
        for name in self.lapsed_accounts[:1]:
            lapse = self.keepers[name].lapse
            assert lapse is not None
            if not any(name in note for note in getattr(lapse, "__notes__", [])):
                lapse.add_note(f"account {name}")
            raise lapse

    def poll(self) -> HeartbeatLapsedError | None:
        """The first account's lapse, if any, each keeper's clock read (``keeper.poll()``): a
        hung send cannot hide a lapse. Never blocks: the heartbeat wrapper's main loop calls it."""
        for keeper in self.keepers.values():
            keeper.poll()  # declares an overdue lapse, which on_lapse records
        first = self.lapsed_accounts[:1]
        return self.keepers[first[0]].lapse if first else None

    def wait(self, timeout: float | None = None) -> None:
        """Block until any account lapses (then raise it, as :meth:`check`) or ``timeout``."""
        self._lapsed.wait(timeout)
        self.check()

    def stop(self, timeout: float | None = None) -> None:
        """Stop every keeper (the server cancels each key's open orders after the deadline);
        waits for the sends in flight, all at once, at most ``timeout`` in all."""
        started = [self.keepers[name] for name in self._started]
        for keeper in started:
            keeper.stop(timeout=0)  # every keeper told first: none waits for another's send
        end = None if timeout is None else time.monotonic() + timeout
        for keeper in started:
            keeper.stop(timeout=None if end is None else max(0.0, end - time.monotonic()))
        self._started = []
