"""One attempt of a generated call: sign the request httpx actually sends, then turn the answer
(or the lack of one) into the expected model or a :class:`CancelError` to raise or retry."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Generator
from contextvars import ContextVar
from typing import Any, TypeVar

import httpx

from clob_cancel_client.models import CancelOrdersResponse, ErrorResponse
from clob_cancel_client.types import Response

from .errors import (
    CancelError,
    TransportError,
    error_for_answer,
    retry_after_seconds,
    server_clock_skew,
)
from .signing import ApiCreds, l2_headers

T = TypeVar("T")

# The last answer received in this context (thread or task). The generated parsers raise
# ValueError on a documented status whose body is not JSON (e.g. a proxy's HTML 503) and the
# answer is lost with it; this keeps its status and headers for the error.
_last_answer: ContextVar[httpx.Response | None] = ContextVar("clob_cancel_answer", default=None)

_UNSIGNED_PATHS = frozenset({"/time"})  # no credentials on the unauthenticated server-time read
_SKEW_HINT_SECONDS = 5.0
_FRESH_KEY_SECONDS = 120.0
# Failures where the request cannot have reached the server: always safe and useful to retry.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
# The connection broke mid-call: the fate is unknown, but a cancel is idempotent, so retry.
_DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class L2Auth(httpx.Auth):
    """Adds the five L2 headers to every request, signing the exact body bytes httpx sends (never
    a second serialization) with a fresh timestamp on each attempt. One instance serves a sync and
    an async client.

    The signed path is the request path relative to the base URL's own path, so that a base URL
    behind a path prefix (``https://proxy/clob``) signs ``/order`` like the official clients.
    """

    requires_request_body = True

    def __init__(
        self,
        creds: ApiCreds,
        address: str,
        *,
        clock: Callable[[], float] = time.time,
        path_prefix: str = "",
    ) -> None:
        self.creds = creds
        self.address = address
        self.clock = clock
        self.offset = 0.0  # seconds added to the clock: the server's clock minus ours
        self._prefix = path_prefix.rstrip("/")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        path = request.url.path
        if self._prefix and path.startswith(self._prefix):
            path = path[len(self._prefix) :]
        if path not in _UNSIGNED_PATHS:
            timestamp = int(self.clock() + self.offset)
            headers = request.headers
            # One by one: Headers.update() builds a Headers and looks each key up through a
            # KeyError, ~3.5 us more per call.
            for name, value in l2_headers(
                self.creds, self.address, timestamp, request.method, path, request.content
            ).items():
                headers[name] = value
        _last_answer.set((yield request))

    def __repr__(self) -> str:
        return f"L2Auth(address={self.address!r}, creds={self.creds!r})"


class HeadersAuth(httpx.Auth):
    """Adds headers computed afresh for each attempt (the L1 headers)."""

    def __init__(self, make_headers: Callable[[], dict[str, str]]) -> None:
        self.make_headers = make_headers

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self.make_headers())
        _last_answer.set((yield request))


def _scrub(text: str, creds: ApiCreds | None) -> str:
    """The server's text without our secret, passphrase or signature, should it echo them."""
    secrets = [creds.api_secret, creds.api_passphrase] if creds is not None else []
    answer = _last_answer.get()
    if answer is not None:
        secrets.append(answer.request.headers.get("POLY_SIGNATURE", ""))
    for secret in filter(None, secrets):
        text = text.replace(secret, "***")
    return text


def _auth_hint(headers: httpx.Headers, now: float, offset: float, creds: ApiCreds | None) -> str:
    skew = server_clock_skew(headers, now + offset)
    if skew is not None and abs(skew) > _SKEW_HINT_SECONDS:
        return (
            f"this machine's clock is {-skew:+.0f} s off the server's (its Date header), and "
            "signatures carry a timestamp: fix the system clock or pass sync_clock=True"
        )
    if creds is not None and creds.created_at is not None:
        age = now - creds.created_at
        if age < _FRESH_KEY_SECONDS:
            return (
                f"these API credentials were created {age:.0f} s ago and new keys take a short "
                "while to become valid: wait a few seconds and retry"
            )
    return (
        "check the API key, secret and passphrase, and that the address is the one the key was "
        "created for; a clock more than a few seconds off also causes this (sync_clock=True)"
    )


def interpret(
    operation: str,
    answer: Response[Any],
    ok: type[T],
    *,
    now: float,
    offset: float = 0.0,
    creds: ApiCreds | None = None,
) -> T | CancelError:
    """The expected model of a 200 answer, or the error for anything else."""
    parsed = answer.parsed
    status = int(answer.status_code)
    # The generated parser casts `canceled` without looking: a string there would be merged
    # character by character, so it is checked here.
    if (
        status == 200
        and isinstance(parsed, ok)
        and (not isinstance(parsed, CancelOrdersResponse) or isinstance(parsed.canceled, list))
    ):
        return parsed
    if isinstance(parsed, ErrorResponse) and status != 200:
        return error_for_answer(
            operation,
            status,
            _scrub(str(parsed.error), creds),
            retry_after=retry_after_seconds(answer.headers, parsed.retry_after_seconds, now),
            hint=_auth_hint(httpx.Headers(answer.headers), now, offset, creds)
            if status == 401
            else None,
        )
    return unexpected(operation, status, answer.content, answer.headers, now, creds)


def unexpected(
    operation: str,
    status: int,
    content: bytes,
    headers: Any,
    now: float,
    creds: ApiCreds | None,
) -> CancelError:
    """The error for an answer that is not the contract's (status or body)."""
    snippet = " ".join(content[:200].decode("utf-8", "replace").split())
    return error_for_answer(
        operation,
        status,
        _scrub(snippet, creds) or None,
        retry_after=retry_after_seconds(headers, None, now),
        documented=False,
    )


def failure(
    operation: str, exc: Exception, now: float, creds: ApiCreds | None
) -> CancelError | None:
    """The error for an exception raised by a generated call, or None when it is not ours to
    translate (a bug to let through)."""
    if isinstance(exc, httpx.TransportError):
        sent = not isinstance(exc, _NOT_SENT)
        kind = type(exc).__name__
        detail = f"no answer ({kind}{': ' + str(exc) if str(exc) else ''})"
        error: CancelError = TransportError(operation, _scrub(detail, creds), fate_unknown=sent)
        error.retryable = not sent or isinstance(exc, _DROPPED)
        error.__cause__ = exc
        return error
    if isinstance(exc, httpx.DecodingError | ValueError | KeyError | TypeError | AttributeError):
        answer = _last_answer.get()
        if answer is None:
            return None
        try:
            content = answer.content
        except httpx.ResponseNotRead:  # the body could not be decoded (DecodingError)
            content = b""
        error = unexpected(operation, answer.status_code, content, answer.headers, now, creds)
        error.__cause__ = exc
        return error
    return None


def attempt(
    operation: str,
    call: Callable[[], Response[Any]],
    ok: type[T],
    *,
    clock: Callable[[], float],
    offset: float = 0.0,
    creds: ApiCreds | None = None,
) -> T | CancelError:
    """Make one call; the expected model, or the error it ended in."""
    _last_answer.set(None)
    try:
        answer = call()
    except Exception as exc:
        error = failure(operation, exc, clock(), creds)
        if error is None:
            raise
        return error
    return interpret(operation, answer, ok, now=clock(), offset=offset, creds=creds)


async def attempt_async(
    operation: str,
    call: Callable[[], Awaitable[Response[Any]]],
    ok: type[T],
    *,
    clock: Callable[[], float],
    offset: float = 0.0,
    creds: ApiCreds | None = None,
) -> T | CancelError:
    """:func:`attempt` for a coroutine."""
    _last_answer.set(None)
    try:
        answer = await call()
    except Exception as exc:
        error = failure(operation, exc, clock(), creds)
        if error is None:
            raise
        return error
    return interpret(operation, answer, ok, now=clock(), offset=offset, creds=creds)
