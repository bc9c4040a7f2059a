"""One attempt of a generated call: send the request the generated code built (signed by
:class:`L2Auth` over the exact bytes), then judge the answer with the generated parser: the
expected model, or a :class:`CancelError` to raise or retry.

The overlay sends what a generated endpoint module's ``build_request`` builds and parses with
its ``parse_response`` (typed: :class:`Endpoint`), rather than calling its ``sync_detailed``:
that keeps the httpx answer in hand (status, headers and raw body, for errors) and skips the
generic ``Response`` wrapper and its ``HTTPStatus`` lookup (bench/README.md, "Where the time
goes").
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator
from typing import Any, Protocol, TypeVar

import httpx

from clob_cancel_client import AuthenticatedClient, Client
from clob_cancel_client.models import CancelOrdersResponse, ErrorResponse, HeartbeatMismatch

from .budget import AnswerTooLarge
from .errors import (
    CancelError,
    HeartbeatMismatchError,
    TransportError,
    error_for_answer,
    retry_after_seconds,
    server_clock_skew,
)
from .ratelimit import CancelPacer, Reservation
from .signing import ApiCreds, l2_headers

T = TypeVar("T")


class Endpoint(Protocol):
    """A generated endpoint module (``clob_cancel_client.api.<tag>.<operationId>``), as the
    overlay uses it: mypy checks each module passed against this, so a generator upgrade that
    changes the seam fails the type check, not a cancel at run time."""

    __name__: str

    def parse_response(
        self, *, client: AuthenticatedClient | Client, response: httpx.Response
    ) -> object: ...


_UNSIGNED_PATHS = frozenset({"/time"})  # no credentials on the unauthenticated server-time read
_SKEW_HINT_SECONDS = 5.0
_FRESH_KEY_SECONDS = 120.0
# Failures where the request cannot have reached the server: always safe and useful to retry.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
# The connection broke mid-call: the fate is unknown, but a cancel is idempotent, so retry.
_DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
# What a generated parser raises on a body that is not the contract's (not JSON, wrong types).
_MALFORMED = (ValueError, KeyError, TypeError, AttributeError)
# An undocumented answer is quoted up to _SNIPPET_CHARS, after scrubbing its first _SCRUBBED_BYTES
# (longer than any snippet plus any secret, however encoded).
_SNIPPET_CHARS = 200
_SCRUBBED_BYTES = 16384


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
            signed = l2_headers(
                self.creds, self.address, timestamp, request.method, path, request.content
            )
            # Appended as one new Headers: setting five names one by one scans the list for each,
            # Headers.update() looks each up through a KeyError (bench/README.md, "Measurements
            # behind the code").
            # Nothing else sets a POLY_ header (the clients refuse them in their options).
            pairs = [(name.encode(), value.encode()) for name, value in signed.items()]
            request.headers = httpx.Headers(request.headers.raw + pairs)
        yield request

    def __repr__(self) -> str:
        return f"L2Auth(address={self.address!r}, creds={self.creds!r})"


class HeadersAuth(httpx.Auth):
    """Adds headers computed afresh for each attempt (the L1 headers)."""

    def __init__(self, make_headers: Callable[[], dict[str, str]]) -> None:
        self.make_headers = make_headers

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self.make_headers())
        yield request


def operation_name(endpoint: Endpoint) -> str:
    """The operation a generated endpoint module performs (its operationId), for errors."""
    return endpoint.__name__.rpartition(".")[2]


def echo_pattern(secret: str) -> str:
    """A pattern for ``secret`` as a server or proxy may echo it: each character as it is,
    %-encoded (either case), JSON-escaped (``\\u00XX``, ``\\/``, ``\\"``), or as an HTML character
    reference, and a space also as ``+``."""
    import html  # here, on the error path: its entity table would slow every start-up

    parts = []
    for char in secret:
        code = ord(char)
        hexes = f"(?i:%{code:02x}|\\\\u{code:04x}|&#x0*{code:x};)"
        forms = [re.escape(char), hexes, f"&#0*{code};"]
        if char == " ":
            forms.append(r"\+")
        elif char in '/"\\':  # JSON's two-character escapes
            forms.append(re.escape("\\" + char))
        if (escaped := html.escape(char)) != char:
            forms.append(re.escape(escaped))
        parts.append(f"(?:{'|'.join(forms)})")
    return "".join(parts)


def _scrub(
    text: str, creds: ApiCreds | None, answer: httpx.Response | httpx.Request | None = None
) -> str:
    """The server's text without our secret, passphrase or signature (that of ``answer``'s
    request), should it echo them, as they are or encoded (:func:`echo_pattern`). The base64 values
    are matched without their ``=`` padding, which an echo may drop or encode."""
    secrets = [creds.api_secret.rstrip("="), creds.api_passphrase] if creds is not None else []
    if answer is not None:
        request = answer.request if isinstance(answer, httpx.Response) else answer
        secrets.append(request.headers.get("POLY_SIGNATURE", "").rstrip("="))
    for secret in filter(None, secrets):
        text = text.replace(secret, "***")
        if any(mark in text for mark in "%\\&+"):  # perhaps an encoded echo
            text = re.sub(echo_pattern(secret), "***", text)
    return text


def _auth_cause(
    error: CancelError, headers: httpx.Headers, now: float, offset: float, creds: ApiCreds | None
) -> None:
    """Sets a 401's likely cause, and its hint, on ``error``."""
    error.clock_skew = server_clock_skew(headers, now + offset)
    if creds is not None and creds.created_at is not None:
        error.credentials_age = now - creds.created_at
    if error.clock_skew is not None and abs(error.clock_skew) > _SKEW_HINT_SECONDS:
        error.auth_cause = "clock_skew"
    elif error.credentials_age is not None and error.credentials_age < _FRESH_KEY_SECONDS:
        error.auth_cause = "new_credentials"
    else:
        error.auth_cause = "credentials"
    error.hint = error.hint_for("sync_clock=True")


def parse_answer(
    endpoint: Endpoint,
    answer: httpx.Response,
    ok: type[T],
    *,
    api: AuthenticatedClient,
    now: float,
    offset: float = 0.0,
    creds: ApiCreds | None = None,
) -> T | CancelError:
    """The expected model of a 200 answer (parsed by the generated parser), or the error for
    anything else."""
    try:
        parsed = endpoint.parse_response(client=api, response=answer)
    except _MALFORMED as exc:  # e.g. a proxy's HTML 503 under a documented status
        error = off_contract_error(endpoint, answer, answer.content, now, creds)
        error.__cause__ = exc
        return error
    status = answer.status_code
    # The generated parser casts `canceled` without looking: a string there would be merged
    # character by character, so it is checked here.
    if (
        status == 200
        and isinstance(parsed, ok)
        and (not isinstance(parsed, CancelOrdersResponse) or isinstance(parsed.canceled, list))
    ):
        return parsed
    if isinstance(parsed, HeartbeatMismatch) and status == 400:
        expected = parsed.heartbeat_id
        message = _scrub(str(parsed.error_msg), creds, answer)
        return HeartbeatMismatchError(
            operation_name(endpoint),
            f"HTTP 400: {message} (the server expects heartbeat id {expected!r})",
            expected_id=expected,
            server_message=message,
        )
    if isinstance(parsed, ErrorResponse) and status != 200:
        error = error_for_answer(
            operation_name(endpoint),
            status,
            _scrub(str(parsed.error), creds, answer),
            retry_after=retry_after_seconds(answer.headers, parsed.retry_after_seconds, now),
            code=_scrub(parsed.code, creds, answer) if isinstance(parsed.code, str) else None,
        )
        if status == 401:
            _auth_cause(error, answer.headers, now, offset, creds)
        return error
    return off_contract_error(endpoint, answer, answer.content, now, creds)


def off_contract_error(
    endpoint: Endpoint,
    answer: httpx.Response,
    content: bytes,
    now: float,
    creds: ApiCreds | None,
) -> CancelError:
    """The error for an answer that is not the contract's (status or body): its start, scrubbed
    before it is cut (a secret straddling the cut would leave its first characters)."""
    text = _scrub(content[:_SCRUBBED_BYTES].decode("utf-8", "replace"), creds, answer)
    snippet = " ".join(text.split())[:_SNIPPET_CHARS]
    return error_for_answer(
        operation_name(endpoint),
        answer.status_code,
        snippet or None,
        retry_after=retry_after_seconds(answer.headers, None, now),
        documented=False,
    )


def request_error(
    endpoint: Endpoint,
    exc: httpx.RequestError,
    answer: httpx.Response | None,
    now: float,
    creds: ApiCreds | None,
) -> CancelError:
    """The error for a request that got no usable answer. Raises ``exc`` when it is not ours to
    translate (a bug to let through)."""
    if isinstance(exc, httpx.TransportError):
        sent = not isinstance(exc, _NOT_SENT)
        kind = type(exc).__name__
        detail = f"no answer ({kind}{': ' + str(exc) if str(exc) else ''})"
        try:
            request: httpx.Request | None = exc.request
        except RuntimeError:  # raised without one
            request = None
        error: CancelError = TransportError(
            operation_name(endpoint), _scrub(detail, creds, request), fate_unknown=sent
        )
        error.retryable = not sent or isinstance(exc, _DROPPED)
        error.changed_nothing = not sent
    elif isinstance(exc, httpx.DecodingError) and answer is not None:  # a bad Content-Encoding
        error = off_contract_error(endpoint, answer, b"", now, creds)
    else:
        raise exc
    error.__cause__ = exc
    return error


def _judged(
    endpoint: Endpoint,
    answer: httpx.Response,
    ok: type[T],
    api: AuthenticatedClient,
    now: float,
    offset: float,
    creds: ApiCreds | None,
    pacer: CancelPacer | None,
    reservation: Reservation | None,
) -> T | CancelError:
    state = pacer.observe(answer.headers, now, reservation) if pacer is not None else None
    result = parse_answer(endpoint, answer, ok, api=api, now=now, offset=offset, creds=creds)
    if state is not None and isinstance(result, CancelError):
        result.rate_limit = state
    return result


def too_large(operation: str) -> CancelError:
    """The error of an attempt whose answer passed the byte cap (the attempt's budget): sent, so
    its fate is unknown; not retried (the same answer would come again)."""
    error = TransportError(
        operation,
        "the answer is larger than any real answer (over 4 MiB): not read further",
        fate_unknown=True,
    )
    error.retryable = False
    return error


def attempt(
    endpoint: Endpoint,
    request: dict[str, Any],
    ok: type[T],
    *,
    api: AuthenticatedClient,
    clock: Callable[[], float],
    offset: float = 0.0,
    creds: ApiCreds | None = None,
    pacer: CancelPacer | None = None,
    reservation: Reservation | None = None,
) -> T | CancelError:
    """Send ``request`` (what ``endpoint.build_request`` built) once on ``api``'s httpx client;
    the expected model, or the error it ended in. ``pacer`` takes in every answer's
    rate-limit headers, as the answer to ``reservation``."""
    http = api.get_httpx_client()
    answer = None
    try:
        answer = http.send(http.build_request(**request), stream=True)
        try:
            answer.read()
        finally:
            answer.close()
    except httpx.RequestError as exc:
        return request_error(endpoint, exc, answer, clock(), creds)
    except AnswerTooLarge:
        return too_large(operation_name(endpoint))
    return _judged(endpoint, answer, ok, api, clock(), offset, creds, pacer, reservation)


async def attempt_async(
    endpoint: Endpoint,
    request: dict[str, Any],
    ok: type[T],
    *,
    api: AuthenticatedClient,
    clock: Callable[[], float],
    offset: float = 0.0,
    creds: ApiCreds | None = None,
    pacer: CancelPacer | None = None,
    reservation: Reservation | None = None,
) -> T | CancelError:
    """:func:`attempt` on ``api``'s async httpx client."""
    http = api.get_async_httpx_client()
    answer = None
    try:
        answer = await http.send(http.build_request(**request), stream=True)
        try:
            await answer.aread()
        finally:
            await answer.aclose()
    except httpx.RequestError as exc:
        return request_error(endpoint, exc, answer, clock(), creds)
    except AnswerTooLarge:
        return too_large(operation_name(endpoint))
    return _judged(endpoint, answer, ok, api, clock(), offset, creds, pacer, reservation)
