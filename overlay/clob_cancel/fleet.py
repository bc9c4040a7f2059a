"""The fleet: one cancel on several accounts at once, each through its own client.

    from clob_cancel.fleet import CancelFleet

    with CancelFleet.from_file("desk.toml") as fleet:     # see clob_cancel.accounts
        results = fleet.cancel_all()                      # name -> answer or CancelError
        for name, result in results.items():
            ...

Each signer has its own cancel token bucket, API key and heartbeat, so the accounts are
canceled side by side (a thread per account; :class:`AsyncCancelFleet` gathers coroutines),
each client pacing and retrying on its own as it would alone. One account failing does not
stop the others: its :class:`CancelError` (with ``.partial``, ``.unknown_ids`` and
``.untouched_ids``, as the client raises it) is its result. Input errors (a bad id, a market
cancel without a filter, an account name the fleet lacks) are raised before anything is sent.

Interrupted (``KeyboardInterrupt`` or a signal handler's exception in the thread waiting on a
:class:`CancelFleet`; the task of an :class:`AsyncCancelFleet` cancelled), the fleet stops every
account's cancel, each accounting for its ids as the client does, and the interrupt propagates
with a :class:`FleetInterrupted` as its ``__cause__``, found as a single client's accounting is
(:func:`~clob_cancel.errors.interruption_of`), with :func:`fleet_interruption_of`::

    try:
        results = fleet.cancel_all()
    except KeyboardInterrupt as e:
        results = fleet_interruption_of(e).results   # every account: answer or CancelError

An account interrupted has a :class:`~clob_cancel.errors.CancelInterrupted` as its result
(``.partial``, ``.unknown_ids``, ``.untouched_ids``). A sync account's request in flight is let
end first (a thread cannot be stopped inside a socket read): its answer, or its timeout.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from .accounting import interrupted
from .accounts import AccountEnv, read_accounts_file
from .checks import check_ids, market_request
from .errors import CancelError, CancelInterrupted, in_chain, interruption_of
from .signing import CredentialsError

if TYPE_CHECKING:
    from clob_cancel_client.models import CancelOrdersResponse

    from .aio import AsyncCancelClient
    from .client import CancelClient

FleetResult = dict[str, "CancelOrdersResponse | CancelError"]
"""Each account's name and its answer, or the :class:`CancelError` its cancel ended with."""

ClientT = TypeVar("ClientT", "CancelClient", "AsyncCancelClient")


class FleetInterrupted(Exception):
    """The fleet's cancel was interrupted: never raised itself, it is the interrupt's
    ``__cause__`` (see :func:`fleet_interruption_of`). ``results`` has every account: its answer
    or :class:`CancelError` if it ended first, else its :class:`CancelInterrupted`."""

    def __init__(self, results: FleetResult) -> None:
        self.results = results
        stopped = [name for name, r in results.items() if isinstance(r, CancelInterrupted)]
        super().__init__(f"interrupted; the cancel was stopped on {', '.join(stopped) or 'none'}")


def fleet_interruption_of(exc: BaseException | None) -> FleetInterrupted | None:
    """The :class:`FleetInterrupted` behind ``exc`` (the ``KeyboardInterrupt``, the
    ``CancelledError``...) by its ``__cause__``/``__context__`` chain, as
    :func:`~clob_cancel.errors.interruption_of` finds one client's."""
    return in_chain(exc, FleetInterrupted)


class _Stopped(BaseException):
    """Raised in an account's thread when the fleet is interrupted, so that its client accounts
    for its ids on the way out, as for a KeyboardInterrupt."""

    def __str__(self) -> str:
        return "the fleet was interrupted"


def _raise_in(thread_id: int, kind: type[BaseException] | None) -> None:
    """Have ``thread_id`` raise ``kind`` at its next Python instruction (None: no longer)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(kind) if kind else None
    )


_SLICE = 0.1  # seconds: how late a fleet's interrupt may reach an account's sleeping thread


def sliced_sleep(seconds: float) -> None:
    """The sleep a :class:`CancelFleet`'s clients wait with (pacing, retries): short sleeps in
    a row, so that the fleet's interrupt reaches a waiting thread within a tenth of a second
    (it is raised between Python instructions, never inside one ``time.sleep``)."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        time.sleep(min(left, _SLICE))


def _not_started(operation: str, ids: Sequence[str] | None) -> CancelInterrupted:
    """The accounting of an account the interrupt reached before its cancel began."""
    return interrupted(operation, _Stopped(), ids, maybe_acted=False)


def clients_for(
    accounts: Iterable[AccountEnv], make: Callable[[Mapping[str, str]], ClientT]
) -> dict[str, ClientT]:
    """A client per account, made by ``make`` from its variables; a bad account's
    :class:`CredentialsError` (or ValueError) names the account. Nothing is sent."""
    clients: dict[str, ClientT] = {}
    try:
        for account in accounts:
            if account.name in clients:
                raise ValueError(f"account {account.name} is named twice")
            try:
                clients[account.name] = make(account.environ)
            except CredentialsError as e:
                raise CredentialsError(f"account {account.name}: {e}") from None
            except ValueError as e:
                raise ValueError(f"account {account.name}: {e}") from None
    except BaseException:
        for client in clients.values():
            close = getattr(client, "close", None)
            if close is not None:  # the async ones hold no connection before their first call
                close()
        raise
    return clients


def checked_ids(
    names: Iterable[str], ids_by_account: Mapping[str, Iterable[str]]
) -> dict[str, list[str]]:
    """Each account's ids, checked as the client checks them, before any is sent; an account
    the fleet does not have is a ValueError."""
    unknown = sorted(set(ids_by_account) - set(names))
    if unknown:
        raise ValueError(f"no account named {', '.join(unknown)} in the fleet")
    checked = {}
    for name, ids in ids_by_account.items():
        try:
            checked[name] = check_ids(ids)
        except (TypeError, ValueError) as e:
            raise type(e)(f"account {name}: {e}") from None
    return checked


class _Fleet(Generic[ClientT]):
    def __init__(self, clients: Mapping[str, ClientT]) -> None:
        if not clients:
            raise ValueError("a fleet needs at least one account")
        self.clients: dict[str, ClientT] = dict(clients)

    @property
    def names(self) -> list[str]:
        return list(self.clients)


class CancelFleet(_Fleet["CancelClient"]):
    """Several :class:`CancelClient` s, one per account, canceled side by side; use it as a
    context manager (or call ``close()``, which closes every client). Clients made by the
    caller should wait with ``sleep=sliced_sleep``, or an interrupt waits for their sleeps."""

    @classmethod
    def from_accounts(cls, accounts: Iterable[AccountEnv], **options: Any) -> Self:
        """A fleet of ``CancelClient.from_env(account.environ, **options)`` (their ``sleep``
        :func:`sliced_sleep` unless given, so that an interrupt stops them at once)."""
        from .client import CancelClient

        options.setdefault("sleep", sliced_sleep)
        return cls(clients_for(accounts, lambda env: CancelClient.from_env(env, **options)))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **options: Any) -> Self:
        """A fleet of the accounts of an accounts file (:mod:`clob_cancel.accounts`)."""
        return cls.from_accounts(read_accounts_file(path), **options)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        for client in self.clients.values():
            client.close()

    def cancel_all(self) -> FleetResult:
        """Every open order of every account (DELETE /cancel-all on each)."""
        return self.run({name: lambda c: c.cancel_all() for name in self.clients}, "cancel_all")

    def cancel_market_orders(
        self, market: str | None = None, asset_id: str | None = None
    ) -> FleetResult:
        """The open orders of one market and/or asset on every account."""
        market_request(market, asset_id)  # refused here, before any account sends
        return self.run(
            {name: lambda c: c.cancel_market_orders(market, asset_id) for name in self.clients},
            "cancel_market_orders",
        )

    def cancel_orders(
        self,
        ids_by_account: Mapping[str, Iterable[str]],
        *,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> FleetResult:
        """Each account's ids on that account (accounts not named are left alone);
        ``progress(name, done, total)`` as the client's ``progress``, from the account's thread."""
        checked = checked_ids(self.clients, ids_by_account)

        def call(name: str, ids: list[str]) -> Callable[[CancelClient], CancelOrdersResponse]:
            tell = None if progress is None else lambda done, total: progress(name, done, total)
            return lambda c: c.cancel_orders(ids, progress=tell)

        calls = {name: call(name, ids) for name, ids in checked.items()}
        return self.run(calls, "cancel_orders", checked)

    def run(
        self,
        calls: Mapping[str, Callable[[CancelClient], CancelOrdersResponse]],
        operation: str = "cancel",
        ids: Mapping[str, Sequence[str]] | None = None,
    ) -> FleetResult:
        """Each call on its account's client, all at once, each in its thread; a
        :class:`CancelError` is that account's result, any other exception is raised once every
        account has finished. Interrupted: see the module docstring (``operation`` and ``ids``
        account for an account whose call had not begun)."""
        lock = threading.Lock()
        running: dict[str, int] = {}  # the accounts in their call, and their threads
        stopped: dict[str, CancelInterrupted] = {}
        stopping = False

        def one(name: str) -> CancelOrdersResponse | CancelError:
            answer = None
            with lock:
                if stopping:
                    stopped[name] = _not_started(operation, None if ids is None else ids[name])
                    raise _Stopped()
                running[name] = threading.get_ident()
            try:
                try:
                    answer = calls[name](self.clients[name])
                finally:
                    with lock:
                        if running.pop(name, None) is None:  # it was told to stop: no longer
                            _raise_in(threading.get_ident(), None)
            except CancelError as error:
                return error
            except _Stopped as stop:
                if answer is not None:  # the stop came after the answer: the answer stands
                    return answer
                why = interruption_of(stop)
                stopped[name] = why or _not_started(operation, None if ids is None else ids[name])
                raise
            return answer

        futures: dict[str, Future[CancelOrdersResponse | CancelError]] = {}
        with ThreadPoolExecutor(len(calls), thread_name_prefix="clob-cancel-fleet") as pool:
            try:
                for name in calls:
                    futures[name] = pool.submit(one, name)
                wait(futures.values())  # a signal handler's exception is raised here, mostly
                return {name: future.result() for name, future in futures.items()}
            except BaseException as interrupt:
                if isinstance(interrupt, Exception) and len(futures) == len(calls):
                    raise  # a bug of a call's, raised once every account has finished
                with lock:
                    stopping = True
                    for thread_id in running.values():
                        _raise_in(thread_id, _Stopped)
                    running.clear()  # each told once
                wait(futures.values())
                results: FleetResult = {}
                for name in calls:
                    future = futures.get(name)
                    if future is None:  # interrupted before it was handed to its thread
                        results[name] = _not_started(operation, None if ids is None else ids[name])
                    elif isinstance(future.exception(), _Stopped):
                        results[name] = stopped[name]
                    else:
                        results[name] = future.result()
                raise interrupt from FleetInterrupted(results)


class AsyncCancelFleet(_Fleet["AsyncCancelClient"]):
    """Several :class:`AsyncCancelClient` s, one per account, canceled concurrently; use it as
    an async context manager (or ``await aclose()``)."""

    @classmethod
    def from_accounts(cls, accounts: Iterable[AccountEnv], **options: Any) -> Self:
        """A fleet of ``AsyncCancelClient.from_env(account.environ, **options)``."""
        from .aio import AsyncCancelClient

        return cls(clients_for(accounts, lambda env: AsyncCancelClient.from_env(env, **options)))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **options: Any) -> Self:
        """A fleet of the accounts of an accounts file (:mod:`clob_cancel.accounts`)."""
        return cls.from_accounts(read_accounts_file(path), **options)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self.clients.values()))

    async def cancel_all(self) -> FleetResult:
        """Every open order of every account (DELETE /cancel-all on each)."""
        calls = {name: lambda c: c.cancel_all() for name in self.clients}
        return await self.run(calls, "cancel_all")

    async def cancel_market_orders(
        self, market: str | None = None, asset_id: str | None = None
    ) -> FleetResult:
        """The open orders of one market and/or asset on every account."""
        market_request(market, asset_id)
        return await self.run(
            {name: lambda c: c.cancel_market_orders(market, asset_id) for name in self.clients},
            "cancel_market_orders",
        )

    async def cancel_orders(
        self,
        ids_by_account: Mapping[str, Iterable[str]],
        *,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> FleetResult:
        """Each account's ids on that account (accounts not named are left alone)."""
        checked = checked_ids(self.clients, ids_by_account)

        def call(
            name: str, ids: list[str]
        ) -> Callable[[AsyncCancelClient], Awaitable[CancelOrdersResponse]]:
            tell = None if progress is None else lambda done, total: progress(name, done, total)
            return lambda c: c.cancel_orders(ids, progress=tell)

        calls = {name: call(name, ids) for name, ids in checked.items()}
        return await self.run(calls, "cancel_orders", checked)

    async def run(
        self,
        calls: Mapping[str, Callable[[AsyncCancelClient], Awaitable[CancelOrdersResponse]]],
        operation: str = "cancel",
        ids: Mapping[str, Sequence[str]] | None = None,
    ) -> FleetResult:
        """Each call on its account's client, all at once; a :class:`CancelError` is that
        account's result, any other exception is raised once every account has finished.
        Cancelled: see the module docstring (``operation`` and ``ids`` as for the sync run)."""

        ended: FleetResult = {}  # each account's outcome, as it ends, cancelled or not

        async def one(name: str) -> None:
            try:
                ended[name] = await calls[name](self.clients[name])
            except CancelError as error:
                ended[name] = error
            except asyncio.CancelledError as stop:
                ended[name] = interruption_of(stop) or _not_started(operation, account_ids(name))
                raise

        def account_ids(name: str) -> Sequence[str] | None:
            return None if ids is None else ids[name]

        tasks = [asyncio.ensure_future(one(name)) for name in calls]
        try:
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        except asyncio.CancelledError as interrupt:  # gather has cancelled every task
            await asyncio.wait(tasks)
            for name in calls:  # a task cancelled before its first step never ran one()
                ended.setdefault(name, _not_started(operation, account_ids(name)))
            raise interrupt from FleetInterrupted({name: ended[name] for name in calls})
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return {name: ended[name] for name in calls}
