"""AsyncCancelClient: :class:`clob_cancel.CancelClient` for asyncio, in its own module so that
the sync client never imports asyncio."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import partial
from types import TracebackType
from typing import Any, Self

import httpx

from clob_cancel_client.api.cancel import cancel_all as _cancel_all
from clob_cancel_client.api.cancel import cancel_market_orders as _cancel_market_orders
from clob_cancel_client.api.cancel import cancel_order as _cancel_order
from clob_cancel_client.api.cancel import cancel_orders as _cancel_orders
from clob_cancel_client.api.support import get_server_time as _get_server_time
from clob_cancel_client.models import CancelOrdersResponse
from clob_cancel_client.types import Response

from ._call import attempt_async
from .client import (
    _DOCS,
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    MAX_IDS_PER_REQUEST,
    RetryPolicy,
    _Base,
    _check_ids,
    _combine,
    _merge,
)
from .errors import CancelError
from .signing import ApiCreds


class AsyncCancelClient(_Base):
    __doc__ = (
        """:class:`CancelClient` for asyncio: the same methods, awaited. ``cancel_orders`` sends
    its chunks concurrently, at most ``max_concurrency`` (default 4) at a time."""
        + _DOCS
    )

    def __init__(
        self,
        base_url: str,
        creds: ApiCreds,
        address: str | None = None,
        *,
        private_key: str | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        retries: int | RetryPolicy = DEFAULT_RETRY,
        max_ids_per_request: int = MAX_IDS_PER_REQUEST,
        sync_clock: bool = False,
        proxy: str | httpx.Proxy | None = None,
        verify: bool | str | ssl.SSLContext = True,
        httpx_client_kwargs: Mapping[str, Any] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_concurrency: int = 4,
    ) -> None:
        super().__init__(
            base_url,
            creds,
            address,
            private_key=private_key,
            timeout=timeout,
            retries=retries,
            max_ids_per_request=max_ids_per_request,
            sync_clock=sync_clock,
            proxy=proxy,
            verify=verify,
            httpx_client_kwargs=httpx_client_kwargs,
            clock=clock,
        )
        if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
            raise TypeError("max_concurrency must be an int")
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1, got {max_concurrency}")
        self._sleep = sleep
        self._max_concurrency = max_concurrency
        self._clock_lock = asyncio.Lock()
        self._http = httpx.AsyncClient(**self._http_options)
        self._api.set_async_httpx_client(self._http)

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
        body = self._order_request(order_id)
        try:
            return await self._send(
                "cancel_order", lambda: _cancel_order.asyncio_detailed(client=self._api, body=body)
            )
        except CancelError as error:
            error.unknown_ids = (order_id,)
            raise

    async def cancel_orders(
        self, order_ids: Iterable[str], *, progress: Callable[[int, int], None] | None = None
    ) -> CancelOrdersResponse:
        """Cancel several orders (DELETE /orders); see :meth:`CancelClient.cancel_orders`. Chunks
        go concurrently (``max_concurrency``); once one fails for good no further chunk starts,
        those in flight finish, and the first failed chunk's error is raised.
        ``progress(done, total)`` is called as each request is answered."""
        ids = _check_ids(order_ids)
        chunks = self._chunks(ids)
        if len(chunks) == 1:
            try:
                answer = await self._send(
                    "cancel_orders",
                    lambda: _cancel_orders.asyncio_detailed(client=self._api, body=ids),
                )
            except CancelError as error:
                error.partial, error.unknown_ids = _merge([]), tuple(ids)
                raise
            if progress is not None:
                progress(len(ids), len(ids))
            return answer
        gate = asyncio.Semaphore(self._max_concurrency)
        failed = False
        done = 0

        async def one(chunk: list[str]) -> CancelOrdersResponse | CancelError | None:
            nonlocal failed, done
            async with gate:
                if failed:
                    return None
                try:
                    answer = await self._send(
                        "cancel_orders",
                        partial(_cancel_orders.asyncio_detailed, client=self._api, body=chunk),
                    )
                except CancelError as error:
                    failed = True
                    return error
                done += len(chunk)
                if progress is not None:
                    progress(done, len(ids))
                return answer

        results = await asyncio.gather(*(one(chunk) for chunk in chunks))
        return _combine(chunks, results)

    async def cancel_all(self) -> CancelOrdersResponse:
        """Cancel every open order of the account (DELETE /cancel-all)."""
        return await self._send(
            "cancel_all", lambda: _cancel_all.asyncio_detailed(client=self._api)
        )

    async def cancel_market_orders(
        self, market: str | None = None, asset_id: str | None = None
    ) -> CancelOrdersResponse:
        """See :meth:`CancelClient.cancel_market_orders` (neither filter: ValueError)."""
        body = self._market_request(market, asset_id)
        return await self._send(
            "cancel_market_orders",
            lambda: _cancel_market_orders.asyncio_detailed(client=self._api, body=body),
        )

    async def measure_clock_offset(self) -> float:
        """See :meth:`CancelClient.measure_clock_offset`."""
        sent = self._clock()
        answer = await attempt_async(
            "get_server_time",
            lambda: _get_server_time.asyncio_detailed(client=self._api),
            int,
            clock=self._clock,
        )
        if isinstance(answer, CancelError):
            raise answer
        return self._set_offset(answer, sent, self._clock())

    async def _send(
        self, operation: str, call: Callable[[], Awaitable[Response[Any]]]
    ) -> CancelOrdersResponse:
        if self._clock_pending:
            async with self._clock_lock:
                if self._clock_pending:
                    with contextlib.suppress(CancelError):  # as in CancelClient._send
                        await self.measure_clock_offset()
                    self._clock_pending = False
        started = self._clock()
        retries_done = 0
        while True:
            result = await attempt_async(
                operation,
                call,
                CancelOrdersResponse,
                clock=self._clock,
                offset=self._auth.offset,
                creds=self._creds,
            )
            if not isinstance(result, CancelError):
                return result
            delay = self._retry_delay(result, retries_done, started)
            if delay is None:
                result.attempts = retries_done + 1
                raise result
            await self._sleep(delay)
            retries_done += 1
