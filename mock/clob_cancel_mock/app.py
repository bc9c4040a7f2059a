"""The mock CLOB as an ASGI (Starlette) app: the spec's operations plus the /_mock/ admin surface.

Behaviour lives in :class:`MockClob`, in small methods and class attributes, so that a
deliberately broken variant (the conformance suite's proof that it catches bugs) overrides one
of them: ``create_app(..., clob_class=MyBrokenClob)``.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import ipaddress
import json
import logging
import math
import operator
import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from itertools import accumulate, count
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Receive, Scope, Send

from clob_cancel.signing import ApiCreds, l2_signature

from . import account_info
from .accounts import DEFAULT_ACCOUNT, Account, l1_signer
from .buckets import Buckets, RateLimit
from .contract import BodyError, Contract, Operation
from .faults import ERROR_TEXTS, Faults, FaultsError, parse_faults
from .heartbeats import DEFAULT_HEARTBEAT_TIMEOUT, HeartbeatState, check_timeout
from .orders import CancelResult, Order, OrderBook, OrderError, order_from_json

log = logging.getLogger("clob_cancel_mock")

DEFAULT_MAX_BODY_BYTES = 1 << 20  # 1000 ids of 66 characters are ~70 kB
UNAUTHENTICATED_MAX_BODY_BYTES = 64 * 1024  # a request not claiming a known api key
ADMIN_MAX_BODY_BYTES = 1 << 20
DEFAULT_BODY_TIMEOUT = 10.0  # seconds to receive a whole body once the headers are in
_BODY_LIMIT = "clob_cancel_mock.body_limit"  # scope key: (bytes, refusal) for read_body
_CLOSE = {"Connection": "close"}  # the rest of the body is not read: end the connection
_RAW_SEND = "clob_cancel_mock.send"  # scope key: the server's own send, to drop a connection
_POLY_HEADERS = "clob_cancel_mock.poly_headers"  # scope key: the POLY_* values, see poly_headers
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_NONCE = re.compile(r"[0-9]{1,78}")
_L1_SIGNATURE = re.compile(r"0x[0-9a-fA-F]{130}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


class ApiError(Exception):
    """An error answer: status, the ErrorResponse ``error`` text, extra body fields, headers."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.extra = extra


def json_response(status: int, content: Any, headers: Mapping[str, str] | None = None) -> Response:
    try:
        body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:  # a lone surrogate (JSON "\ud800") has no UTF-8: escape it
        body = json.dumps(content, separators=(",", ":")).encode()
    return Response(body, status, headers=headers, media_type="application/json")


class DropConnection(Response):
    """Closes the client's connection without answering (needs a real server: uvicorn)."""

    def __init__(self) -> None:
        super().__init__(b"", 204)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_send = scope.get(_RAW_SEND)
        transport = getattr(getattr(raw_send, "__self__", None), "transport", None)
        if transport is None:
            raise ConnectionAbortedError("clob_cancel_mock: connection dropped (fault injection)")
        transport.close()
        await asyncio.sleep(0)  # let the server see the disconnect, so it sends nothing itself


class MockClob:
    """The mock's state and behaviour. One instance per app; thread and task safe."""

    UNAUTHORIZED = "Unauthorized/Invalid api key"
    L1_UNAUTHORIZED = "Invalid L1 Request headers"
    INVALID_PAYLOAD = "Invalid order payload"
    TOO_MANY = "Too many orders in payload, max allowed: {max}"
    CANNOT_CREATE = "Could not create api key"
    CANNOT_DERIVE = "Could not derive api key!"
    INVALID_HEARTBEAT = "Invalid Heartbeat ID"

    def __init__(
        self,
        contract: Contract,
        accounts: Iterable[Account],
        orders: Iterable[Order | Mapping[str, Any]] = (),
        *,
        timestamp_window: float = 300.0,
        chain_id: int = 137,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        faults: Faults | Mapping[str, Any] | None = None,
        clock_offset: float = 0.0,
        heartbeat_timeout: float = DEFAULT_HEARTBEAT_TIMEOUT,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        self.contract = contract
        self.body_timeout = body_timeout
        self.heartbeat_timeout = check_timeout(heartbeat_timeout)
        self.timestamp_window = timestamp_window
        self.chain_id = chain_id
        self.max_body_bytes = max_body_bytes
        self.clock_offset = clock_offset
        self.closing = False  # set while MockServer stops: delayed requests are abandoned
        self._lock = threading.Lock()  # accounts, faults (the order book has its own)
        self._initial_accounts = list(accounts)
        if not self._initial_accounts:
            raise ValueError("the mock needs at least one account")
        self.book = OrderBook()
        self._initial_orders: list[Order] = []
        self._initial_faults = Faults()
        self._heartbeats: dict[str, HeartbeatState] = {}  # api key -> its heartbeat
        self.reset()  # registers the accounts, which the orders' owners must name
        self._initial_orders = self.parse_orders(list(orders), "orders")
        self._initial_faults = self.parse_faults(faults)
        self.reset()

    # -- state ----------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the start: the configured accounts, the seeded orders, the initial faults,
        no heartbeat state and no pending expiry."""
        with self._lock:
            for state in self._heartbeats.values():
                state.drop_timer()
            self._heartbeats = {}
            self._accounts: dict[str, tuple[Account, ApiCreds]] = {}
            self._l1_keys: dict[tuple[str, int], Account] = {}
            self._tiers: dict[str, RateLimit] = {}  # signer address (lower case) -> its tier
            for account in self._initial_accounts:
                self._register(account, 0)
            self._apply(self._initial_faults)
        self.book.replace_all(self._initial_orders)

    def _register(self, account: Account, nonce: int) -> None:
        self._accounts.setdefault(account.api_key, (account, account.creds))
        self._l1_keys.setdefault((account.address.lower(), nonce), account)
        tier = account.cancel_tier  # a signer's tier: the first of its accounts that names one
        if tier is not None:
            self._tiers.setdefault(account.address.lower(), RateLimit(tier))

    @property
    def accounts(self) -> list[Account]:
        with self._lock:
            return [account for account, _ in self._accounts.values()]

    def parse_orders(self, items: Any, where: str) -> list[Order]:
        if not isinstance(items, list):
            raise OrderError(
                f"{where}: expected a JSON array of orders, got {type(items).__name__}"
            )
        owners = {account.api_key for account in self.accounts}
        default_owner = self._initial_accounts[0].api_key
        return [
            item
            if isinstance(item, Order)
            else order_from_json(item, f"{where}[{i}]", default_owner, owners)
            for i, item in enumerate(items)
        ]

    def parse_faults(self, faults: Faults | Mapping[str, Any] | None) -> Faults:
        if faults is None:
            return Faults()
        if isinstance(faults, Faults):
            return faults
        return parse_faults(
            faults, frozenset(op.operation_id for op in self.contract.operations.values())
        )

    def set_faults(self, faults: Faults | Mapping[str, Any] | None) -> Faults:
        """Replace the fault setting (``{}`` or None clears it); rate-limit buckets start full."""
        parsed = self.parse_faults(faults)
        with self._lock:
            self._apply(parsed)
        return parsed

    def _apply(self, faults: Faults) -> None:
        """Start a fault setting (under the lock): full buckets, a restart from now."""
        self.faults = faults
        self._count = faults.count
        self.buckets = Buckets(self.monotonic, self.now)
        self._restart_ends = self.monotonic() + (faults.restarting or 0.0)  # inf: not yet known

    def faults_json(self) -> dict[str, Any]:
        with self._lock:
            out = self.faults.to_json()
            if self._count is not None:
                out["count"] = self._count  # what is left
            if self.faults.restarting is not None:
                out.update(self._restart_phase())
            return out

    def _restart_phase(self) -> dict[str, Any]:
        """Where a restart stands: restarting, post_only, then normal; seconds left when known."""
        now = self.monotonic()
        post_only_ends = self._restart_ends + self.faults.post_only_seconds
        if now < self._restart_ends:
            phase, left = "restarting", self._restart_ends - now
        elif now < post_only_ends:
            phase, left = "post_only", post_only_ends - now
        else:
            return {"phase": "normal"}
        if math.isinf(left):
            return {"phase": phase}
        return {"phase": phase, "seconds_left": round(left, 3)}

    def now(self) -> float:
        """The server's wall clock (unix seconds): /time, timestamps, Poly-RateLimit-Reset."""
        return time.time() + self.clock_offset

    def monotonic(self) -> float:
        """The clock of durations (bucket refill); a test may replace it, then set the faults."""
        return time.monotonic()

    # -- the request pipeline -------------------------------------------------------------------

    async def handle(self, operation: Operation, request: Request) -> Response:
        try:
            request.scope[_BODY_LIMIT] = self.body_limit(operation, request)
            body = await self.read_body(request)
            faults = self.faults
            applies = operation.operation_id in faults.operations
            if applies and faults.drop_connection and self._take_one_shot():
                return DropConnection()
            if applies and faults.delay_seconds and not await self.delay(faults.delay_seconds):
                return DropConnection()  # the server is stopping: the request is not served
            account = None
            if operation.auth == "l2":
                account = self.authenticate(request, body)
            if applies:
                self.raise_injected_status(faults)
            handler = getattr(self, "op_" + operation.operation_id)
            result: Response = handler(operation, request, body, account)
            return result
        except ApiError as e:
            return self.error_response(e)
        except ClientDisconnect:  # the client went away mid-body: nobody to answer
            return Response(b"", 400)
        except Exception:  # the contract allows 500, but the mock should never need it
            log.exception("clob_cancel_mock: internal error in %s", operation.operation_id)
            return self.error_response(ApiError(500, ERROR_TEXTS[500]))

    async def delay(self, seconds: float) -> bool:
        """Wait a fault's ``delay_seconds``; False when the server started stopping meanwhile
        (``closing``), so that stopping does not wait out the delays of requests in flight."""
        end = time.monotonic() + seconds
        while not self.closing:
            left = end - time.monotonic()
            if left <= 0:
                return True
            await asyncio.sleep(min(left, 0.05))
        return False

    def error_response(self, error: ApiError) -> Response:
        return json_response(error.status, {"error": error.message, **error.extra}, error.headers)

    def body_limit(self, operation: Operation, request: Request) -> tuple[int, ApiError | None]:
        """How much body a request may send, and the refusal beyond it (None: 413): an L2
        request carrying the five POLY_* headers and a known api key gets ``max_body_bytes``;
        any other at most :data:`UNAUTHENTICATED_MAX_BODY_BYTES`, and an L2 one is then refused
        401 as soon as it goes past, unread: nobody can make the mock buffer a megabyte without
        an api key. Under the limit the usual order holds (faults, then the full check)."""
        headers = poly_headers(request)
        names = ("poly_address", "poly_passphrase", "poly_timestamp", "poly_signature")
        api_key = headers.get("poly_api_key")
        claimed = bool(api_key) and all(headers.get(name) for name in names)
        if operation.auth == "l2" and claimed and self.account_for(api_key or "") is not None:
            return self.max_body_bytes, None
        limit = min(self.max_body_bytes, UNAUTHENTICATED_MAX_BODY_BYTES)
        if operation.auth == "l2":
            return limit, ApiError(401, self.UNAUTHORIZED, _CLOSE)
        return limit, None

    async def read_body(self, request: Request) -> bytes:
        """The raw body bytes. More than the request's limit (:meth:`body_limit`, else
        ``max_body_bytes``) is refused (401 or 413) without reading further; a body not in
        after ``body_timeout`` seconds (a dribbling client) gets 408. Both close the
        connection."""
        limit, refusal = request.scope.get(_BODY_LIMIT) or (self.max_body_bytes, None)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise refusal or _too_large(limit)
        chunks = []
        size = 0
        try:
            async with asyncio.timeout(self.body_timeout):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > limit:
                        raise refusal or _too_large(limit)
                    chunks.append(chunk)
        except TimeoutError:
            raise ApiError(
                408, f"the request body did not arrive within {self.body_timeout:g} s", _CLOSE
            ) from None
        return b"".join(chunks)

    def _take_one_shot(self) -> bool:
        """Whether the one-shot fault (status / drop) hits this request; counts it down."""
        with self._lock:
            if self._count is None:
                return True
            if self._count <= 0:
                return False
            self._count -= 1
            return True

    def raise_injected_status(self, faults: Faults) -> None:
        if faults.trading_disabled:
            raise ApiError(503, ERROR_TEXTS[503], {"Retry-After": str(faults.retry_after)})
        self.check_restart(faults)
        if faults.status is not None and self._take_one_shot():
            extra: dict[str, Any] = {}
            headers = {}
            if faults.status in (425, 429, 503):
                headers["Retry-After"] = str(faults.retry_after)
                extra["retry_after_seconds"] = faults.retry_after
            if faults.status == 429:  # no tier: it may as well be the edge's per-IP limit
                headers["Poly-RateLimit-Remaining"] = "0"
                headers["Poly-RateLimit-Reset"] = str(math.ceil(self.now() + faults.retry_after))
            raise ApiError(faults.status, ERROR_TEXTS[faults.status], headers, **extra)

    def check_restart(self, faults: Faults) -> None:
        """425 while the matching engine restarts (``restarting`` seconds, or ``count``
        requests); the post-only window after it refuses new orders only, so cancels pass."""
        if faults.restarting is None:
            return
        with self._lock:
            now = self.monotonic()
            left = self._restart_ends - now
            if left <= 0:
                return
            if self._count is not None:
                self._count -= 1
                if self._count <= 0:
                    self._restart_ends = now  # over: the post-only window starts
        retry = faults.retry_after if math.isinf(left) else max(1, math.ceil(left))
        headers = {"Retry-After": str(retry)}
        raise ApiError(425, ERROR_TEXTS[425], headers, retry_after_seconds=retry)

    # -- L2 authentication ----------------------------------------------------------------------

    def authenticate(self, request: Request, body: bytes) -> Account:
        """The account a request is signed for, or 401. Every check must pass."""
        headers = poly_headers(request)
        api_key = headers.get("poly_api_key")
        address = headers.get("poly_address")
        passphrase = headers.get("poly_passphrase")
        timestamp = headers.get("poly_timestamp")
        signature = headers.get("poly_signature")
        if not (api_key and address and passphrase and timestamp and signature):
            raise ApiError(401, self.UNAUTHORIZED)
        entry = self.account_for(api_key)
        if entry is None:
            raise ApiError(401, self.UNAUTHORIZED)
        account, creds = entry
        if not (
            self.passphrase_ok(passphrase, account)
            and self.address_ok(address, account)
            and self.timestamp_ok(timestamp)
            and self.signature_ok(
                creds, timestamp, request.method, request.scope["path"], body, signature
            )
        ):
            raise ApiError(401, self.UNAUTHORIZED)
        return account

    def account_for(self, api_key: str) -> tuple[Account, ApiCreds] | None:
        return self._accounts.get(api_key)

    def passphrase_ok(self, passphrase: str, account: Account) -> bool:
        return _same(passphrase, account.passphrase)

    def address_ok(self, address: str, account: Account) -> bool:
        return address.lower() == account.address.lower()

    def timestamp_ok(self, timestamp: str) -> bool:
        if not _TIMESTAMP.fullmatch(timestamp):
            return False
        return abs(self.now() - int(timestamp)) <= self.timestamp_window

    def signature_ok(
        self, creds: ApiCreds, timestamp: str, method: str, path: str, body: bytes, signature: str
    ) -> bool:
        """HMAC over timestamp + method + path + the exact body bytes, nothing else: accepting
        the quote-replaced form too would let a captured signature cover another body."""
        return _same(signature, l2_signature(creds, timestamp, method, path, body))

    # -- bodies ---------------------------------------------------------------------------------

    def parse_body(self, operation: Operation, request: Request, body: bytes) -> Any:
        """The JSON value of the body, validated against the operation's schema in the spec.
        Returns None for an absent optional body."""
        if not body.strip():
            if operation.body_required:
                raise ApiError(
                    400,
                    f"{self.INVALID_PAYLOAD}: the request body is empty; "
                    f"{operation.method} {operation.path} needs a JSON body",
                )
            return None
        content_type = request.headers.get("content-type")
        if content_type is not None:
            media_type = _media_type(content_type)
            if media_type != "application/json" and not media_type.endswith("+json"):
                raise ApiError(
                    400,
                    f"{self.INVALID_PAYLOAD}: Content-Type must be "
                    f"application/json, got {content_type[:100]!r}",
                )
        try:
            value = json_value(body)
        except ValueError as e:
            raise ApiError(400, f"{self.INVALID_PAYLOAD}: {e}") from None
        too_many = operation.max_items is not None and isinstance(value, list)
        if too_many and len(value) > (operation.max_items or 0):
            raise ApiError(400, self.TOO_MANY.format(max=operation.max_items))
        try:
            operation.validate(value)
        except BodyError as e:
            raise ApiError(400, f"{self.INVALID_PAYLOAD}: {e}") from None
        return value

    # -- rate limit -----------------------------------------------------------------------------

    def rate_limit_for(self, account: Account) -> RateLimit | None:
        """The fault setting's limit (every signer), else the signer's tier, else none."""
        return self.faults.rate_limit or self._tiers.get(account.address.lower())

    def admit(self, account: Account, cost: int) -> dict[str, str]:
        """Take ``cost`` tokens from the signer's cancel bucket, or 429 taking none; the
        Poly-RateLimit-* headers to send (none when no limit applies)."""
        limit = self.rate_limit_for(account)
        if limit is None:
            return {}
        verdict = self.buckets.admit(account.address.lower(), limit, cost)
        if not verdict.admitted:
            raise ApiError(
                429, ERROR_TEXTS[429], verdict.headers(), retry_after_seconds=verdict.retry_after
            )
        return verdict.headers()

    def charge(self, account: Account, cost: int, headers: dict[str, str]) -> dict[str, str]:
        """Take ``cost`` more tokens of an admitted request (1 per order /cancel-all canceled);
        the headers then report the balance after it."""
        limit = self.rate_limit_for(account)
        if limit is None or not headers or not cost:
            return headers
        warning = "Poly-RateLimit-Warning" in headers
        return self.buckets.charge(account.address.lower(), limit, cost, warning).headers()

    # -- the operations (named op_<operationId>) ------------------------------------------------

    def cancel_response(self, result: CancelResult, headers: Mapping[str, str]) -> Response:
        return json_response(200, result.to_json(), headers)

    def op_cancel_order(
        self, op: Operation, request: Request, body: bytes, account: Account
    ) -> Response:
        value = self.parse_body(op, request, body)
        headers = self.admit(account, 1)
        return self.cancel_response(
            self.book.cancel_ids(account.api_key, [value["orderID"]]), headers
        )

    def op_cancel_orders(
        self, op: Operation, request: Request, body: bytes, account: Account
    ) -> Response:
        ids = self.parse_body(op, request, body)
        headers = self.admit(account, len(ids))
        return self.cancel_response(self.book.cancel_ids(account.api_key, ids), headers)

    def op_cancel_all(
        self, op: Operation, request: Request, body: bytes, account: Account
    ) -> Response:
        headers = self.admit(account, 1)
        result = self.book.cancel_where(account.api_key)
        return self.cancel_response(result, self.charge(account, len(result.canceled), headers))

    def op_cancel_market_orders(
        self, op: Operation, request: Request, body: bytes, account: Account
    ) -> Response:
        value = self.parse_body(op, request, body) or {}
        headers = self.admit(account, 1)
        result = self.book.cancel_where(
            account.api_key, value.get("market") or "", value.get("asset_id") or ""
        )
        return self.cancel_response(result, self.charge(account, len(result.canceled), headers))

    def op_send_heartbeat(
        self, op: Operation, request: Request, body: bytes, account: Account
    ) -> Response:
        """The expected id gets the next one (200) and a new deadline; any other id gets the
        mismatch 400 naming the expected id, and the deadline stands. No rate limit: the cancel
        bucket is for cancels."""
        sent = self.parse_body(op, request, body)["heartbeat_id"]
        accepted, heartbeat_id = self.heartbeat(account.api_key, sent)
        if not accepted:
            return json_response(
                400, {"error_msg": self.INVALID_HEARTBEAT, "heartbeat_id": heartbeat_id}
            )
        return json_response(200, {"heartbeat_id": heartbeat_id})

    # -- order heartbeats -----------------------------------------------------------------------

    def heartbeat(self, api_key: str, sent: str) -> tuple[bool, str]:
        """One heartbeat of ``api_key`` carrying ``sent``: (True, the id to send next) when it
        is the expected one, which (re)arms the deadline; else (False, the expected id).

        A key whose deadline has passed lapses here first, even if its expiry has not run yet,
        so a send's verdict depends on the clock only. After a lapse the expected id is "" again
        and the next send with "" re-arms: our choice, the real server's expected id after a lapse
        is undocumented beyond "can be empty"."""
        with self._lock:
            state = self._heartbeats.setdefault(api_key, HeartbeatState())
            if state.deadline is not None and self.monotonic() >= state.deadline:
                self._lapse(api_key, state)
            if not self.heartbeat_id_ok(sent, state.expected):
                return False, state.expected
            state.expected = self.new_heartbeat_id()
            state.deadline = self.monotonic() + self.heartbeat_timeout
            self._schedule_expiry(api_key, state)
            return True, state.expected

    def heartbeat_id_ok(self, sent: str, expected: str) -> bool:
        return _same(sent, expected)

    def new_heartbeat_id(self) -> str:
        """A fresh id nobody can guess (122 random bits)."""
        return str(uuid.uuid4())

    def heartbeat_lapsed(self, api_key: str) -> list[str]:
        """What a lapsed deadline does: cancel every live order of the key, as /cancel-all does
        (no rate-limit charge: the server does it, not a request). The ids canceled."""
        return self.book.cancel_where(api_key).canceled

    def _schedule_expiry(self, api_key: str, state: HeartbeatState) -> None:
        """(Under the lock.) Replace the key's pending expiry with one at its new deadline, on
        the running loop; with none (a direct call outside a server) the next send's check
        above is the only expiry."""
        state.drop_timer()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        state.loop = loop
        state.timer = loop.call_later(
            self.heartbeat_timeout, self._expire, api_key, state, state.expected
        )

    def _expire(self, api_key: str, state: HeartbeatState, expected: str) -> None:
        """The timer: lapse the key unless a send or a reset came first."""
        with self._lock:
            current = self._heartbeats.get(api_key) is state and state.expected == expected
            if current and state.armed:
                state.timer = state.loop = None  # it is running: nothing to cancel
                self._lapse(api_key, state)

    def _lapse(self, api_key: str, state: HeartbeatState) -> None:
        """(Under the lock.) Cancel the key's orders and disarm."""
        state.drop_timer()
        canceled = self.heartbeat_lapsed(api_key)
        state.expected, state.deadline = "", None
        state.lapses += 1
        state.last_canceled = canceled
        log.warning(
            "clob_cancel_mock: no heartbeat from api key %s for %g s: canceled its %d live "
            "order(s)",
            api_key,
            self.heartbeat_timeout,
            len(canceled),
        )

    def heartbeats_json(self) -> dict[str, dict[str, Any]]:
        """Every api key's heartbeat, for /_mock/heartbeats."""
        now = self.monotonic()
        with self._lock:
            keys = list(self._accounts)
            keys += [key for key in self._heartbeats if key not in self._accounts]
            return {key: self._heartbeats.get(key, HeartbeatState()).to_json(now) for key in keys}

    def drop_heartbeat_timers(self) -> None:
        """Cancel every pending expiry, keeping the state (MockServer.stop: the loop is gone).
        An armed key then lapses at its next send once its deadline has passed."""
        with self._lock:
            for state in self._heartbeats.values():
                state.drop_timer()

    def op_get_server_time(
        self, op: Operation, request: Request, body: bytes, account: None
    ) -> Response:
        return json_response(200, int(self.now()))

    def l1_identity(self, request: Request) -> tuple[str, int]:
        """(address, nonce) proven by the L1 headers' EIP-712 signature, or 401."""
        headers = request.headers
        address = headers.get("poly_address") or ""
        signature = headers.get("poly_signature") or ""
        timestamp = headers.get("poly_timestamp") or ""
        nonce = headers.get("poly_nonce") or ""
        unauthorized = ApiError(401, self.L1_UNAUTHORIZED)
        if not (
            _ADDRESS.fullmatch(address)
            and _L1_SIGNATURE.fullmatch(signature)
            and _NONCE.fullmatch(nonce)
            and int(nonce) < 2**256
            and self.timestamp_ok(timestamp)
        ):
            raise unauthorized
        try:
            signer = l1_signer(address, timestamp, int(nonce), self.chain_id, signature)
        except Exception:  # eth-account raises several types for unrecoverable signatures
            raise unauthorized from None
        if signer.lower() != address.lower():
            raise unauthorized
        return address, int(nonce)

    def op_create_api_key(
        self, op: Operation, request: Request, body: bytes, account: None
    ) -> Response:
        address, nonce = self.l1_identity(request)
        with self._lock:
            if (address.lower(), nonce) in self._l1_keys:
                raise ApiError(400, self.CANNOT_CREATE)
            created = Account(
                api_key=str(uuid.uuid4()),
                secret=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                passphrase=secrets.token_hex(32),
                address=address,
            )
            self._register(created, nonce)
        return json_response(200, _creds_json(created))

    def op_derive_api_key(
        self, op: Operation, request: Request, body: bytes, account: None
    ) -> Response:
        address, nonce = self.l1_identity(request)
        with self._lock:
            found = self._l1_keys.get((address.lower(), nonce))
        if found is None:
            raise ApiError(400, self.CANNOT_DERIVE)
        return json_response(200, _creds_json(found))

    def op_get_api_keys(
        self, op: Operation, request: Request, body: bytes, account: Account
    ) -> Response:
        return json_response(200, account_info.api_keys_answer(self.accounts, account))

    def op_get_rate_limit_tier(
        self, op: Operation, request: Request, body: bytes, account: Account
    ) -> Response:
        return json_response(200, account_info.tier_answer(self.rate_limit_for(account)))

    # -- admin surface (/_mock/) ----------------------------------------------------------------

    async def admin(self, request: Request) -> Response:
        """One admin call (the routes only let through the methods each name allows), once
        :meth:`admin_guard` has let it through."""
        try:
            self.admin_guard(request)
            name, method = request.url.path.rsplit("/", 1)[1], request.method
            if name == "orders" and method == "GET":
                return json_response(200, [order.to_json() for order in self.book.all()])
            if name == "orders":
                orders = self.parse_orders(await self._admin_json(request), "orders")
                self.book.add(orders)
                return json_response(200, [order.to_json() for order in orders])
            if name == "reset":
                self.reset()
                return json_response(200, {"orders": len(self._initial_orders)})
            if name == "faults" and method == "POST":
                self.set_faults(await self._admin_json(request))
            if name == "faults":
                return json_response(200, self.faults_json())
            if name == "heartbeats":
                return json_response(200, self.heartbeats_json())
            accounts = [{"api_key": a.api_key, "address": a.address} for a in self.accounts]
            return json_response(200, accounts)
        except ApiError as e:
            return self.error_response(e)
        except (OrderError, FaultsError) as e:
            return self.error_response(ApiError(400, str(e)))

    def admin_guard(self, request: Request) -> None:
        """Refuse what a web page could send to a mock on loopback (the admin surface has no
        auth; a page the developer visits, or a DNS-rebinding one, must not drive it):

        - ``Host``: its name must be a loopback name (``localhost``, ``127.0.0.1`` or any
          127.x.y.z, ``[::1]``) or the address the connection came in on (the bound address);
          any port. Otherwise 421: a DNS-rebinding page's requests carry its own name.
        - ``Origin``: absent (not a browser, or a same-origin GET), or ``http(s)://`` + one of
          those names + the port the mock listens on (the mock's own origin under any loopback
          name). Anything else, ``null`` included, is 403.
        - a POST's ``Content-Type`` must be ``application/json`` (parameters allowed), else 415;
          a POST with no body may omit it (``POST /_mock/reset``). A browser sends
          ``text/plain``, a form type or no body only, cross-site, without a CORS preflight.

        Nothing is read or changed before these pass."""
        server = request.scope.get("server") or (None, None)
        bound_host, bound_port = server[0], server[1]
        host, _ = _split_authority(request.headers.get("host", ""))
        if host is None or not _local_name(host, bound_host):
            raise ApiError(
                421, "the admin surface answers only to a loopback Host or the bound address"
            )
        origin = request.headers.get("origin")
        if origin is not None and not _origin_ok(origin, bound_host, bound_port):
            raise ApiError(403, f"the admin surface refuses the foreign Origin {origin[:100]!r}")
        if request.method == "POST":
            content_type = request.headers.get("content-type")
            if content_type is None:
                length = request.headers.get("content-length")
                if length not in (None, "0") or "transfer-encoding" in request.headers:
                    raise ApiError(
                        415, "an admin POST with a body needs Content-Type: application/json"
                    )
            elif _media_type(content_type) != "application/json":
                raise ApiError(
                    415,
                    "an admin POST needs Content-Type: application/json, "
                    f"got {content_type[:100]!r}",
                )

    async def _admin_json(self, request: Request) -> Any:
        request.scope[_BODY_LIMIT] = (min(self.max_body_bytes, ADMIN_MAX_BODY_BYTES), None)
        try:
            return json_value(await self.read_body(request) or b"null")
        except ValueError as e:
            raise ApiError(400, str(e)) from None


ADMIN_METHODS = {
    "orders": ["GET", "POST"],
    "reset": ["POST"],
    "faults": ["GET", "POST"],
    "accounts": ["GET"],
    "heartbeats": ["GET"],
}


MAX_JSON_DEPTH = 100


def json_value(body: bytes) -> Any:
    """The JSON value of a request body (UTF-8, at most :data:`MAX_JSON_DEPTH` deep, no NaN or
    Infinity), else ValueError saying what is wrong."""
    if not json_depth_ok(body):
        raise ValueError(f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(utf8_text(body), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
        raise ValueError(f"the body is not valid JSON ({e})") from None


def json_depth_ok(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``body`` nests arrays/objects at most ``limit`` deep. Checked before parsing:
    the json module recurses per level, and once something raises the recursion limit (py_ecc,
    which eth-account imports, sets it to 100000) a deeply nested body overflows the C stack
    and kills the server instead of raising RecursionError."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return True  # every real body: a few brackets, no need to scan
    # In C, not a Python loop per byte (which held the event loop 0.33 s per MiB): drop the
    # strings, keep the brackets, open -> 2 and close -> 0; the running sum minus the count so
    # far is the depth after each bracket.
    brackets = _JSON_STRING.sub(b"", body).translate(_DEPTH_STEP, _NOT_BRACKETS)
    return max(map(operator.sub, accumulate(brackets), count(1)), default=0) <= limit


# A JSON string (escapes consumed whole); an unterminated one runs to the end, so a body of
# many unterminated starts is still one linear pass.
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def poly_headers(request: Request) -> dict[str, str]:
    """The request's POLY_* header values by (lower-case) name; of a repeated one the first, as
    ``request.headers.get`` gives it. Read in one pass and kept in the scope: ``body_limit`` and
    ``authenticate`` both need them on every L2 request, where ten ``request.headers.get`` calls
    (each a scan of every header) cost ~6 us, this ~2 us."""
    found: dict[str, str] | None = request.scope.get(_POLY_HEADERS)
    if found is None:
        found = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in reversed(request.scope["headers"])
            if name.startswith(b"poly_")
        }
        request.scope[_POLY_HEADERS] = found
    return found


def _split_authority(authority: str) -> tuple[str | None, int | None]:
    """(host, port) of a Host header or an origin's netloc; host None when malformed. An IPv6
    host loses its brackets; port None when absent."""
    try:
        parts = urlsplit("//" + authority)
        return parts.hostname, parts.port
    except ValueError:
        return None, None


def _local_name(host: str, bound_host: str | None) -> bool:
    """Whether ``host`` names this machine's loopback or the bound address."""
    host = host.lower().rstrip(".")
    if host == "localhost" or (bound_host is not None and host == bound_host.lower()):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _origin_ok(origin: str, bound_host: str | None, bound_port: int | None) -> bool:
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or parts.hostname is None:
        return False
    if parts.path or parts.query or parts.fragment or parts.username is not None:
        return False
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return _local_name(parts.hostname, bound_host) and port == bound_port


def utf8_text(body: bytes) -> str:
    """The body as text: JSON exchanged between systems is UTF-8 without a byte order mark
    (RFC 8259 section 8.1). json.loads(bytes) would also take UTF-16/32 and a BOM; a UTF-16/32
    body without a BOM decodes here (NULs are valid UTF-8) and then fails as JSON."""
    if body.startswith(b"\xef\xbb\xbf"):
        raise ValueError("a byte order mark: JSON bodies are UTF-8 without one")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8 at byte {e.start}: JSON bodies are UTF-8") from None


def _too_large(limit: int) -> ApiError:
    """The 413 of a body past ``limit`` bytes; made only then, not ahead of every request."""
    return ApiError(413, f"request body larger than {limit} bytes", _CLOSE)


def _media_type(content_type: str) -> str:
    """A Content-Type's media type, lower case, without parameters."""
    return content_type.split(";", 1)[0].strip().lower()


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _creds_json(account: Account) -> dict[str, str]:
    return {"apiKey": account.api_key, "secret": account.secret, "passphrase": account.passphrase}


class MockApp(Starlette):
    """Starlette, plus the server's own ``send`` kept in the scope so that a fault can drop the
    connection; ``clob`` is the :class:`MockClob` behind it."""

    clob: MockClob

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[_RAW_SEND] = send
        await super().__call__(scope, receive, send)


def _endpoint(clob: MockClob, operation: Operation) -> Any:
    async def endpoint(request: Request) -> Response:
        return await clob.handle(operation, request)

    endpoint.__name__ = operation.operation_id
    return endpoint


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        message = f"{request.method} not allowed on {request.url.path}"
        allow = (exc.headers or {}).get("Allow")
        if allow:
            message += f"; allowed: {allow}"
    elif exc.status_code == 404:
        message = f"no operation at {request.url.path}"
    else:
        message = exc.detail
    return json_response(exc.status_code, {"error": message}, exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("clob_cancel_mock: internal error", exc_info=exc)
    return json_response(500, {"error": ERROR_TEXTS[500]})


def create_app(
    accounts: Iterable[Account] = (DEFAULT_ACCOUNT,),
    orders: Iterable[Order | Mapping[str, Any]] = (),
    *,
    timestamp_window: float = 300.0,
    chain_id: int = 137,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    faults: Faults | Mapping[str, Any] | None = None,
    clock_offset: float = 0.0,
    heartbeat_timeout: float = DEFAULT_HEARTBEAT_TIMEOUT,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
    spec: Path | None = None,
    clob_class: type[MockClob] = MockClob,
) -> MockApp:
    """The mock CLOB as an ASGI app. ``orders`` are Order objects or JSON-like mappings (owner
    defaults to the first account); ``heartbeat_timeout``: seconds without an accepted heartbeat
    after which an armed API key's orders are canceled; ``spec`` defaults to the packaged
    contract."""
    contract = Contract.load(spec)
    missing = [
        op.operation_id
        for op in contract.operations.values()
        if not hasattr(clob_class, "op_" + op.operation_id)
    ]
    if missing:
        raise TypeError(
            f"{clob_class.__name__} has no handler for the spec's operation(s) "
            f"{', '.join(missing)} (methods op_<operationId>)"
        )
    clob = clob_class(
        contract,
        accounts,
        orders,
        timestamp_window=timestamp_window,
        chain_id=chain_id,
        max_body_bytes=max_body_bytes,
        faults=faults,
        clock_offset=clock_offset,
        heartbeat_timeout=heartbeat_timeout,
        body_timeout=body_timeout,
    )
    routes: list[BaseRoute] = [
        Route(path, _endpoint_for_path(clob, ops), methods=[op.method for op in ops])
        for path, ops in contract.paths()
    ]
    admin = [Route(f"/{name}", clob.admin, methods=m) for name, m in ADMIN_METHODS.items()]
    routes.append(Mount("/_mock", routes=admin))
    app = MockApp(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.router.redirect_slashes = False
    app.clob = clob
    app.state.clob = clob
    return app


def _endpoint_for_path(clob: MockClob, operations: list[Operation]) -> Any:
    if len(operations) == 1:
        return _endpoint(clob, operations[0])
    by_method = {op.method: op for op in operations}
    if "GET" in by_method:
        by_method.setdefault("HEAD", by_method["GET"])

    async def endpoint(request: Request) -> Response:
        return await clob.handle(by_method[request.method], request)

    return endpoint
