"""What a failed call raises: :class:`CancelError` and one subclass per kind of failure, each
naming the operation, the HTTP status and the server's own text, and never a secret, passphrase or
signature. Bad input (an empty id, both market filters missing, ...) is refused before anything is
sent with a plain ``ValueError`` or ``TypeError``, never with one of these.
"""

from __future__ import annotations

import datetime
import email.utils
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar

if TYPE_CHECKING:
    from clob_cancel_client.models import CancelOrdersResponse

    from .ratelimit import RateLimitState

Restriction: TypeAlias = Literal["restarting", "post_only", "cancel_only", "trading_disabled"]
"""A trading restriction the CLOB reported (polymarket-client's ``restriction``, plus
``trading_disabled``): ``restarting`` (425: the matching engine restarts, cancels refused for
~90 s), ``post_only`` and ``cancel_only`` (503 for new orders; cancels are accepted, so a cancel
refused with these is the server's fault), ``trading_disabled`` (503: cancels refused too)."""

AuthCause: TypeAlias = Literal["clock_skew", "new_credentials", "credentials"]
"""What a 401 most likely means: this machine's clock is off the server's (its Date header says
by how much), the API credentials are too new to be valid yet, or they (or the address) are
wrong."""

_MAX_TEXT = 300  # the server's text is quoted up to this many characters

PYTHON_NAMES = (".partial", ".unknown_ids", ".untouched_ids")
"""Where a Python caller finds what a failed call did to each id (:meth:`CancelError.describe`)."""


def auth_hint(
    cause: AuthCause,
    clock_skew: float | None,
    credentials_age: float | None,
    sync_clock: str = "sync_clock=True",
) -> str:
    """The hint for a 401; ``sync_clock`` is how the reader turns clock sync on (the CLI: its
    ``--sync-clock`` option)."""
    if cause == "clock_skew" and clock_skew is not None:
        return (
            f"this machine's clock is {-clock_skew:+.0f} s off the server's (its Date header), "
            f"and signatures carry a timestamp: fix the system clock or pass {sync_clock}"
        )
    if cause == "new_credentials" and credentials_age is not None:
        return (
            f"these API credentials were created {credentials_age:.0f} s ago and new keys take a "
            "short while to become valid: wait a few seconds and retry"
        )
    return (
        "check the API key, secret and passphrase, and that the address is the one the key was "
        f"created for; a clock more than a few seconds off also causes this ({sync_clock})"
    )


class CancelError(Exception):
    """A call to the CLOB failed.

    Attributes:
        operation: the call ("cancel_order", "cancel_orders", "cancel_all", "cancel_market_orders",
            "get_server_time", "create_api_key", "derive_api_key").
        status: the HTTP status of the answer, None when there was none.
        server_message: the server's ``error`` text (or the start of a non-JSON body), or None.
        retry_after: seconds the server asked to wait (Retry-After or ``retry_after_seconds``).
        fate_unknown: True when the request may have been processed although no answer says so
            (a read timeout, a 500): check the orders' state, or cancel them again (idempotent).
        hint: what the cause probably is, where the client can tell (e.g. clock skew on a 401).
        auth_cause: for a 401, its likely cause (:data:`AuthCause`), from which ``hint`` is
            written; ``clock_skew`` (seconds the server's clock is ahead, from its Date header)
            and ``credentials_age`` (seconds since the credentials were created) where known.
        retryable: whether sending the same request again later may succeed (425, 429, 503,
            connection failures); the client has already retried these as its policy allows.
        attempts: how many times the request was sent, retries included.
        partial: for ``cancel_orders`` sent in several chunks, the merged answer of the chunks that
            succeeded before this one failed; for an answer that broke the contract, what it said
            of the ids it was asked about; None otherwise.
        unknown_ids: the requested ids whose fate is unknown: the request may have canceled them
            (a timeout, a dropped connection, a 5xx, an answer that left them out).
        untouched_ids: the requested ids this call certainly did not cancel: their request was
            refused whole (400, 401, 425, 429, 503: nothing changed) or never sent. Every
            requested id is in ``partial``, ``unknown_ids`` or here, so nothing is lost.
        changed_nothing: whether this failure is one that changed nothing on the server.
        code: the machine-readable ``code`` of the error body, where the server gave one.
        restriction: the trading restriction behind a 425 or 503 (see :data:`Restriction`).
        rate_limit: what the answer's ``Poly-RateLimit-*`` headers said, where it had them.
    """

    def __init__(
        self,
        operation: str,
        detail: str,
        *,
        status: int | None = None,
        server_message: str | None = None,
        retry_after: float | None = None,
        fate_unknown: bool = False,
        hint: str | None = None,
        code: str | None = None,
        restriction: Restriction | None = None,
    ) -> None:
        super().__init__(detail)
        self.operation = operation
        self.detail = detail
        self.status = status
        self.server_message = server_message
        self.retry_after = retry_after
        self.fate_unknown = fate_unknown
        self.hint = hint
        self.code = code
        self.restriction = restriction
        self.auth_cause: AuthCause | None = None
        self.clock_skew: float | None = None
        self.credentials_age: float | None = None
        self.rate_limit: RateLimitState | None = None
        self.partial: CancelOrdersResponse | None = None
        self.unknown_ids: tuple[str, ...] = ()
        self.untouched_ids: tuple[str, ...] = ()
        self.changed_nothing = False
        self.attempts = 1
        self.retryable = status in (425, 429, 503)

    def __str__(self) -> str:
        return self.describe()

    def hint_for(self, sync_clock: str) -> str | None:
        """``hint``, naming clock sync as the reader turns it on (``--sync-clock`` in the CLI)."""
        if self.auth_cause is None:
            return self.hint
        return auth_hint(self.auth_cause, self.clock_skew, self.credentials_age, sync_clock)

    def describe(
        self,
        *,
        sync_clock: str = "sync_clock=True",
        accounting: tuple[str, str, str] | None = PYTHON_NAMES,
    ) -> str:
        """The message, for a reader who turns clock sync on with ``sync_clock`` and finds the
        answered, unknown and untouched ids under the ``accounting`` names (None: leave the
        accounting out, e.g. when the ids are listed next to it). ``str(error)`` is the Python
        reader's."""
        text = f"{self.operation}: {self.detail}"
        if self.attempts > 1:
            text += f" (after {self.attempts} attempts)"
        if self.fate_unknown and self.operation == "send_heartbeat":
            text += "; the heartbeat may or may not have been accepted (the next send tells)"
        elif self.fate_unknown:
            text += (
                "; the request may or may not have been processed: check the orders' state "
                "or cancel them again (cancels are idempotent)"
            )
        hint = self.hint_for(sync_clock)
        if hint:
            text += f" (hint: {hint})"
        if self.partial is not None and accounting is not None:
            answered, unknown, untouched = accounting
            text += (
                f"; {len(self.partial.canceled)} canceled and "
                f"{len(self.partial.not_canceled)} not canceled as answered "
                f"(see {answered}), {len(self.unknown_ids)} ids with unknown outcome "
                f"(see {unknown}), {len(self.untouched_ids)} certainly not canceled "
                f"(see {untouched})"
            )
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class BadRequestError(CancelError):
    """400: the server refused the request as malformed; retrying the same request cannot help."""


class AuthError(CancelError):
    """401: unknown key, wrong passphrase or address, bad signature, or a clock too far off
    (``hint`` says which is likely)."""


class RateLimitedError(CancelError):
    """429: the signer's cancel bucket cannot cover the request (or the edge's per-IP limit);
    ``retry_after`` says how long to wait, ``rate_limit`` what the headers said."""


class UnavailableError(CancelError):
    """425 (matching engine restarting), 503 (trading disabled) or 500 (fate unknown);
    ``restriction`` names the trading restriction where the answer says which."""


class HeartbeatMismatchError(CancelError):
    """400 "Invalid Heartbeat ID": the heartbeat's id is not the one the server expects;
    ``expected_id`` is the one to send instead (possibly empty). The rejected send did not
    refresh the server's deadline."""

    def __init__(self, operation: str, detail: str, *, expected_id: str, **kwargs: Any) -> None:
        super().__init__(operation, detail, status=400, **kwargs)
        self.expected_id = expected_id


class HeartbeatLapsedError(CancelError):
    """No heartbeat was accepted within the deadline: the server cancels, or has canceled,
    every open order of the API key. ``__cause__`` is the last failure."""


class TransportError(CancelError):
    """No HTTP answer (connection refused or dropped, timeout, TLS or proxy failure)."""


class UnexpectedAnswerError(CancelError):
    """An answer the contract does not describe: an undocumented status or a non-JSON body."""


class CancelInterrupted(CancelError):
    """The call was interrupted before it ended: ``KeyboardInterrupt`` (or another
    ``BaseException`` such as a signal handler's) in the sync client, task cancellation
    (``task.cancel()``, ``asyncio.wait_for``, ``asyncio.timeout``) in the async one. It is never
    raised itself, so that the interrupt still propagates as it should: it is the interrupt's
    ``__cause__``, found with :func:`interruption_of`, and says what became of each id
    (``.partial``, ``.unknown_ids``: a request was in flight or its answer lost,
    ``.untouched_ids``: never sent, or refused whole)."""


def interruption_of(exc: BaseException | None) -> CancelInterrupted | None:
    """The :class:`CancelInterrupted` behind ``exc`` (a ``KeyboardInterrupt``, a
    ``CancelledError``, or the ``TimeoutError`` that ``asyncio.wait_for``/``asyncio.timeout``
    raise from one), by its ``__cause__``/``__context__`` chain; None when the interrupt did not
    come through a cancel call."""
    return in_chain(exc, CancelInterrupted)


_Found = TypeVar("_Found", bound=BaseException)


def in_chain(exc: BaseException | None, kind: type[_Found]) -> _Found | None:
    """The first exception of ``kind`` in ``exc``'s ``__cause__``/``__context__`` chain, ``exc``
    itself included (a cycle in the chain ends the search); None when there is none."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


LOST_ANSWER_REASON = "possibly canceled by an earlier attempt whose answer was lost"
"""How ``not_canceled`` gives an id that a retry found "not found or already canceled" after an
attempt of unknown fate (a dropped connection, a timeout) of the same call: most likely that
attempt canceled it. The server's own reason follows, after ``"; the retry was answered: "``."""


_BY_STATUS: dict[int, type[CancelError]] = {
    400: BadRequestError,
    401: AuthError,
    425: UnavailableError,
    429: RateLimitedError,
    500: UnavailableError,
    503: UnavailableError,
}


_RESTRICTION_HINTS: dict[Restriction, str] = {
    "restarting": "the matching engine is restarting (weekly, ~90 s); cancels work again after",
    "post_only": "post-only mode accepts cancels: a cancel refused in it is the server's fault",
    "cancel_only": "cancel-only mode accepts cancels: a cancel refused in it is the server's fault",
    "trading_disabled": "trading is disabled: the exchange accepts no cancels until it resumes",
}


def restriction_of(status: int, message: str | None, code: str | None) -> Restriction | None:
    """The trading restriction a 425 or 503 answer reports, by its status, ``code`` and text (the
    CLOB's cancel-only answer has no code, only its message)."""
    if status == 425:
        return "restarting"
    if status != 503:
        return None
    text = (message or "").lower()
    if code == "post_only_mode" or "post-only" in text:
        return "post_only"
    if "cancel-only" in text:
        return "cancel_only"
    if "disabled" in text:
        return "trading_disabled"
    return None


def error_for_answer(
    operation: str,
    status: int,
    server_message: str | None,
    *,
    retry_after: float | None = None,
    hint: str | None = None,
    documented: bool = True,
    code: str | None = None,
) -> CancelError:
    """The error for a non-200 answer; ``documented=False`` when its body was not the contract's."""
    cls = _BY_STATUS.get(status, UnexpectedAnswerError) if documented else UnexpectedAnswerError
    text = server_message[:_MAX_TEXT] if server_message else None
    code = code[:_MAX_TEXT] if code else None
    restriction = restriction_of(status, text, code)
    detail = f"HTTP {status}" + (f": {text}" if text else "")
    if code:
        detail += f" [{code}]"
    if not documented:
        detail += " (an answer the contract does not document)"
    if retry_after is not None:
        detail += f" (retry after {retry_after:g} s)"
    if restriction is not None and hint is None:
        hint = _RESTRICTION_HINTS[restriction]
    error = cls(
        operation,
        detail,
        status=status,
        server_message=text,
        retry_after=retry_after,
        fate_unknown=status in (500, 502, 504),  # a server or gateway failed mid-request
        hint=hint,
        code=code,
        restriction=restriction,
    )
    # The contract's refusals: the request was refused whole, nothing was canceled.
    error.changed_nothing = documented and status in (400, 401, 425, 429, 503)
    return error


def http_date(value: str) -> float | None:
    """The unix time of an HTTP-date (RFC 9110: IMF-fixdate, or the obsolete RFC 850 and asctime
    forms), None when ``value`` is not one. A date without a zone (asctime) or with ``-0000`` is
    GMT, as every HTTP-date is, never this machine's local time."""
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.timestamp()


def retry_after_seconds(
    headers: Mapping[str, str], body_seconds: object, now: float
) -> float | None:
    """The longer of the Retry-After header (seconds or HTTP-date) and the body's
    ``retry_after_seconds``; None when neither says anything usable."""
    waits: list[float] = []
    raw = headers.get("retry-after")
    if raw:
        try:
            waits.append(float(raw))
        except ValueError:
            if (when := http_date(raw)) is not None:
                waits.append(when - now)
    if isinstance(body_seconds, int | float) and not isinstance(body_seconds, bool):
        waits.append(float(body_seconds))
    waits = [w for w in waits if math.isfinite(w)]
    return max(0.0, *waits) if waits else None


def server_clock_skew(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server's clock (its Date header) is ahead of ``now``, or None without one."""
    when = http_date(headers.get("date") or "")
    return None if when is None else when - now
