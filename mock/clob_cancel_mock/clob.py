"""The mock CLOB's state and behaviour: :class:`MockClob`, served by app.py's ASGI app.

Behaviour lives in :class:`MockClob`, in small methods and class attributes, so that a
deliberately broken variant (the conformance suite's proof that it catches bugs) overrides one
of them: ``create_app(..., clob_class=MyBrokenClob)``. Heartbeats are kept by a
:class:`~clob_cancel_mock.heartbeats.HeartbeatRegistry`, bodies parsed by jsonbody.py; the L1 and
L2 checks are mixins (l1keys.py, l2auth.py) whose methods a variant overrides as MockClob's own.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from clob_cancel.defaults import POLYGON
from clob_cancel.signing import ApiCreds

from .account_info import AccountReads
from .accounts import Account
from .buckets import Buckets, RateLimit
from .contract import BodyError, Contract, Operation
from .faults import ERROR_TEXTS, Faults
from .heartbeats import DEFAULT_HEARTBEAT_TIMEOUT, HeartbeatRegistry
from .injection import FaultInjector
from .jsonbody import go_struct_fields, json_value
from .l1keys import L1Operations
from .l2auth import L2Authentication
from .orders import CancelResult, Order, OrderBook, OrderError, order_from_json
from .wire import (
    BODY_LIMIT,
    CLOSE,
    ApiError,
    DropConnection,
    body_too_large,
    json_response,
    media_type,
    poly_headers,
    repeated_poly_header,
)

log = logging.getLogger("clob_cancel_mock")

DEFAULT_TIMESTAMP_WINDOW = 300.0  # seconds a signed POLY_TIMESTAMP may be off the server's clock
DEFAULT_MAX_BODY_BYTES = 1 << 20  # 1000 ids of 66 characters are ~70 kB
UNAUTHENTICATED_MAX_BODY_BYTES = 64 * 1024  # a request not claiming a known api key
DEFAULT_BODY_TIMEOUT = 10.0  # seconds to receive a whole body once the headers are in


class MockClob(L1Operations, L2Authentication, AccountReads):
    """The mock's state and behaviour. One instance per app; thread and task safe."""

    INVALID_PAYLOAD = "Invalid order payload"
    TOO_MANY = "Too many orders in payload, max allowed: {max}"
    INVALID_HEARTBEAT = "Invalid Heartbeat ID"
    MARKET_FILTERS = ("market", "asset_id")  # /cancel-market-orders' filter keys

    def __init__(
        self,
        contract: Contract,
        accounts: Iterable[Account],
        orders: Iterable[Order | Mapping[str, Any]] = (),
        *,
        timestamp_window: float = DEFAULT_TIMESTAMP_WINDOW,
        chain_id: int = POLYGON,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        faults: Faults | Mapping[str, Any] | None = None,
        clock_offset: float = 0.0,
        heartbeat_timeout: float = DEFAULT_HEARTBEAT_TIMEOUT,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        self.contract = contract
        self.body_timeout = body_timeout
        self.heartbeats = HeartbeatRegistry(
            heartbeat_timeout, lambda: self.monotonic(), self.heartbeat_lapsed
        )
        self.heartbeat_timeout = self.heartbeats.timeout
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
        self.injector = FaultInjector(
            frozenset(op.operation_id for op in contract.operations.values()),
            monotonic=lambda: self.monotonic(),
            now=lambda: self.now(),
        )
        self._initial_orders: list[Order] = []
        self._initial_faults = Faults()
        self.reset()  # registers the accounts, which the orders' owners must name
        self._initial_orders = self.parse_orders(list(orders), "orders")
        self._initial_faults = self.injector.parse(faults)
        self.reset()

    # -- state ----------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the start: the configured accounts, the seeded orders, the initial faults,
        no heartbeat state and no pending expiry."""
        self.heartbeats.reset()
        with self._lock:
            self._accounts: dict[str, tuple[Account, ApiCreds]] = {}
            self._l1_keys: dict[tuple[str, int], Account] = {}
            self._tiers: dict[str, RateLimit] = {}  # signer address (lower case) -> its tier
            for account in self._initial_accounts:
                self._register(account, 0)
        self.injector.start(self._initial_faults)
        self.book.replace_all(self._initial_orders)

    def _register(self, account: Account, nonce: int) -> None:
        self._accounts.setdefault(account.api_key, (account, account.creds))
        self._l1_keys.setdefault((account.address.lower(), nonce), account)
        tier = account.cancel_tier  # a signer's tier: the first of its accounts that names one
        if tier is not None:
            self._tiers.setdefault(account.address.lower(), RateLimit(tier))

    @property
    def seeded_order_count(self) -> int:
        """How many orders ``reset`` seeds."""
        return len(self._initial_orders)

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

    @property
    def faults(self) -> Faults:
        """The fault setting in force."""
        return self.injector.faults

    @property
    def buckets(self) -> Buckets:
        """The signers' cancel buckets (full again at each new fault setting)."""
        return self.injector.buckets

    def set_faults(self, faults: Faults | Mapping[str, Any] | None) -> Faults:
        """Replace the fault setting (``{}`` or None clears it); rate-limit buckets start full."""
        parsed = self.injector.parse(faults)
        self.injector.start(parsed)
        return parsed

    def faults_json(self) -> dict[str, Any]:
        """The fault setting and where it stands, for /_mock/faults."""
        return self.injector.to_json()

    def now(self) -> float:
        """The server's wall clock (unix seconds): /time, timestamps, Poly-RateLimit-Reset."""
        return time.time() + self.clock_offset

    def monotonic(self) -> float:
        """The clock of durations (bucket refill); a test may replace it, then set the faults."""
        return time.monotonic()

    # -- the request pipeline -------------------------------------------------------------------

    async def handle(self, operation: Operation, request: Request) -> Response:
        try:
            request.scope[BODY_LIMIT] = self.body_limit(operation, request)
            body = await self.read_body(request)
            faults = self.faults
            applies = operation.operation_id in faults.operations and faults.hits(
                request.headers.get("poly_api_key")
            )
            if applies and faults.drop_connection and self.injector.take_one_shot():
                return DropConnection()
            if applies and faults.delay_seconds and not await self.delay(faults.delay_seconds):
                return DropConnection()  # the server is stopping: the request is not served
            account = None
            if operation.auth == "l2":
                account = self.authenticate(request, body)
            if applies:
                self.injector.raise_injected_status(faults)
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
        claimed = claimed and repeated_poly_header(request) is None
        if operation.auth == "l2" and claimed and self.account_for(api_key or "") is not None:
            return self.max_body_bytes, None
        limit = min(self.max_body_bytes, UNAUTHENTICATED_MAX_BODY_BYTES)
        if operation.auth == "l2":
            return limit, ApiError(401, self.UNAUTHORIZED, CLOSE)
        return limit, None

    async def read_body(self, request: Request) -> bytes:
        """The raw body bytes. More than the request's limit (:meth:`body_limit`, else
        ``max_body_bytes``) is refused (401 or 413) without reading further; a body not in
        after ``body_timeout`` seconds (a dribbling client) gets 408. Both close the
        connection."""
        limit, refusal = request.scope.get(BODY_LIMIT) or (self.max_body_bytes, None)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise refusal or body_too_large(limit)
        chunks = []
        size = 0
        try:
            async with asyncio.timeout(self.body_timeout):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > limit:
                        raise refusal or body_too_large(limit)
                    chunks.append(chunk)
        except TimeoutError:
            raise ApiError(
                408, f"the request body did not arrive within {self.body_timeout:g} s", CLOSE
            ) from None
        return b"".join(chunks)

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
            body_type = media_type(content_type)
            if body_type != "application/json" and not body_type.endswith("+json"):
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
        """The fault setting's limit (every signer it applies to), else the signer's tier, else
        none."""
        faults = self.faults
        if faults.rate_limit is not None and faults.hits(account.api_key):
            return faults.rate_limit
        return self._tiers.get(account.address.lower())

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
        filters = self.market_filters(op, value, body)
        headers = self.admit(account, 1)
        result = self.book.cancel_where(
            account.api_key, filters.get("market") or "", filters.get("asset_id") or ""
        )
        return self.cancel_response(result, self.charge(account, len(result.canceled), headers))

    def market_filters(self, op: Operation, value: Any, body: bytes) -> dict[str, Any]:
        """The filters in a /cancel-market-orders body (``value``, parsed from ``body``) as Go's
        encoding/json reads them, our guess at the real server: ``market`` and ``asset_id``
        whatever the keys' case (``{"Market": M}`` filters by M), the last of several keys for
        one filter winning (:func:`go_struct_fields`); other keys ignored (the spec's object is
        open). A value sent under another case is checked against the filter's schema as the
        filter's own key is."""
        if not isinstance(value, dict):
            return {}
        filters = {}
        for name, (key, item) in go_struct_fields(value, body, self.MARKET_FILTERS).items():
            if key != name:
                try:
                    op.validate({name: item})
                except BodyError as e:
                    raise ApiError(400, f"{self.INVALID_PAYLOAD}: {e} (sent as {key!r})") from None
            filters[name] = item
        return filters

    def op_send_heartbeat(
        self, op: Operation, request: Request, body: bytes, account: Account
    ) -> Response:
        """The expected id gets the next one (200) and a new deadline; any other id gets the
        mismatch 400 naming the expected id, and the deadline stands. No rate limit: the cancel
        bucket is for cancels."""
        sent = self.parse_body(op, request, body)["heartbeat_id"]
        accepted, heartbeat_id = self.heartbeats.beat(account.api_key, sent)
        if not accepted:
            return json_response(
                400, {"error_msg": self.INVALID_HEARTBEAT, "heartbeat_id": heartbeat_id}
            )
        return json_response(200, {"heartbeat_id": heartbeat_id})

    def heartbeat_lapsed(self, api_key: str) -> list[str]:
        """What a lapsed deadline does: cancel every live order of the key, as /cancel-all does
        (no rate-limit charge: the server does it, not a request). The ids canceled."""
        return self.book.cancel_where(api_key).canceled

    def heartbeats_json(self) -> dict[str, dict[str, Any]]:
        """Every api key's heartbeat, for /_mock/heartbeats."""
        with self._lock:
            keys = list(self._accounts)
        return self.heartbeats.to_json(keys)

    def drop_heartbeat_timers(self) -> None:
        """Cancel every pending expiry, keeping the state (MockServer.stop: the loop is gone)."""
        self.heartbeats.drop_timers()

    def op_get_server_time(
        self, op: Operation, request: Request, body: bytes, account: None
    ) -> Response:
        return json_response(200, int(self.now()))
