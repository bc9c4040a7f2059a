"""Which transport the async client's httpx client sends on: aiohttp's (through httpx-aiohttp)
when it is installed, else httpx's own.

httpx's own async stack (httpcore on anyio) costs ~3x aiohttp's CPU per request and degrades
under concurrency (httpx issue #3215): at 32 cancels in flight it served a seventh of what one
sync thread did. The generated client stays on httpx; only the transport below it changes, so
the requests built, the L2 signature over the exact bytes (an httpx.Auth) and the answers parsed
are the same on both. httpx-aiohttp's transport is used with six corrections, each tested
against real sockets (tests/client/test_client_sockets.py, tests/client/test_client_mock.py):

- its errors are mapped by what aiohttp raised, so that "never sent" and "sent, fate unknown" are
  told apart as on httpx's transport (it maps every aiohttp connection error, a server hanging
  up after reading the request included, to ``ConnectTimeout``: "never sent", which would report
  ids the server may have canceled as untouched);
- the URL goes to aiohttp as httpx encoded it (yarl would re-quote it: ``%7e`` becomes ``~``,
  and the signed path would no longer be the path sent);
- aiohttp does not resend a request on its own when the server hangs up (it resent each DELETE
  once, unseen by the retry policy's count, budget and pacing);
- ``Limits(max_connections=None)`` means no limit (it gave aiohttp's default of 100), and
  aiohttp keeps no cookies (its session jar would send back what httpx's ``_NoCookies`` drops);
- aiohttp offers only HTTP/1.1 by ALPN: an ``ssl.SSLContext`` given in ``verify`` and shared with
  an HTTP/2 client (httpx sets h2 on it at each of its connects) made the server answer in h2,
  which aiohttp cannot read;
- httpx's pool and connect timeouts both bound aiohttp's connect phase (pool + connect, with
  connect alone on the socket connect), and the read timeout, which aiohttp arms before it
  writes the request, stands for the write timeout too (aiohttp has no separate one).

HTTP/2 needs httpx's transport (aiohttp speaks HTTP/1.1 only), so ``http2=True`` selects it.

Each attempt also has a budget (:class:`AttemptBudget`, set around it by the client): a total
deadline for connect + send + the whole answer, and a cap on the bytes received. httpx bounds each
read only (a server trickling a byte a second never times out), so the deadline is enforced where
the bytes move: under httpx's transports by a network backend that shortens each socket read,
write and connect to the time left, on aiohttp by its ``total`` timeout; the cap is counted there
and on aiohttp's body stream.
"""

from __future__ import annotations

import functools
import importlib.util
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, get_args

import httpcore
import httpx

if TYPE_CHECKING:
    import aiohttp

Backend = Literal["auto", "aiohttp", "httpx"]
BACKENDS = get_args(Backend)
AIOHTTP_MISSING = (
    "the aiohttp backend needs the httpx-aiohttp package: pip install 'clob-cancel[aiohttp]'"
)
HTTP1_ONLY = ["http/1.1"]
H2_MISSING = "http2=True needs the h2 package: pip install 'clob-cancel[http2]'"


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
    backend. httpx offers no public hook below the transport; a transport given by the caller
    (``httpx_client_kwargs``) is left as it is: the per-phase timeouts still apply there."""
    mounts: dict[Any, Any] = getattr(client, "_mounts", {})
    for transport in [getattr(client, "_transport", None), *mounts.values()]:
        pool = getattr(transport, "_pool", None)
        if isinstance(transport, httpx.HTTPTransport) and pool is not None:
            pool._network_backend = _BudgetBackend(pool._network_backend)
        elif isinstance(transport, httpx.AsyncHTTPTransport) and pool is not None:
            pool._network_backend = _AsyncBudgetBackend(pool._network_backend)


def installed(package: str) -> bool:
    """Whether ``package`` can be imported, without importing it (aiohttp's import is slow)."""
    return importlib.util.find_spec(package) is not None


def check_http2() -> None:
    """Refuse ``http2=True``, naming the extra, when h2 is not installed."""
    if not installed("h2"):
        raise ImportError(H2_MISSING)


def choose_backend(backend: object, http2: bool, custom_transport: bool) -> str:
    """The backend the async client uses: "aiohttp" or "httpx"."""
    if backend not in BACKENDS:
        names = ", ".join(map(repr, BACKENDS))
        raise ValueError(f"backend must be one of {names}, got {backend!r}")
    if backend == "aiohttp":
        if http2:
            raise ValueError("http2=True needs backend='httpx' or 'auto': aiohttp has no HTTP/2")
        if custom_transport:
            raise ValueError("backend='aiohttp' with a transport in httpx_client_kwargs: pick one")
        if not installed("httpx_aiohttp"):
            raise ImportError(AIOHTTP_MISSING)
        return "aiohttp"
    if backend == "auto" and not http2 and not custom_transport and installed("httpx_aiohttp"):
        return "aiohttp"
    return "httpx"


def async_http_client(backend: str, options: dict[str, Any]) -> httpx.AsyncClient:
    """The async httpx client with ``options`` on the chosen backend's transport."""
    if backend == "aiohttp":
        return _aiohttp_client_class()(**options)
    return httpx.AsyncClient(**options)


@functools.cache
def _aiohttp_client_class() -> type[httpx.AsyncClient]:
    """httpx.AsyncClient whose transports (direct and proxied) are the corrected aiohttp one;
    built on first use so that aiohttp is imported only by a client that uses it."""
    import aiohttp
    import yarl
    from httpx_aiohttp import AiohttpTransport
    from httpx_aiohttp.transport import AiohttpResponseStream

    @contextmanager
    def httpx_errors(request: httpx.Request) -> Iterator[None]:
        """aiohttp's errors as the httpx errors httpx's own transport raises in the same case."""
        try:
            yield
        except aiohttp.ClientError as e:
            raise _httpx_error(e, request) from e
        except TimeoutError as e:  # a bare asyncio timeout from inside aiohttp
            try:
                current_budget().timed_out()
            except httpcore.ReadTimeout as late:
                raise httpx.ReadTimeout(str(late), request=request) from e
            raise httpx.ReadTimeout(str(e) or "timed out", request=request) from e

    class CorrectedAiohttpTransport(AiohttpTransport):
        """httpx-aiohttp's transport with the corrections in this module's docstring."""

        def get_client(self) -> aiohttp.ClientSession:
            if self.client is not None:
                return super().get_client()
            limit = self.limits.max_connections
            connector = aiohttp.TCPConnector(
                limit=0 if limit is None else limit,  # aiohttp's 0 is httpx's None: no limit
                keepalive_timeout=self.limits.keepalive_expiry,
                ssl=self.ssl_context,
                local_addr=(self.local_address, 0) if self.local_address else None,
            )
            session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar()
            )
            # aiohttp sends an idempotent request (DELETE) again, once, when the server hangs up
            # without answering: our RetryPolicy decides that, counts it and paces it. No public
            # switch; aiohttp's own test client turns it off the same way.
            session._retry_connection = False
            return session

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if not isinstance(self.client, aiohttp.ClientSession):
                self.client = self.get_client()
            if request.url.scheme == "https":
                # A context shared with an HTTP/2 client offers h2 after each of httpx's
                # connects (httpcore sets its ALPN on every connect, as this does every request).
                self.ssl_context.set_alpn_protocols(HTTP1_ONLY)
            timeout = request.extensions.get("timeout", {})
            connect, pool = timeout.get("connect"), timeout.get("pool")
            total = current_budget().time_left(None, httpx.ConnectTimeout)
            proxy = self.proxy
            with httpx_errors(request):
                response = await self.client.request(
                    request.method,
                    yarl.URL(str(request.url), encoded=True),
                    headers=request.headers,
                    data=request.content or None,
                    allow_redirects=False,
                    auto_decompress=False,
                    compress=False,
                    timeout=aiohttp.ClientTimeout(
                        total=total,  # the attempt's deadline: connect, send, whole answer
                        connect=None if connect is None or pool is None else connect + pool,
                        sock_connect=connect,
                        sock_read=timeout.get("read"),
                    ),
                    server_hostname=request.extensions.get("sni_hostname"),
                    proxy=str(proxy.url) if proxy else None,
                    proxy_auth=aiohttp.BasicAuth(*proxy.auth) if proxy and proxy.auth else None,
                    proxy_headers=proxy.headers if proxy else None,
                ).__aenter__()
            extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
            if response.reason:
                extensions["reason_phrase"] = response.reason.encode()
            return httpx.Response(
                status_code=response.status,
                headers=response.raw_headers,
                stream=_Stream(response, request),
                request=request,
                extensions=extensions,
            )

    class _Stream(AiohttpResponseStream):
        """The answer's body, with aiohttp's errors mapped as above."""

        def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
            super().__init__(response)
            self._request = request

        async def __aiter__(self) -> Any:
            budget = current_budget()
            with httpx_errors(self._request):
                async for chunk in self._aiohttp_response.content.iter_chunked(self.CHUNK_SIZE):
                    budget.received(len(chunk))
                    yield chunk

        async def aclose(self) -> None:
            with httpx_errors(self._request):
                self._aiohttp_response.release()

    def make_transport(
        verify: ssl.SSLContext | str | bool,
        cert: Any,
        trust_env: bool,
        limits: httpx.Limits,
        proxy: httpx.Proxy | None = None,
    ) -> CorrectedAiohttpTransport:
        return CorrectedAiohttpTransport(
            verify=verify, cert=cert, trust_env=trust_env, limits=limits, proxy=proxy
        )

    class AiohttpAsyncClient(httpx.AsyncClient):
        """httpx.AsyncClient on :class:`CorrectedAiohttpTransport` (a transport given wins)."""

        def _init_transport(  # type: ignore[override]
            self,
            verify: ssl.SSLContext | str | bool = True,
            cert: Any = None,
            trust_env: bool = True,
            limits: httpx.Limits = httpx.Limits(max_connections=100, max_keepalive_connections=20),  # noqa: B008
            transport: httpx.AsyncBaseTransport | None = None,
            **_: Any,
        ) -> httpx.AsyncBaseTransport:
            if transport is not None:
                return transport
            return make_transport(verify, cert, trust_env, limits)

        def _init_proxy_transport(  # type: ignore[override]
            self,
            proxy: httpx.Proxy,
            verify: ssl.SSLContext | str | bool = True,
            cert: Any = None,
            trust_env: bool = True,
            limits: httpx.Limits = httpx.Limits(max_connections=100, max_keepalive_connections=20),  # noqa: B008
            **_: Any,
        ) -> httpx.AsyncBaseTransport:
            return make_transport(verify, cert, trust_env, limits, proxy)

    return AiohttpAsyncClient


def _httpx_error(error: aiohttp.ClientError, request: httpx.Request) -> httpx.TransportError:
    """The httpx error httpx's own transport raises where aiohttp raised ``error``: never sent
    (connect and pool failures, refused or unverifiable connections), or sent and unanswered."""
    import aiohttp

    message = str(error) or type(error).__name__
    kind: type[httpx.TransportError]
    if isinstance(error, aiohttp.ClientProxyConnectionError | aiohttp.ClientHttpProxyError):
        kind = httpx.ProxyError  # the proxy refused or failed the tunnel: nothing reached the CLOB
    elif isinstance(error, aiohttp.ClientConnectorError):
        kind = httpx.ConnectError  # refused, DNS, TLS handshake or certificate: never sent
    elif isinstance(error, aiohttp.ConnectionTimeoutError):
        kind = httpx.ConnectTimeout  # no connection within pool + connect: never sent
    elif isinstance(error, aiohttp.ServerTimeoutError):
        kind = httpx.ReadTimeout  # sent (or being sent), no answer in time: fate unknown
    elif isinstance(error, aiohttp.ServerDisconnectedError | aiohttp.ClientResponseError):
        kind = httpx.RemoteProtocolError  # hung up without an answer, or a malformed one
    elif isinstance(error, aiohttp.ClientConnectionError | aiohttp.ClientPayloadError):
        kind = httpx.ReadError  # reset mid-call
    elif isinstance(error, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        kind = httpx.UnsupportedProtocol
    else:
        kind = httpx.TransportError  # unforeseen: sent as far as anyone can tell
    return kind(message, request=request)
