"""What the sync and async clients share: their options, the checks of them, the credentials, the
rate-limit pacing and the retry decision; each client adds only its I/O."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from http.cookiejar import CookieJar
from typing import TYPE_CHECKING, Any, TypedDict
from urllib.parse import urlsplit

import httpx

from clob_cancel_client import AuthenticatedClient
from clob_cancel_client.api.heartbeat import send_heartbeat
from clob_cancel_client.models import HeartbeatRequest

from ._call import L2Auth
from ._transport import check_http2
from .checks import check_utf8, positive_int
from .clock import offset_from_server_time
from .defaults import CONNECT_TIMEOUT_SECONDS, MAX_IDS_PER_REQUEST, TIMEOUT_SECONDS
from .environment import resolve_address
from .errors import CancelError, RateLimitedError
from .ratelimit import CANCEL_TIERS, CancelPacer, CancelTier, RateLimitState, Reservation
from .retry import DEFAULT_RETRY, OversizedBatch, RetryPolicy
from .signing import ApiCreds
from .tier import TierRead
from .urls import check_base_url

_L1_OWN = {"base_url", "auth", "timeout", "follow_redirects", "cookies"}

if TYPE_CHECKING:
    from .doctor import CheckTarget

DEFAULT_TIMEOUT = httpx.Timeout(TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
"""10 s to read, write or wait for a pooled connection, 5 s to connect, 10 s for the whole
attempt."""


def attempt_seconds(timeout: httpx.Timeout | float | None) -> float | None:
    """The deadline of one whole attempt (connect + send + the whole answer): the seconds given,
    or the longest phase of an ``httpx.Timeout``; None for no timeout at all."""
    if timeout is None or isinstance(timeout, int | float):
        return None if timeout is None else float(timeout)
    phases = [t for t in (timeout.connect, timeout.read, timeout.write, timeout.pool) if t]
    return max(phases) if phases else None


WaitListener = Callable[[dict[str, Any], CancelError | None, int, float], None]
"""Told of each wait before a cancel's request is sent: the request (``build_request``'s dict, its
``url`` resolved), the error being retried (None for a pause for the rate-limit bucket), the
retry's number (1 for the first) and the seconds."""


class NoCookies(CookieJar):
    """A cookie jar that keeps nothing. Every request is authenticated by its own signature, so
    a cookie set by the server or a proxy in front of it is not ours to send back; and httpx
    would otherwise read every answer's headers for Set-Cookie, on every call (bench/README.md)."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        pass


class ClientOptions(TypedDict, total=False):
    """The keyword options both clients take; see :class:`CancelClient` for what they do."""

    private_key: str | None
    timeout: httpx.Timeout | float | None
    retries: int | RetryPolicy
    max_ids_per_request: int
    sync_clock: bool
    proxy: str | httpx.Proxy | None
    verify: bool | str | ssl.SSLContext
    httpx_client_kwargs: Mapping[str, Any] | None
    on_rate_limit: Callable[[RateLimitState], None] | None
    cancel_tiers: Mapping[str, CancelTier] | None
    clock: Callable[[], float]
    allow_insecure_http: bool
    http2: bool
    on_wait: WaitListener | None


class ClientCore:
    """What the sync and async clients share: settings, input checks and the retry decision."""

    _http: httpx.Client | httpx.AsyncClient  # made by each subclass

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
        on_rate_limit: Callable[[RateLimitState], None] | None = None,
        cancel_tiers: Mapping[str, CancelTier] | None = None,
        clock: Callable[[], float] = time.time,
        allow_insecure_http: bool = False,
        http2: bool = False,
        on_wait: WaitListener | None = None,
    ) -> None:
        check_base_url(base_url, allow_insecure_http)
        if not isinstance(creds, ApiCreds):
            raise TypeError(f"creds must be a clob_cancel.ApiCreds, got {type(creds).__name__}")
        self._max_ids = positive_int("max_ids_per_request", max_ids_per_request)
        extra = dict(httpx_client_kwargs or {})
        if {"base_url", "auth"} & extra.keys():
            raise ValueError("httpx_client_kwargs must not set base_url or auth (the client does)")
        if "follow_redirects" in extra:
            raise ValueError(
                "httpx_client_kwargs must not set follow_redirects: a redirect would carry the "
                "signature and the passphrase to wherever it points, another origin included"
            )
        if any(name.lower().startswith("poly_") for name in httpx.Headers(extra.get("headers"))):
            raise ValueError("httpx_client_kwargs headers must not set POLY_* (the signer does)")
        self.address = resolve_address(address, private_key)
        self.base_url = base_url
        self._retry = retries if isinstance(retries, RetryPolicy) else RetryPolicy(retries=retries)
        self._clock = clock
        self._attempt_seconds = attempt_seconds(timeout)
        self._clock_pending = sync_clock
        self._clock_synced = False
        tiers = CANCEL_TIERS
        if cancel_tiers is not None:  # by lower-case name, as find_tier looks them up
            tiers = {name.lower(): tier for name, tier in cancel_tiers.items()}
        self._pacer = CancelPacer(tiers, on_rate_limit)
        self._tier_read = TierRead(self._pacer, timeout)  # see clob_cancel.tier
        self._on_wait = on_wait
        self._auth = L2Auth(creds, self.address, clock=clock, path_prefix=urlsplit(base_url).path)
        self._api = AuthenticatedClient(base_url=base_url, token="")
        self._urls: dict[str, httpx.URL] = {}  # endpoint path -> its URL under base_url
        self._http_options: dict[str, Any] = {
            "base_url": base_url,
            "auth": self._auth,
            "timeout": timeout,
            "proxy": proxy,
            "verify": verify,
            # a redirected DELETE would carry a signature made for another path
            "follow_redirects": False,
            "cookies": NoCookies(),
            **extra,
        }
        if http2 or extra.get("http2"):
            check_http2()
            self._http_options["http2"] = True

    @property
    def rate_limit(self) -> RateLimitState | None:
        """What the latest answer's ``Poly-RateLimit-*`` headers said (None before any did)."""
        return self._pacer.state

    @property
    def clock_offset(self) -> float | None:
        """Seconds added to this machine's clock when signing, once measured; else None."""
        return self._auth.offset if self._clock_synced else None

    def _check_target(self, private_key: str | None) -> CheckTarget:
        """What :mod:`clob_cancel.doctor` checks: this client as it signs now."""
        from .doctor import CheckTarget

        return CheckTarget(
            self.base_url,
            self.address,
            self._auth.creds,
            private_key,
            self._auth.offset,
            self._pacer.tiers,
            verifies_tls=self._http_options["verify"] is not False,
        )

    def _l1_options(self) -> dict[str, Any]:
        """The doctor's L1 derive with this client's timeout, TLS, proxy and transport."""
        options = {k: v for k, v in self._http_options.items() if k not in _L1_OWN}
        timeout = self._http_options["timeout"]
        return {"timeout": timeout, "httpx_client_kwargs": options}

    def _set_offset(self, server_time: int | CancelError, sent: float) -> float:
        if isinstance(server_time, CancelError):
            raise server_time
        self._auth.offset = offset_from_server_time(server_time, sent, self._clock())
        self._clock_synced = True
        return self._auth.offset

    def _pace(
        self, request: dict[str, Any], cost: int, started: float
    ) -> tuple[float, Reservation]:
        """How long to wait for the bucket to cover ``cost`` before sending (0 when it does, is
        unknown, or the wait would overrun the retry budget), and the cost counted as taken."""
        now = self._clock()
        wait = self._pacer.wait(cost, now)
        if wait > 0 and now - started + wait > self._retry.max_total_seconds:
            wait = 0.0
        if wait > 0 and self._on_wait is not None:
            self._on_wait(request, None, 0, wait)
        return wait, self._pacer.spend(cost, now + wait)

    def _retry_wait(
        self,
        request: dict[str, Any],
        error: CancelError,
        retries_done: int,
        started: float,
        requested: Sequence[str] | None,
        cost: int = 1,
    ) -> float:
        """How long to wait before sending again; raises ``error`` when the policy says stop,
        :class:`OversizedBatch` when a 429 says the batch can never be admitted."""
        if isinstance(error, RateLimitedError) and self._pacer.never_admits(cost):
            raise OversizedBatch from error
        policy = self._retry
        if error.retryable and retries_done < policy.retries:
            server_asked = error.retry_after
            delay = policy.backoff(retries_done) if server_asked is None else server_asked
            if self._clock() - started + delay <= policy.max_total_seconds:
                if self._on_wait is not None:
                    self._on_wait(request, error, retries_done + 1, delay)
                return delay
        error.attempts = retries_done + 1
        if requested is not None and error.changed_nothing:
            error.untouched_ids = tuple(dict.fromkeys(requested))
        elif requested is not None:
            error.unknown_ids = tuple(dict.fromkeys(requested))
        raise error

    def _heartbeat_seconds(self, timeout: float | None) -> float | None:
        """The deadline of one heartbeat send: the keeper's ``timeout``, within the client's."""
        if timeout is None or self._attempt_seconds is None:
            return self._attempt_seconds if timeout is None else max(timeout, 0.001)
        return min(max(timeout, 0.001), self._attempt_seconds)

    def _heartbeat_request(self, heartbeat_id: str, timeout: float | None) -> dict[str, Any]:
        if not isinstance(heartbeat_id, str):
            raise TypeError(f"heartbeat_id must be a str, got {type(heartbeat_id).__name__}")
        check_utf8(heartbeat_id, "heartbeat_id")
        request = send_heartbeat.build_request(body=HeartbeatRequest(heartbeat_id=heartbeat_id))
        if timeout is not None:
            request["timeout"] = httpx.Timeout(max(timeout, 0.001))
        return self._resolve(request)

    def _resolve(self, request: dict[str, Any]) -> dict[str, Any]:
        """``request`` (built by the generated code) with its path resolved against the base URL
        once per endpoint, by httpx itself: given the path, httpx parses it and the base URL
        again on every request (bench/README.md). The URL sent is the same."""
        path = request["url"]
        url = self._urls.get(path)
        if url is None:
            url = self._urls[path] = self._http.build_request("DELETE", path).url
        request["url"] = url
        return request


OPTIONS_DOC = """

    ``base_url`` is the CLOB's root (e.g. ``POLYMARKET_CLOB_URL``); ``creds`` the L2 API
    credentials; the signer's ``address`` is given, or derived from ``private_key`` (which needs
    eth-account; the key is used for nothing else). Options:

    - ``timeout``: seconds, or an ``httpx.Timeout``; default ``DEFAULT_TIMEOUT`` (10 s, 5 s to
      connect). It bounds each attempt WHOLE (connect, send, and reading the whole answer: a
      server trickling its answer cannot hold a call longer), seconds given, or the longest
      phase of an ``httpx.Timeout``; each phase is bounded too. Retries are attempts of their
      own, within the retry budget. An answer over 4 MiB (one for 1000 ids is under 100 kB) is
      not read further: a :class:`TransportError`, the ids' fate unknown.
    - ``retries``: a :class:`RetryPolicy`, or how many retries with its defaults (4 retries within
      20 s); ``0`` turns retrying off.
    - ``max_ids_per_request``: chunk size for ``cancel_orders`` (default 1000, the API's limit
      since 2026-06-15); smaller when the rate-limit tier's burst is smaller.
    - ``on_rate_limit``: called with a :class:`RateLimitState` whenever an answer carries the
      ``Poly-RateLimit-*`` headers (also kept in ``client.rate_limit``); an exception it raises is
      logged, never lost a cancel.
    - ``cancel_tiers``: the cancel tier table (name -> :class:`CancelTier`), replacing the
      documented ``CANCEL_TIERS`` when Polymarket changes it.
    - ``sync_clock``: read ``GET /time`` once, at the first call, and sign with the server's
      clock from then on (no extra round trip per call). A failed read leaves the offset at 0.
    - ``http2``: speak HTTP/2 where the server offers it (over TLS, by ALPN), as the official v2
      client does to the CLOB; needs the h2 package (``pip install 'clob-cancel[http2]'``).
      Off by default: on loopback it measured slower than HTTP/1.1 (see bench/README.md).
    - ``proxy``, ``verify``, and ``httpx_client_kwargs`` (e.g. ``transport``, ``limits``,
      ``headers``): passed to the one httpx client this object owns. It keeps no
      cookies (each request is signed on its own); ``httpx_client_kwargs={"cookies": {}}``
      gives it an ordinary cookie jar. ``follow_redirects`` is refused: a redirect would carry
      the signature and passphrase to another origin. A ``transport`` that is httpx's own
      (``httpx.HTTPTransport``, ``httpx.AsyncHTTPTransport``) keeps the whole-attempt deadline
      and the 4 MiB cap; any other kind (a SOCKS or test transport) keeps httpx's per-phase
      timeouts only.
    - ``allow_insecure_http``: plain ``http://`` is refused for a host that is not loopback
      (127.0.0.0/8, ::1, localhost), since the passphrase would travel in cleartext; ``True``
      allows it (a trusted network, a TLS-terminating sidecar).
    - ``on_wait``: told of each wait before a cancel's request is sent (a retry's, or a pause for
      the rate-limit bucket): see :data:`WaitListener`. The CLI says each on stderr.
    - ``clock`` and ``sleep``: injectable for tests.
"""
