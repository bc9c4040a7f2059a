"""CancelClient: the four cancels with input checks, chunking, retries and typed errors around the
generated functions, which alone build the requests. AsyncCancelClient (aio.py) shares all of it
but the I/O."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import random
import ssl
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from http.cookiejar import CookieJar
from types import ModuleType, TracebackType
from typing import Any, Self, TypedDict, Unpack
from urllib.parse import urlsplit

import attrs
import httpx

from clob_cancel_client import AuthenticatedClient
from clob_cancel_client.api.cancel import cancel_all as _cancel_all
from clob_cancel_client.api.cancel import cancel_market_orders as _cancel_market_orders
from clob_cancel_client.api.cancel import cancel_order as _cancel_order
from clob_cancel_client.api.cancel import cancel_orders as _cancel_orders
from clob_cancel_client.api.heartbeat import send_heartbeat as _send_heartbeat
from clob_cancel_client.api.support import get_server_time as _get_server_time
from clob_cancel_client.models import (
    CancelMarketOrdersRequest,
    CancelOrderRequest,
    CancelOrdersResponse,
    CancelOrdersResponseNotCanceled,
    HeartbeatRequest,
    HeartbeatResponse,
)
from clob_cancel_client.types import UNSET

from ._call import L2Auth, attempt, operation_name
from ._transport import check_http2
from .errors import CancelError, HeartbeatLapsedError, RateLimitedError, UnexpectedAnswerError
from .heartbeat import HEARTBEAT_DEADLINE, HEARTBEAT_INTERVAL, HeartbeatKeeper
from .ratelimit import CANCEL_TIERS, CancelPacer, CancelTier, RateLimitState, Reservation
from .signing import ApiCreds, CredentialsError, check_address

log = logging.getLogger("clob_cancel")

POLYMARKET_CLOB_URL = "https://clob.polymarket.com"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
"""10 s to read, write or wait for a pooled connection, 5 s to connect."""
MAX_IDS_PER_REQUEST = 1000
"""DELETE /orders' limit since 2026-06-15 (3000 before): Polymarket's changelog and the spec."""


class _NoCookies(CookieJar):
    """A cookie jar that keeps nothing. Every request is authenticated by its own signature, so
    a cookie set by the server or a proxy in front of it is not ours to send back; and httpx
    would otherwise read every answer's headers for Set-Cookie, ~6 us of each call."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        pass


def _non_negative(_instance: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if value < 0:
        raise ValueError(f"RetryPolicy.{attribute.name} must be >= 0, got {value!r}")


@attrs.frozen
class RetryPolicy:
    """When a failed cancel is sent again (cancels are idempotent).

    Retried: 425 (engine restarting), 429 (rate limited), 503 (trading disabled, or a restriction
    that should not refuse cancels), and connection failures (refused, dropped). Not retried: 400,
    401, 500, a timeout after the request was sent (its fate is unknown: the error says so), and
    a 429 for a batch larger than its tier's burst (it can never be admitted: ``cancel_orders``
    splits it instead). Each retry is signed afresh and waits what the server asked (Retry-After
    or ``retry_after_seconds``), else a full-jitter exponential backoff ``uniform(0,
    min(max_delay, base_delay * 2**n))``. No retry starts whose wait would end more than
    ``max_total_seconds`` after the first attempt began; the same budget bounds the wait for the
    rate-limit bucket to refill before a request (beyond it the request goes, and a 429 decides).
    """

    retries: int = attrs.field(default=4, validator=_non_negative)
    max_total_seconds: float = attrs.field(default=20.0, validator=_non_negative)
    base_delay: float = attrs.field(default=0.5, validator=_non_negative)
    max_delay: float = attrs.field(default=8.0, validator=_non_negative)
    rng: Callable[[], float] = attrs.field(default=random.random, eq=False, repr=False)

    def backoff(self, retries_done: int) -> float:
        """The wait before retry number ``retries_done + 1`` when the server named none."""
        return self.rng() * min(self.max_delay, self.base_delay * 2.0**retries_done)


DEFAULT_RETRY = RetryPolicy()


def _check_utf8(text: str, where: str) -> None:
    """JSON bodies are UTF-8: a lone surrogate cannot be sent, so say which value holds one."""
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError as e:
            raise ValueError(
                f"{where} is not valid text (lone surrogate at index {e.start})"
            ) from None


def _check_id(order_id: object, where: str) -> str:
    if not isinstance(order_id, str):
        raise TypeError(f"{where} must be a str, got {type(order_id).__name__}")
    if not order_id:
        raise ValueError(f"{where} is an empty string")
    _check_utf8(order_id, where)
    return order_id


def _check_ids(order_ids: Iterable[str]) -> list[str]:
    if isinstance(order_ids, str | bytes):
        raise TypeError("order_ids must be a list of ids, not a single string (use cancel())")
    ids = list(order_ids)
    if not ids:
        raise ValueError("order_ids is empty: nothing to cancel")
    try:
        # At C speed, and no set: duplicates matter only across requests (_Batches.split).
        joined = "".join(ids)  # TypeError on any non-str
        valid = all(ids)  # no empty id; 30% faster than `"" not in ids`
        if valid and not joined.isascii():
            joined.encode()  # UnicodeEncodeError (a ValueError) on a lone surrogate
    except (TypeError, ValueError):
        valid = False
    if not valid:  # find and name the culprit
        for index, order_id in enumerate(ids):
            _check_id(order_id, f"order_ids[{index}]")
    return ids


def _check_filter(name: str, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str or None, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} is an empty string: give a value or None")
    _check_utf8(value, name)
    return value


def _positive_int(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


class _Oversized(Exception):
    """A 429 for a batch costing more than its tier's burst: never admitted, so split it."""


_Key = tuple[int, ...]
WaitListener = Callable[[dict[str, Any], CancelError | None, int, float], None]
"""Told of each wait before a cancel's request is sent: the request (``_get_kwargs``' dict, its
``url`` resolved), the error being retried (None for a pause for the rate-limit bucket), the
retry's number (1 for the first) and the seconds."""


class _Batches:
    """The requests of one ``cancel_orders`` call: the ids as given when they fit one request
    (the server ignores duplicates within it), else split, in order, into requests of at most
    ``limit`` ids (the API's cap or the tier's burst, learned as answers come), each ending
    answered, failed or unsent."""

    def __init__(
        self, ids: list[str], limit: int, progress: Callable[[int, int], None] | None = None
    ) -> None:
        self.pending: deque[tuple[_Key, list[str]]] = deque()
        self.outcomes: list[tuple[_Key, list[str], CancelOrdersResponse | CancelError]] = []
        self.total = len(ids)
        self.done = 0
        self.progress = progress
        self.split((), ids, limit)

    def take(self, limit: int) -> tuple[_Key, list[str]] | None:
        """The next request to send, at most ``limit`` ids; None when none is left."""
        if not self.pending:
            return None
        self.split(*self.pending.popleft(), limit)
        return self.pending.popleft()

    def split(self, key: _Key, chunk: list[str], limit: int) -> None:
        """Put ``chunk`` back as it is when it fits ``limit``, else as pieces of at most ``limit``
        ids, each id once (a duplicate in a later piece would be reported not canceled after an
        earlier one canceled it)."""
        if len(chunk) <= limit:
            self.pending.appendleft((key, chunk))
            return
        unique = list(dict.fromkeys(chunk))
        self.total -= len(chunk) - len(unique)
        pieces = [unique[i : i + limit] for i in range(0, len(unique), limit)]
        self.pending.extendleft(reversed([((*key, n), p) for n, p in enumerate(pieces)]))

    def record(
        self, key: _Key, chunk: list[str], result: CancelOrdersResponse | CancelError
    ) -> None:
        """Keep ``result``; an answer counts its ids done and calls ``progress(done, total)``,
        whose exception is logged: it must not lose the accounting of the ids."""
        self.outcomes.append((key, chunk, result))
        if isinstance(result, CancelOrdersResponse):
            self.done += len(chunk)
            if self.progress is not None:
                try:
                    self.progress(self.done, self.total)
                except Exception:
                    log.warning("clob_cancel: progress callback failed", exc_info=True)

    def result(self) -> CancelOrdersResponse:
        """The merged answer, or the first failure's error accounting for every id."""
        rows: list[tuple[_Key, list[str], CancelOrdersResponse | CancelError | None]] = [
            *self.outcomes,
            *((key, chunk, None) for key, chunk in self.pending),
        ]
        rows.sort(key=lambda row: row[0])
        return _combine([row[1] for row in rows], [row[2] for row in rows])


def _response(canceled: list[str], not_canceled: dict[str, str]) -> CancelOrdersResponse:
    answer = CancelOrdersResponse(canceled=canceled, not_canceled=CancelOrdersResponseNotCanceled())
    answer.not_canceled.additional_properties = not_canceled
    return answer


def reconcile(
    operation: str, answer: CancelOrdersResponse, requested: Sequence[str] | None
) -> CancelOrdersResponse:
    """``answer`` when it accounts for each requested id exactly once and names no other (for
    /cancel-all and the market cancel, ``requested`` is None: no id both canceled and not);
    else an :class:`UnexpectedAnswerError` whose ``.partial`` keeps what the answer said of the
    ids it was asked about and ``.unknown_ids`` the requested ids it leaves out or lists both
    ways. No re-ask: a server that broke the contract once is not asked to settle it."""
    canceled = answer.canceled
    not_canceled = answer.not_canceled.additional_properties
    if requested is not None:
        # Every id canceled, in the order asked (what the CLOB and the mock answer): a list
        # comparison, no hashing of fresh strings (~20 us for 1000 ids against ~90 us for sets).
        if not not_canceled and canceled == requested:
            return answer
        if not canceled and len(requested) == 1 and list(not_canceled) == requested:
            return answer
    accounted = set(canceled)
    accounted.update(not_canceled)
    exact = len(accounted) == len(canceled) + len(not_canceled)  # no id twice, none both ways
    if exact and (requested is None or accounted == set(requested)):
        return answer
    return _violation(operation, canceled, not_canceled, requested)


def _violation(
    operation: str,
    canceled: list[str],
    not_canceled: dict[str, str],
    requested: Sequence[str] | None,
) -> CancelOrdersResponse:
    """The slow path of :func:`reconcile`: keep what can be kept, say what is wrong."""
    named = [*canceled, *not_canceled]
    asked = set(named) if requested is None else set(requested)
    both = set(canceled).intersection(not_canceled)
    invented = [i for i in dict.fromkeys(named) if i not in asked]
    kept_canceled = [i for i in dict.fromkeys(canceled) if i in asked and i not in both]
    kept_not = {i: why for i, why in not_canceled.items() if i in asked and i not in both}
    answered = set(kept_canceled).union(kept_not)
    order = named if requested is None else requested
    unknown = [i for i in dict.fromkeys(order) if i not in answered and i in asked]
    if not (invented or unknown):  # a duplicate entry only: nothing lost or invented
        return _response(kept_canceled, kept_not)
    left_out = sum(i not in both for i in unknown)
    problems = [
        f"{left_out} requested ids left out" if left_out else "",
        f"{len(invented)} ids never requested (dropped)" if invented else "",
        f"{len(both)} ids both canceled and not canceled" if both else "",
    ]
    error = UnexpectedAnswerError(
        operation,
        "HTTP 200 with an answer that breaks the contract: " + ", ".join(filter(None, problems)),
        status=200,
        fate_unknown=bool(unknown),
    )
    error.partial = _response(kept_canceled, kept_not)
    error.unknown_ids = tuple(unknown)
    raise error


def _combine(
    chunks: Sequence[list[str]], results: Sequence[CancelOrdersResponse | CancelError | None]
) -> CancelOrdersResponse:
    """The merged answer of all chunks (a lone answer as it came), or raise the first chunk's
    error accounting for every id: what the answers (and a broken answer, for the ids it was
    asked about) said in ``.partial``; the ids of requests that may have acted in
    ``.unknown_ids``; those of requests refused whole or never sent in ``.untouched_ids``."""
    answers = [r for r in results if isinstance(r, CancelOrdersResponse)]
    if len(chunks) == 1 and answers:
        return answers[0]
    merged = _response([], {})
    unknown: list[str] = []
    untouched: list[str] = []
    for chunk, result in zip(chunks, results, strict=True):
        answer = result.partial if isinstance(result, CancelError) else result
        if answer is not None:
            merged.canceled.extend(answer.canceled)
            merged.not_canceled.additional_properties.update(
                answer.not_canceled.additional_properties
            )
        if isinstance(result, CancelError) and result.partial is not None:
            unknown.extend(result.unknown_ids)  # the answer accounted for the rest
        elif result is None or (isinstance(result, CancelError) and result.changed_nothing):
            untouched.extend(chunk)
        elif isinstance(result, CancelError):
            unknown.extend(chunk)
    if len(answers) == len(chunks):
        return merged
    error = next(r for r in results if isinstance(r, CancelError))
    error.partial = merged
    # each once: a lone request carries the ids as given, duplicates too
    error.unknown_ids = tuple(dict.fromkeys(unknown))
    error.untouched_ids = tuple(dict.fromkeys(untouched))
    raise error


def _resolve_address(address: str | None, private_key: str | None) -> str:
    if private_key is None:
        if address is None:
            raise CredentialsError(
                "give the signer's address (address=) or its private key (private_key=)"
            )
        return check_address(address)
    from .l1 import address_from_private_key

    derived = address_from_private_key(private_key)
    if address is not None and check_address(address).lower() != derived.lower():
        raise CredentialsError(
            f"address {address} is not the address of the private key given ({derived})"
        )
    return address or derived


_ENV_NAMES = {
    "api_key": "CLOB_API_KEY",
    "api_secret": "CLOB_SECRET",
    "api_passphrase": "CLOB_PASS_PHRASE",
}


def _chomp(value: str) -> str:
    """``value`` without one trailing newline ("\\n" or "\\r\\n"), as a secret file often ends."""
    return value[:-2] if value.endswith("\r\n") else value.removesuffix("\n")


def _from_environment(environ: Mapping[str, str] | None) -> dict[str, Any]:
    source = os.environ if environ is None else environ
    names = ("CLOB_API_URL", *_ENV_NAMES.values(), "CLOB_ADDRESS", "PK")
    env = {name: _chomp(source[name]) for name in names if source.get(name)}
    missing = [name for name in ("CLOB_API_URL", *_ENV_NAMES.values()) if not env.get(name)]
    if not env.get("PK") and not env.get("CLOB_ADDRESS"):
        missing.append("PK or CLOB_ADDRESS")
    if missing:
        raise CredentialsError(f"environment variables not set: {', '.join(missing)}")
    try:
        creds = ApiCreds(*(env[name] for name in _ENV_NAMES.values()))
    except CredentialsError as e:  # name the variable rather than ApiCreds' field
        text = str(e)
        for field, name in _ENV_NAMES.items():
            text = text.replace(field, name)
        raise CredentialsError(text) from None
    try:
        address = _resolve_address(env.get("CLOB_ADDRESS") or None, env.get("PK") or None)
    except CredentialsError as e:
        raise CredentialsError(f"PK / CLOB_ADDRESS: {e}") from None
    return {"base_url": env["CLOB_API_URL"], "creds": creds, "address": address}


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


def _is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_base_url(base_url: object, allow_insecure_http: bool) -> str:
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ValueError(f"base_url must be an http:// or https:// URL, got {base_url!r}")
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 (a ValueError on a port that is not a number in range)
        httpx.URL(base_url)
    except (ValueError, httpx.InvalidURL) as e:
        raise ValueError(f"base_url is not a valid URL ({e}): {base_url!r}") from None
    if not parts.hostname:
        raise ValueError(f"base_url has no host: {base_url!r}")
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(parts.hostname):
        raise ValueError(
            f"base_url {base_url!r} is plain http:// to a host that is not loopback: every "
            "request would carry the API passphrase and its signature in cleartext. Use "
            "https://, or pass allow_insecure_http=True if the network is yours to trust"
        )
    return base_url


class _Base:
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
    ) -> None:
        _check_base_url(base_url, allow_insecure_http)
        if not isinstance(creds, ApiCreds):
            raise TypeError(f"creds must be a clob_cancel.ApiCreds, got {type(creds).__name__}")
        self._max_ids = _positive_int("max_ids_per_request", max_ids_per_request)
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
        self.address = _resolve_address(address, private_key)
        self.base_url = base_url
        self._retry = retries if isinstance(retries, RetryPolicy) else RetryPolicy(retries=retries)
        self._clock = clock
        self._clock_pending = sync_clock
        self._clock_synced = False
        tiers = CANCEL_TIERS
        if cancel_tiers is not None:  # by lower-case name, as find_tier looks them up
            tiers = {name.lower(): tier for name, tier in cancel_tiers.items()}
        self._pacer = CancelPacer(tiers, on_rate_limit)
        self._on_wait: WaitListener | None = None  # the CLI's report of each wait
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
            "cookies": _NoCookies(),
            **extra,
        }
        if http2 or extra.get("http2"):
            check_http2()
            self._http_options["http2"] = True

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **options: Unpack[ClientOptions]
    ) -> Self:
        """A client from CLOB_API_URL, CLOB_API_KEY, CLOB_SECRET, CLOB_PASS_PHRASE and CLOB_ADDRESS
        or PK (the private key, whose address is derived). Every missing variable is named in the
        error. One trailing newline ("\\n" or "\\r\\n") is removed from each value, as secret
        files often end with one; any other whitespace or control character in a credential is
        a :class:`CredentialsError` naming the variable, never its value. ``options`` are the
        constructor's keyword options."""
        return cls(**_from_environment(environ), **options)

    @property
    def rate_limit(self) -> RateLimitState | None:
        """What the latest answer's ``Poly-RateLimit-*`` headers said (None before any did)."""
        return self._pacer.state

    @property
    def clock_offset(self) -> float | None:
        """Seconds added to this machine's clock when signing, once measured; else None."""
        return self._auth.offset if self._clock_synced else None

    def _set_offset(self, server_time: int | CancelError, sent: float) -> float:
        if isinstance(server_time, CancelError):
            raise server_time
        # /time is whole seconds: the server's clock was in [t, t + 1) halfway through the call.
        self._auth.offset = server_time + 0.5 - (sent + self._clock()) / 2
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
        :class:`_Oversized` when a 429 says the batch can never be admitted."""
        if isinstance(error, RateLimitedError) and self._pacer.never_admits(cost):
            raise _Oversized from error
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

    def _heartbeat_request(self, heartbeat_id: str, timeout: float | None) -> dict[str, Any]:
        if not isinstance(heartbeat_id, str):
            raise TypeError(f"heartbeat_id must be a str, got {type(heartbeat_id).__name__}")
        _check_utf8(heartbeat_id, "heartbeat_id")
        request = _send_heartbeat._get_kwargs(body=HeartbeatRequest(heartbeat_id=heartbeat_id))
        if timeout is not None:
            request["timeout"] = httpx.Timeout(max(timeout, 0.001))
        return self._resolve(request)

    def _resolve(self, request: dict[str, Any]) -> dict[str, Any]:
        """``request`` (built by the generated code) with its path resolved against the base URL
        once per endpoint, by httpx itself: given the path, httpx parses it and the base URL
        again on every request, ~20 us of each call. The URL sent is the same."""
        path = request["url"]
        url = self._urls.get(path)
        if url is None:
            url = self._urls[path] = self._http.build_request("DELETE", path).url
        request["url"] = url
        return request

    @staticmethod
    def _market_request(market: str | None, asset_id: str | None) -> CancelMarketOrdersRequest:
        if market is None and asset_id is None:
            raise ValueError(
                "cancel_market_orders needs market and/or asset_id; to cancel every order of the "
                "account, call cancel_all() explicitly"
            )
        # Only the filters given: the bytes py-clob-client-v2 sends.
        return CancelMarketOrdersRequest(
            market=UNSET if market is None else _check_filter("market", market),
            asset_id=UNSET if asset_id is None else _check_filter("asset_id", asset_id),
        )


_DOCS = """

    ``base_url`` is the CLOB's root (e.g. ``POLYMARKET_CLOB_URL``); ``creds`` the L2 API
    credentials; the signer's ``address`` is given, or derived from ``private_key`` (which needs
    eth-account; the key is used for nothing else). Options:

    - ``timeout``: an ``httpx.Timeout`` or seconds; default ``DEFAULT_TIMEOUT`` (10 s, 5 s to
      connect).
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
      the signature and passphrase to another origin.
    - ``allow_insecure_http``: plain ``http://`` is refused for a host that is not loopback
      (127.0.0.0/8, ::1, localhost), since the passphrase would travel in cleartext; ``True``
      allows it (a trusted network, a TLS-terminating sidecar).
    - ``clock`` and ``sleep``: injectable for tests.
"""


class CancelClient(_Base):
    __doc__ = (
        """Cancel orders on a CLOB over one keep-alive connection pool; use it as a context
    manager (or call ``close()``). Every method returns the server's ``CancelOrdersResponse``:
    read ``not_canceled``, a 200 does not mean everything was canceled."""
        + _DOCS
    )

    _http: httpx.Client

    def __init__(
        self,
        base_url: str,
        creds: ApiCreds,
        address: str | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(base_url, creds, address, **options)
        self._sleep = sleep
        self._http = httpx.Client(**self._http_options)
        self._api.set_httpx_client(self._http)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def cancel(self, order_id: str) -> CancelOrdersResponse:
        """Cancel one order (DELETE /order)."""
        body = CancelOrderRequest(order_id=_check_id(order_id, "order_id"))
        return self._send(_cancel_order, _cancel_order._get_kwargs(body=body), [order_id])

    def cancel_orders(
        self, order_ids: Iterable[str], *, progress: Callable[[int, int], None] | None = None
    ) -> CancelOrdersResponse:
        """Cancel several orders (DELETE /orders), in one request with the ids as given (the
        server ignores duplicates). More than ``max_ids_per_request`` ids go, each id once, in
        consecutive requests whose answers are merged; after a request fails for good no further
        one is sent, and its error carries ``.partial``, ``.unknown_ids`` and ``.untouched_ids``
        (see :class:`CancelError`). ``progress(done, total)`` is called after each answered request,
        counting the ids sent; an exception it raises is logged.

        Under a per-signer rate limit, each request carries at most the tier's burst (a larger
        batch is never admitted) and waits, within the retry budget, until the bucket can cover
        it rather than run into a 429."""
        batches = _Batches(_check_ids(order_ids), self._pacer.batch_limit(self._max_ids), progress)
        while (item := batches.take(self._pacer.batch_limit(self._max_ids))) is not None:
            key, chunk = item
            request = _cancel_orders._get_kwargs(body=chunk)
            try:
                answer = self._send(_cancel_orders, request, chunk, cost=len(chunk))
            except _Oversized:
                batches.split(key, chunk, self._pacer.batch_limit(self._max_ids))
                continue
            except CancelError as error:
                batches.record(key, chunk, error)
                break
            batches.record(key, chunk, answer)
        return batches.result()

    def cancel_all(self) -> CancelOrdersResponse:
        """Cancel every open order of the account (DELETE /cancel-all)."""
        return self._send(_cancel_all, _cancel_all._get_kwargs())

    def cancel_market_orders(
        self, market: str | None = None, asset_id: str | None = None
    ) -> CancelOrdersResponse:
        """Cancel the open orders of one market (condition id) and/or one asset (token id)
        (DELETE /cancel-market-orders). Giving neither is refused with ValueError, although the
        server would then cancel everything: a kill switch must not cancel all by omission, so
        call ``cancel_all()`` for that."""
        body = self._market_request(market, asset_id)
        return self._send(_cancel_market_orders, _cancel_market_orders._get_kwargs(body=body))

    def send_heartbeat(self, heartbeat_id: str = "", *, timeout: float | None = None) -> str:
        """Send one order heartbeat (POST /v1/heartbeats) and return the id to send next.

        The first accepted heartbeat ARMS the server's dead-man's switch for the whole API key
        (every process using it): from then on, when no heartbeat is accepted for 10 s, the
        server cancels every open order of the key. There is no disarm. Sent once, never
        retried (a retried send may find the chain moved on); :meth:`heartbeat` keeps it up.
        Raises :class:`HeartbeatMismatchError` (``.expected_id``) when the server expects
        another id, any other :class:`CancelError` otherwise. ``timeout`` bounds this send."""
        self._sync_clock_once()
        answer = attempt(
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
    ) -> HeartbeatKeeper:
        """A :class:`HeartbeatKeeper` for this client (not started: use it as a context manager
        or call ``start()``). Read its warning: arming covers the whole API key, and stopping
        means the server cancels every open order of the key after the deadline."""
        return HeartbeatKeeper(
            self, interval=interval, deadline=deadline, on_failure=on_failure, on_lapse=on_lapse
        )

    def measure_clock_offset(self) -> float:
        """Read GET /time and sign with the server's clock from now on; returns the offset in
        seconds (server minus local). Raises a CancelError when the read fails."""
        sent = self._clock()
        request = _get_server_time._get_kwargs()
        answer = attempt(_get_server_time, request, int, api=self._api, clock=self._clock)
        return self._set_offset(answer, sent)

    def _sync_clock_once(self) -> None:
        if self._clock_pending:
            self._clock_pending = False
            # On failure sign with the local clock; a 401 will say if the clock is off.
            with contextlib.suppress(CancelError):
                self.measure_clock_offset()

    def _send(
        self,
        endpoint: ModuleType,
        request: dict[str, Any],
        requested: Sequence[str] | None = None,
        cost: int = 1,
    ) -> CancelOrdersResponse:
        """One cancel, retried as the policy allows, its answer reconciled with ``requested``
        (the ids the request names; None for /cancel-all and the market cancel)."""
        self._sync_clock_once()
        request = self._resolve(request)
        started = self._clock()
        retries_done = 0
        while True:
            wait, reservation = self._pace(request, cost, started)
            if wait:
                self._sleep(wait)
            result = attempt(
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
            self._pacer.release(reservation)  # answered (done already) or failed without one
            if not isinstance(result, CancelError):
                return reconcile(operation_name(endpoint), result, requested)
            self._sleep(self._retry_wait(request, result, retries_done, started, requested, cost))
            retries_done += 1
