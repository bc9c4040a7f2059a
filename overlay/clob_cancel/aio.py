"""AsyncCancelClient: :class:`clob_cancel.CancelClient` for asyncio, in its own module so that
the sync client never imports asyncio."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar, Unpack

import httpx

from clob_cancel_client.api.account import get_rate_limit_tier as _get_rate_limit_tier
from clob_cancel_client.api.cancel import cancel_all as _cancel_all
from clob_cancel_client.api.cancel import cancel_market_orders as _cancel_market_orders
from clob_cancel_client.api.cancel import cancel_order as _cancel_order
from clob_cancel_client.api.cancel import cancel_orders as _cancel_orders
from clob_cancel_client.api.heartbeat import send_heartbeat as _send_heartbeat
from clob_cancel_client.api.support import get_server_time as _get_server_time
from clob_cancel_client.models import (
    CancelOrderRequest,
    CancelOrdersResponse,
    HeartbeatResponse,
    RateLimitTierResponse,
)

from ._call import Endpoint, attempt_async, operation_name
from ._transport import Backend, async_http_client, choose_backend
from .accounting import Batches, after_lost_answer, interrupted, reconcile
from .budget import AttemptBudget, keep_to_budget
from .checks import check_id, check_ids, market_request, positive_int
from .core import OPTIONS_DOC, ClientCore, ClientOptions
from .defaults import HEARTBEAT_DEADLINE, HEARTBEAT_INTERVAL
from .environment import client_arguments_from_env
from .errors import CancelError, HeartbeatLapsedError, HeartbeatMismatchError, interruption_of
from .heartbeat import (
    KEEPER_OPTIONS_DOC,
    START_TRIES,
    AsyncHeartbeatSender,
    FailureCallback,
    HeartbeatChain,
    LapseCallback,
)
from .retry import OversizedBatch
from .signing import ApiCreds
from .tier import TierAnswer

if TYPE_CHECKING:
    from .doctor import CheckReport

T = TypeVar("T")


class AsyncClientOptions(ClientOptions, total=False):
    """The keyword options of :class:`AsyncCancelClient`: both clients' and its own."""

    sleep: Callable[[float], Awaitable[None]]
    max_concurrency: int
    backend: Backend


class AsyncCancelClient(ClientCore):
    __doc__ = (
        """:class:`CancelClient` for asyncio: the same methods, awaited. ``cancel_orders`` sends
    its chunks concurrently, at most ``max_concurrency`` (default 4) at a time.

    ``backend``: the transport under httpx. ``"auto"`` (default) sends on aiohttp when
    httpx-aiohttp is installed (``pip install 'clob-cancel[aiohttp]'``: ~3x the cancels per
    second of httpx's own async transport at one in flight, ~7x at 32; see bench/README.md) and
    neither ``http2=True`` nor a ``transport`` in ``httpx_client_kwargs`` is given, else on
    httpx's own; ``"aiohttp"`` or ``"httpx"`` insist. Timeouts, limits, proxies, TLS settings,
    retries and rate-limit pacing behave the same on both; ``client.backend`` says which is in
    use."""
        + OPTIONS_DOC
    )

    _http: httpx.AsyncClient

    def __init__(
        self,
        base_url: str,
        creds: ApiCreds,
        address: str | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_concurrency: int = 4,
        backend: Backend = "auto",
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(base_url, creds, address, **options)
        self._max_concurrency = positive_int("max_concurrency", max_concurrency)
        self._sleep = sleep
        self._clock_lock = asyncio.Lock()
        self._tier_lock = asyncio.Lock()  # concurrent cancel_orders wait for the one tier read
        http = self._http_options
        self.backend = choose_backend(backend, bool(http.get("http2")), "transport" in http)
        """The transport in use: "aiohttp" or "httpx" (see the ``backend`` option)."""
        self._http = async_http_client(self.backend, http)
        keep_to_budget(self._http)
        self._api.set_async_httpx_client(self._http)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **options: Unpack[AsyncClientOptions]
    ) -> Self:
        """See :meth:`CancelClient.from_env`; ``options`` are this constructor's, typed."""
        return cls(**client_arguments_from_env(environ), **options)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def cancel(self, order_id: str) -> CancelOrdersResponse:
        """Cancel one order (DELETE /order)."""
        body = CancelOrderRequest(order_id=check_id(order_id, "order_id"))
        return await self._send(_cancel_order, _cancel_order.build_request(body=body), [order_id])

    async def cancel_orders(
        self, order_ids: Iterable[str], *, progress: Callable[[int, int], None] | None = None
    ) -> CancelOrdersResponse:
        """Cancel several orders (DELETE /orders); see :meth:`CancelClient.cancel_orders`. Chunks
        go concurrently (``max_concurrency``), paced together against the rate limit; until an
        answer has reported it, the first request goes alone. Once one fails for good no further
        chunk starts, those in flight finish, and the first failed chunk's error is raised.
        ``progress(done, total)`` is called as each request is answered (an exception it raises
        is logged). Cancelled (``task.cancel()``, ``asyncio.wait_for``), the requests in flight
        are abandoned and the cancellation propagates, from a :class:`CancelInterrupted`
        accounting for every id (:func:`interruption_of`)."""
        ids = check_ids(order_ids)
        if self._tier_read.wanted(ids):
            await self._sync_clock_once()
            async with self._tier_lock:
                if self._tier_read.wanted(ids):
                    await self._tier_read.run_async(self._read_tier)
        batches = Batches(ids, self._pacer.batch_limit(self._max_ids), progress)
        failed = False

        async def step() -> bool:
            """Send the next request; False when there is none left to send (or one failed)."""
            nonlocal failed
            item = None if failed else batches.take(self._pacer.batch_limit(self._max_ids))
            if item is None:
                return False
            key, chunk = item
            request = _cancel_orders.build_request(body=chunk)
            try:
                answer = await self._send(_cancel_orders, request, chunk, cost=len(chunk))
            except OversizedBatch:
                batches.split(key, chunk, self._pacer.batch_limit(self._max_ids))
                return True
            except CancelError as error:
                failed = True
                batches.record(key, chunk, error)
                return False
            except BaseException as exc:  # cancelled: the request's own accounting
                why = interruption_of(exc) or interrupted("cancel_orders", exc, chunk, True)
                batches.record(key, chunk, why)
                raise
            batches.record(key, chunk, answer)
            return True

        async def worker() -> None:
            while await step():
                pass

        try:
            if self._pacer.state is None or len(batches.pending) == 1:
                await step()  # the common single request, or the one that learns the rate limit
            if batches.pending and not failed:
                workers = min(self._max_concurrency, len(batches.pending))
                await asyncio.gather(*(worker() for _ in range(workers)))
            return batches.result()
        except BaseException as exc:
            if isinstance(exc, Exception):
                raise
            raise exc from batches.interrupted(interrupted("cancel_orders", exc, None, False))

    async def cancel_all(self) -> CancelOrdersResponse:
        """Cancel every open order of the account (DELETE /cancel-all)."""
        return await self._send(_cancel_all, _cancel_all.build_request())

    async def cancel_market_orders(
        self, market: str | None = None, asset_id: str | None = None
    ) -> CancelOrdersResponse:
        """See :meth:`CancelClient.cancel_market_orders` (neither filter: ValueError)."""
        body = market_request(market, asset_id)
        request = _cancel_market_orders.build_request(body=body)
        return await self._send(_cancel_market_orders, request)

    async def send_heartbeat(self, heartbeat_id: str = "", *, timeout: float | None = None) -> str:
        """See :meth:`CancelClient.send_heartbeat`: one send; the first accepted one ARMS the
        switch for the whole API key."""
        await self._sync_clock_once()
        with AttemptBudget(self._heartbeat_seconds(timeout)):
            answer = await attempt_async(
                _send_heartbeat,
                self._heartbeat_request(heartbeat_id, timeout),
                HeartbeatResponse,
                api=self._api,
                clock=self._clock,
                offset=self._auth.offset,
                creds=self._auth.creds,
            )
        if isinstance(answer, CancelError):
            raise answer
        return answer.heartbeat_id

    def heartbeat(
        self,
        *,
        interval: float = HEARTBEAT_INTERVAL,
        deadline: float = HEARTBEAT_DEADLINE,
        on_failure: Callable[[CancelError, float], None] | None = None,
        on_lapse: Callable[[HeartbeatLapsedError], None] | None = None,
    ) -> AsyncHeartbeatKeeper:
        """See :meth:`CancelClient.heartbeat`: an :class:`AsyncHeartbeatKeeper`."""
        return AsyncHeartbeatKeeper(
            self, interval=interval, deadline=deadline, on_failure=on_failure, on_lapse=on_lapse
        )

    async def measure_clock_offset(self) -> float:
        """See :meth:`CancelClient.measure_clock_offset`."""
        sent = self._clock()
        request = _get_server_time.build_request()
        with AttemptBudget(self._attempt_seconds):
            answer = await attempt_async(
                _get_server_time, request, int, api=self._api, clock=self._clock
            )
        return self._set_offset(answer, sent)

    async def check(self, *, private_key: str | None = None) -> CheckReport:
        """See :meth:`CancelClient.check` (the L1 derive, when made, runs in a thread)."""
        from .checkrun import run_check_async

        await self._sync_clock_once()  # sign as a first cancel would
        target = self._check_target(private_key)
        return await run_check_async(target, self._read, self._clock, self._l1_options())

    async def _read(
        self, endpoint: Endpoint, ok: type[T], request: dict[str, Any]
    ) -> T | CancelError:
        """See :meth:`CancelClient._read`."""
        return await attempt_async(
            endpoint,
            self._resolve(request),
            ok,
            api=self._api,
            clock=self._clock,
            offset=self._auth.offset,
            creds=self._auth.creds,
        )

    async def _read_tier(self, request: dict[str, Any]) -> TierAnswer:
        """See :meth:`CancelClient._read_tier`."""
        return await self._read(_get_rate_limit_tier, RateLimitTierResponse, request)

    async def _sync_clock_once(self) -> None:
        if self._clock_pending:
            async with self._clock_lock:
                if self._clock_pending:
                    with contextlib.suppress(CancelError):  # as in CancelClient._sync_clock_once
                        await self.measure_clock_offset()
                    self._clock_pending = False

    async def _send(
        self,
        endpoint: Endpoint,
        request: dict[str, Any],
        requested: Sequence[str] | None = None,
        cost: int = 1,
    ) -> CancelOrdersResponse:
        """See :meth:`CancelClient._send`."""
        retries_done = 0
        lost = sending = False  # an attempt's answer was lost / an attempt is in flight
        reservation = None
        try:
            await self._sync_clock_once()
            request = self._resolve(request)
            started = self._clock()
            while True:
                wait, reservation = self._pace(request, cost, started)
                if wait:
                    await self._sleep(wait)
                sending = True
                with AttemptBudget(self._attempt_seconds):
                    result = await attempt_async(
                        endpoint,
                        request,
                        CancelOrdersResponse,
                        api=self._api,
                        clock=self._clock,
                        offset=self._auth.offset,
                        creds=self._auth.creds,
                        pacer=self._pacer,
                        reservation=reservation,
                    )
                sending = False
                self._pacer.release(reservation)  # answered (done already) or failed without one
                reservation = None
                if not isinstance(result, CancelError):
                    answer = reconcile(operation_name(endpoint), result, requested)
                    return after_lost_answer(answer) if lost else answer
                lost = lost or not result.changed_nothing
                delay = self._retry_wait(request, result, retries_done, started, requested, cost)
                await self._sleep(delay)
                retries_done += 1
        except BaseException as exc:  # cancelled: say what became of the ids
            if isinstance(exc, Exception):
                raise
            if reservation is not None:  # the client lives on: give the bucket back
                self._pacer.release(reservation)
            why = interrupted(operation_name(endpoint), exc, requested, lost or sending)
            raise exc from why


AsyncStopWait = Callable[[asyncio.Event, float], Awaitable[bool]]
"""How the keeper's task waits before a send: ``(stop, seconds)`` -> whether ``stop`` was set."""


async def wait_for_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Wait up to ``seconds`` for ``stop``; whether it was set (the keeper's default wait)."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return False
    return True


class AsyncHeartbeatKeeper:
    __doc__ = (
        """:class:`HeartbeatKeeper` as an asyncio task: ``async with client.heartbeat() as
    keeper: ...``; ``await keeper.wait()`` raises the lapse error. ARMING COVERS THE WHOLE API
    KEY IN EVERY PROCESS, and stopping means the server cancels its orders after the
    deadline."""
        + KEEPER_OPTIONS_DOC
    )

    def __init__(
        self,
        client: AsyncHeartbeatSender,
        *,
        interval: float = HEARTBEAT_INTERVAL,
        deadline: float = HEARTBEAT_DEADLINE,
        on_failure: FailureCallback | None = None,
        on_lapse: LapseCallback | None = None,
        clock: Callable[[], float] = time.monotonic,
        wait_for_stop: AsyncStopWait = wait_for_stop,
    ) -> None:
        self._client = client
        self._chain = HeartbeatChain(interval, deadline, on_failure, on_lapse, clock)
        self._wait_for_stop = wait_for_stop
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def heartbeat_id(self) -> str:
        return self._chain.heartbeat_id

    @property
    def lapse(self) -> HeartbeatLapsedError | None:
        return self._chain.lapse

    def poll(self) -> HeartbeatLapsedError | None:
        """See :meth:`HeartbeatKeeper.poll`: the lapse as the clock sees it, never blocking."""
        return self._chain.overdue()

    async def start(self) -> Self:
        """See :meth:`HeartbeatKeeper.start`."""
        if self._task is not None:
            raise RuntimeError("this keeper was started already")
        chain = self._chain
        for tries in range(1, START_TRIES + 1):
            sent_at = chain.clock()
            try:
                next_id = await self._client.send_heartbeat(chain.heartbeat_id)
                wait = chain.accepted(next_id, sent_at)
                break
            except HeartbeatMismatchError as e:
                chain.joined(e, tries)
        self._task = asyncio.create_task(self._run(wait), name="clob-cancel-heartbeat")
        return self

    async def _run(self, wait: float | None) -> None:
        chain = self._chain
        try:
            while wait is not None and not await self._wait_for_stop(self._stop, wait):
                if (slot := chain.next_send()) is None:
                    return
                sent_at, timeout = slot
                try:
                    next_id = await self._client.send_heartbeat(chain.heartbeat_id, timeout=timeout)
                except CancelError as e:
                    wait = chain.failed(e)
                else:
                    wait = chain.accepted(next_id, sent_at)
        except asyncio.CancelledError:
            raise
        except BaseException as e:  # a bug must not end the task silently
            chain.lapsed(e)
            raise

    async def stop(self) -> None:
        """See :meth:`HeartbeatKeeper.stop`."""
        self._stop.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def wait(self) -> None:
        """Wait until the keeper stops; raises the lapse error, if any."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        self._chain.check()

    def check(self) -> None:
        self._chain.check()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
        if exc is None:
            self._chain.check()
