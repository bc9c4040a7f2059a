"""The budget of one attempt: a total deadline for connect + send + the whole answer, and a cap
on the bytes received, set around each attempt by the client (:class:`AttemptBudget`).

httpx bounds each read only (a server trickling a byte a second never times out), so the
deadline is enforced where the bytes move: under httpx's transports by a network backend that
shortens each socket read, write and connect to the time left (:func:`keep_to_budget`), on
aiohttp by its ``total`` timeout (_transport.py); the cap is counted there and on aiohttp's body
stream. A module of its own: both transports keep to it, and it is a job apart from choosing
and correcting the transport.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any

import httpcore
import httpx

MAX_ANSWER_BYTES = 4 * 1024 * 1024
"""The most one attempt reads (headers and body): a real answer for 1000 ids is under 100 kB;
beyond this the rest is not read and the ids' fate is unknown."""


class AnswerTooLarge(Exception):
    """More than the attempt's byte cap arrived: the answer is not read further."""


class AttemptBudget:
    """The budget of one attempt, in force in the context it is entered in: the monotonic
    ``deadline`` (None: none) and the bytes it may still receive."""

    __slots__ = ("_token", "bytes_left", "deadline", "seconds")

    def __init__(self, seconds: float | None, max_bytes: int = MAX_ANSWER_BYTES) -> None:
        self.seconds = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.bytes_left = max_bytes
        self._token: Token[AttemptBudget | None] | None = None

    def __enter__(self) -> AttemptBudget:
        self._token = _BUDGET.set(self)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._token is not None:
            _BUDGET.reset(self._token)

    def time_left(self, timeout: float | None, late: type[Exception]) -> float | None:
        """``timeout`` shortened to the time left; raises ``late`` once the deadline passed."""
        if self.deadline is None:
            return timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise late(f"the attempt took longer than its {self.seconds:g} s deadline")
        return left if timeout is None or timeout > left else timeout

    def timed_out(self) -> None:
        """After a read timed out: raises the deadline's error instead when it is the deadline
        that ran out (the read's own timeout was shortened to it)."""
        if self.deadline is not None and self.deadline - time.monotonic() < 0.05:
            raise httpcore.ReadTimeout(
                f"the answer did not arrive whole within the attempt's {self.seconds:g} s deadline"
            )

    def received(self, size: int) -> None:
        """Count ``size`` bytes in; raises :class:`AnswerTooLarge` past the cap."""
        self.bytes_left -= size
        if self.bytes_left < 0:
            raise AnswerTooLarge


_BUDGET: ContextVar[AttemptBudget | None] = ContextVar("clob_cancel_budget", default=None)
_NO_BUDGET = AttemptBudget(None, max_bytes=1 << 62)  # outside an attempt (e.g. a bare send)


def current_budget() -> AttemptBudget:
    """The budget of the attempt in progress (none outside one): what the transports keep to."""
    return _BUDGET.get() or _NO_BUDGET


class _BudgetStream(httpcore.NetworkStream):
    """A socket stream whose reads and writes keep to the attempt's budget."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        budget = current_budget()
        try:
            data = self._stream.read(max_bytes, budget.time_left(timeout, httpcore.ReadTimeout))
        except httpcore.ReadTimeout:
            budget.timed_out()
            raise
        budget.received(len(data))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        left = current_budget().time_left(timeout, httpcore.WriteTimeout)
        self._stream.write(buffer, left)

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:  # fmt: skip
        left = current_budget().time_left(timeout, httpcore.ConnectTimeout)
        return _BudgetStream(self._stream.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _BudgetBackend(httpcore.NetworkBackend):
    """httpcore's network backend with each connection's stream kept to the budget."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,
        local_address: str | None = None, socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:  # fmt: skip
        left = current_budget().time_left(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, left, local_address, socket_options)
        return _BudgetStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:  # fmt: skip
        left = current_budget().time_left(timeout, httpcore.ConnectTimeout)
        return _BudgetStream(self._backend.connect_unix_socket(path, left, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _AsyncBudgetStream(httpcore.AsyncNetworkStream):
    """:class:`_BudgetStream` for asyncio."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        budget = current_budget()
        left = budget.time_left(timeout, httpcore.ReadTimeout)
        try:
            data = await self._stream.read(max_bytes, left)
        except httpcore.ReadTimeout:
            budget.timed_out()
            raise
        budget.received(len(data))
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        left = current_budget().time_left(timeout, httpcore.WriteTimeout)
        await self._stream.write(buffer, left)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:  # fmt: skip
        left = current_budget().time_left(timeout, httpcore.ConnectTimeout)
        stream = await self._stream.start_tls(ssl_context, server_hostname, left)
        return _AsyncBudgetStream(stream)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _AsyncBudgetBackend(httpcore.AsyncNetworkBackend):
    """:class:`_BudgetBackend` for asyncio."""

    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,
        local_address: str | None = None, socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:  # fmt: skip
        left = current_budget().time_left(timeout, httpcore.ConnectTimeout)
        stream = await self._backend.connect_tcp(host, port, left, local_address, socket_options)
        return _AsyncBudgetStream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:  # fmt: skip
        left = current_budget().time_left(timeout, httpcore.ConnectTimeout)
        stream = await self._backend.connect_unix_socket(path, left, socket_options)
        return _AsyncBudgetStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def keep_to_budget(client: httpx.Client | httpx.AsyncClient) -> None:
    """Put ``client``'s httpx transports (direct and proxied) on the budget-keeping network
    backend, a caller's ``httpx.HTTPTransport`` included. httpx offers no public hook below the
    transport, so a transport of another kind is left as it is: its per-phase timeouts apply."""
    mounts: dict[Any, Any] = getattr(client, "_mounts", {})
    for transport in [getattr(client, "_transport", None), *mounts.values()]:
        pool = getattr(transport, "_pool", None)
        if isinstance(transport, httpx.HTTPTransport) and pool is not None:
            pool._network_backend = _BudgetBackend(pool._network_backend)
        elif isinstance(transport, httpx.AsyncHTTPTransport) and pool is not None:
            pool._network_backend = _AsyncBudgetBackend(pool._network_backend)
