"""CancelClient: the four cancels with input checks, chunking, retries and typed errors around the
generated functions, which alone build the requests. AsyncCancelClient (aio.py) shares all of it
but the I/O (core.py)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
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

from ._call import Endpoint, attempt, operation_name
from .accounting import Batches, after_lost_answer, interrupted, reconcile
from .budget import AttemptBudget, keep_to_budget
from .checks import check_id, check_ids, market_request
from .core import OPTIONS_DOC, ClientCore, ClientOptions
from .defaults import HEARTBEAT_DEADLINE, HEARTBEAT_INTERVAL
from .environment import client_arguments_from_env
from .errors import CancelError, HeartbeatLapsedError, interruption_of
from .heartbeat import HeartbeatKeeper
from .retry import OversizedBatch
from .signing import ApiCreds
from .tier import TierAnswer

if TYPE_CHECKING:
    from .doctor import CheckReport

T = TypeVar("T")


class SyncClientOptions(ClientOptions, total=False):
    """The keyword options of :class:`CancelClient`: both clients' and its own."""

    sleep: Callable[[float], None]


class CancelClient(ClientCore):
    __doc__ = (
        """Cancel orders on a CLOB over one keep-alive connection pool; use it as a context
    manager (or call ``close()``). Every method returns the server's ``CancelOrdersResponse``:
    read ``not_canceled``, a 200 does not mean everything was canceled."""
        + OPTIONS_DOC
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
        keep_to_budget(self._http)
        self._api.set_httpx_client(self._http)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **options: Unpack[SyncClientOptions]
    ) -> Self:
        """A client from CLOB_API_URL, CLOB_API_KEY, CLOB_SECRET, CLOB_PASS_PHRASE and CLOB_ADDRESS
        or PK (the private key, whose address is derived). Every missing variable is named in the
        error (with a near miss that is set). One trailing newline ("\\n" or "\\r\\n") is removed
        from each value, as secret files often end with one; any other whitespace or control
        character in a credential is a :class:`CredentialsError` naming the variable, never its
        value: the rule of :func:`clob_cancel.environment.credential_env`, which every command
        applies. ``options`` are the constructor's keyword options, typed."""
        return cls(**client_arguments_from_env(environ), **options)

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
        body = CancelOrderRequest(order_id=check_id(order_id, "order_id"))
        return self._send(_cancel_order, _cancel_order.build_request(body=body), [order_id])

    def cancel_orders(
        self, order_ids: Iterable[str], *, progress: Callable[[int, int], None] | None = None
    ) -> CancelOrdersResponse:
        """Cancel several orders (DELETE /orders), in one request with the ids as given (the
        server ignores duplicates). More than ``max_ids_per_request`` ids go, each id once, in
        consecutive requests whose answers are merged; after a request fails for good no further
        one is sent, and its error carries ``.partial``, ``.unknown_ids`` and ``.untouched_ids``
        (see :class:`CancelError`). ``progress(done, total)`` is called after each answered request,
        counting the ids sent; an exception it raises is logged. A ``KeyboardInterrupt`` still
        propagates, from a :class:`CancelInterrupted` accounting for every id
        (:func:`interruption_of`).

        Under a per-signer rate limit, each request carries at most the tier's burst (a larger
        batch is never admitted) and waits, within the retry budget, until the bucket can cover
        it rather than run into a 429."""
        ids = check_ids(order_ids)
        if self._tier_read.wanted(ids):
            self._sync_clock_once()
            self._tier_read.run(self._read_tier)
        batches = Batches(ids, self._pacer.batch_limit(self._max_ids), progress)
        try:
            while (item := batches.take(self._pacer.batch_limit(self._max_ids))) is not None:
                key, chunk = item
                request = _cancel_orders.build_request(body=chunk)
                try:
                    answer = self._send(_cancel_orders, request, chunk, cost=len(chunk))
                except OversizedBatch:
                    batches.split(key, chunk, self._pacer.batch_limit(self._max_ids))
                    continue
                except CancelError as error:
                    batches.record(key, chunk, error)
                    break
                except BaseException as exc:  # an interrupt: the request's own accounting
                    why = interruption_of(exc) or interrupted("cancel_orders", exc, chunk, True)
                    batches.record(key, chunk, why)
                    raise
                batches.record(key, chunk, answer)
            return batches.result()
        except BaseException as exc:
            if isinstance(exc, Exception):
                raise
            raise exc from batches.interrupted(interrupted("cancel_orders", exc, None, False))

    def cancel_all(self) -> CancelOrdersResponse:
        """Cancel every open order of the account (DELETE /cancel-all)."""
        return self._send(_cancel_all, _cancel_all.build_request())

    def cancel_market_orders(
        self, market: str | None = None, asset_id: str | None = None
    ) -> CancelOrdersResponse:
        """Cancel the open orders of one market (condition id) and/or one asset (token id)
        (DELETE /cancel-market-orders). Giving neither is refused with ValueError, although the
        server would then cancel everything: a kill switch must not cancel all by omission, so
        call ``cancel_all()`` for that."""
        body = market_request(market, asset_id)
        return self._send(_cancel_market_orders, _cancel_market_orders.build_request(body=body))

    def send_heartbeat(self, heartbeat_id: str = "", *, timeout: float | None = None) -> str:
        """Send one order heartbeat (POST /v1/heartbeats) and return the id to send next.

        The first accepted heartbeat ARMS the server's dead-man's switch for the whole API key
        (every process using it): from then on, when no heartbeat is accepted for 10 s, the
        server cancels every open order of the key. There is no disarm. Sent once, never
        retried (a retried send may find the chain moved on); :meth:`heartbeat` keeps it up.
        Raises :class:`HeartbeatMismatchError` (``.expected_id``) when the server expects
        another id, any other :class:`CancelError` otherwise. ``timeout`` bounds this send."""
        self._sync_clock_once()
        with AttemptBudget(self._heartbeat_seconds(timeout)):
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
        request = _get_server_time.build_request()
        with AttemptBudget(self._attempt_seconds):
            answer = attempt(_get_server_time, request, int, api=self._api, clock=self._clock)
        return self._set_offset(answer, sent)

    def check(self, *, private_key: str | None = None) -> CheckReport:
        """Whether this client's kill switch will work, found out without cancelling or arming
        anything: the URL answers (and TLS verifies), the clock's skew, the credentials are
        accepted, the tier and what it means in time (see :mod:`clob_cancel.doctor`). With
        ``private_key`` (used for an L1 read only), a refused set is pinned to its wrong part."""
        from .checkrun import run_check

        self._sync_clock_once()  # sign as a first cancel would
        target = self._check_target(private_key)
        return run_check(target, self._read, self._clock, self._l1_options())

    def _read(self, endpoint: Endpoint, ok: type[T], request: dict[str, Any]) -> T | CancelError:
        """One attempt of a read (the tier, the doctor's), never retried."""
        return attempt(
            endpoint,
            self._resolve(request),
            ok,
            api=self._api,
            clock=self._clock,
            offset=self._auth.offset,
            creds=self._auth.creds,
        )

    def _read_tier(self, request: dict[str, Any]) -> TierAnswer:
        """One GET /v1/user/rate-limit-tier (see clob_cancel.tier)."""
        return self._read(_get_rate_limit_tier, RateLimitTierResponse, request)

    def _sync_clock_once(self) -> None:
        if self._clock_pending:
            self._clock_pending = False
            # On failure sign with the local clock; a 401 will say if the clock is off.
            with contextlib.suppress(CancelError):
                self.measure_clock_offset()

    def _send(
        self,
        endpoint: Endpoint,
        request: dict[str, Any],
        requested: Sequence[str] | None = None,
        cost: int = 1,
    ) -> CancelOrdersResponse:
        """One cancel, retried as the policy allows, its answer reconciled with ``requested``
        (the ids the request names; None for /cancel-all and the market cancel)."""
        retries_done = 0
        lost = sending = False  # an attempt's answer was lost / an attempt is in flight
        reservation = None
        try:
            self._sync_clock_once()
            request = self._resolve(request)
            started = self._clock()
            while True:
                wait, reservation = self._pace(request, cost, started)
                if wait:
                    self._sleep(wait)
                sending = True
                with AttemptBudget(self._attempt_seconds):
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
                sending = False
                self._pacer.release(reservation)  # answered (done already) or failed without one
                reservation = None
                if not isinstance(result, CancelError):
                    answer = reconcile(operation_name(endpoint), result, requested)
                    return after_lost_answer(answer) if lost else answer
                lost = lost or not result.changed_nothing
                delay = self._retry_wait(request, result, retries_done, started, requested, cost)
                self._sleep(delay)
                retries_done += 1
        except BaseException as exc:  # KeyboardInterrupt: say what became of the ids
            if isinstance(exc, Exception):
                raise
            if reservation is not None:  # the client may live on: give the bucket back
                self._pacer.release(reservation)
            why = interrupted(operation_name(endpoint), exc, requested, lost or sending)
            raise exc from why
