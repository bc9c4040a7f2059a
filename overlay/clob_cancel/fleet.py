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
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from .accounts import AccountEnv, read_accounts_file
from .checks import check_ids, market_request
from .errors import CancelError
from .signing import CredentialsError

if TYPE_CHECKING:
    from clob_cancel_client.models import CancelOrdersResponse

    from .aio import AsyncCancelClient
    from .client import CancelClient

FleetResult = dict[str, "CancelOrdersResponse | CancelError"]
"""Each account's name and its answer, or the :class:`CancelError` its cancel ended with."""

ClientT = TypeVar("ClientT", "CancelClient", "AsyncCancelClient")


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
    context manager (or call ``close()``, which closes every client)."""

    @classmethod
    def from_accounts(cls, accounts: Iterable[AccountEnv], **options: Any) -> Self:
        """A fleet of ``CancelClient.from_env(account.environ, **options)``."""
        from .client import CancelClient

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
        return self.run({name: lambda c: c.cancel_all() for name in self.clients})

    def cancel_market_orders(
        self, market: str | None = None, asset_id: str | None = None
    ) -> FleetResult:
        """The open orders of one market and/or asset on every account."""
        market_request(market, asset_id)  # refused here, before any account sends
        return self.run(
            {name: lambda c: c.cancel_market_orders(market, asset_id) for name in self.clients}
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

        return self.run({name: call(name, ids) for name, ids in checked.items()})

    def run(
        self, calls: Mapping[str, Callable[[CancelClient], CancelOrdersResponse]]
    ) -> FleetResult:
        """Each call on its account's client, all at once; a :class:`CancelError` is that
        account's result, any other exception is raised once every account has finished."""

        def one(name: str) -> CancelOrdersResponse | CancelError:
            try:
                return calls[name](self.clients[name])
            except CancelError as error:
                return error

        if len(calls) == 1:
            return {name: one(name) for name in calls}
        with ThreadPoolExecutor(len(calls), thread_name_prefix="clob-cancel-fleet") as pool:
            futures = {name: pool.submit(one, name) for name in calls}
        return {name: future.result() for name, future in futures.items()}


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
        return await self.run({name: lambda c: c.cancel_all() for name in self.clients})

    async def cancel_market_orders(
        self, market: str | None = None, asset_id: str | None = None
    ) -> FleetResult:
        """The open orders of one market and/or asset on every account."""
        market_request(market, asset_id)
        return await self.run(
            {name: lambda c: c.cancel_market_orders(market, asset_id) for name in self.clients}
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

        return await self.run({name: call(name, ids) for name, ids in checked.items()})

    async def run(
        self, calls: Mapping[str, Callable[[AsyncCancelClient], Awaitable[CancelOrdersResponse]]]
    ) -> FleetResult:
        """Each call on its account's client, all at once; a :class:`CancelError` is that
        account's result, any other exception is raised once every account has finished."""

        async def one(name: str) -> CancelOrdersResponse | CancelError:
            try:
                return await calls[name](self.clients[name])
            except CancelError as error:
                return error

        results = await asyncio.gather(*(one(name) for name in calls), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, CancelError):
                raise result
        return dict(zip(calls, results, strict=True))  # type: ignore[arg-type]
