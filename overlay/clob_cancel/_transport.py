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

Each attempt keeps to a budget (a total deadline and a byte cap: budget.py); on aiohttp its
``total`` timeout is the deadline and its body stream counts the bytes.
"""

from __future__ import annotations

import functools
import importlib.util
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, get_args

import httpcore
import httpx

from .budget import current_budget

if TYPE_CHECKING:
    import aiohttp

Backend = Literal["auto", "aiohttp", "httpx"]
BACKENDS = get_args(Backend)
AIOHTTP_MISSING = (
    "the aiohttp backend needs the httpx-aiohttp package: pip install 'clob-cancel[aiohttp]'"
)
HTTP1_ONLY = ["http/1.1"]
H2_MISSING = "http2=True needs the h2 package: pip install 'clob-cancel[http2]'"


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
