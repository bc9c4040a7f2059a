"""Deliberately broken CLOB servers: the mock with one plausible bug each.

Each variant subclasses the mock's `MockClob` (or its `OrderBook`) and overrides one small method,
the way a tired server developer or a shortcut would get it wrong. `expect` names the check that
must report it and a fragment of that check's message: the proof asserts the suite fails *for
that reason*, not merely fails.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterable
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from clob_cancel.signing import ApiCreds, l2_signature
from clob_cancel_conformance import contract
from clob_cancel_mock import Account, MockClob, OrderBook
from clob_cancel_mock.app import ApiError, json_response
from clob_cancel_mock.contract import Operation
from clob_cancel_mock.orders import CancelResult, Order

CANCEL_PATHS = ("/order", "/orders", "/cancel-all", "/cancel-market-orders")
# The documented maximum of ids in one DELETE /orders: the spec's maxItems (1000 since spec 2.0).
MAX = contract.max_ids()


@attrs.frozen
class Variant:
    """One broken server: what is wrong, and how the suite must report it."""

    name: str
    area: str  # auth, schema, status codes, input validation, cancel semantics, restrictions,
    # rate limits, heartbeat
    bug: str
    clob_class: type[MockClob]
    expect: str  # the failing check's name, as the report shows it
    message: str = ""  # a fragment of that check's message
    needs_orders: bool = False
    """Visible only with live orders to cancel: on the mock the suite seeds them; against a
    server without the mock's admin surface it can only use what the server returns."""
    seedable: bool = True
    """Caught on a server that is not our mock through a seed command (which places open orders
    only: a bug about matched orders needs the mock's admin surface)."""
    seeded_expect: tuple[str, str] | None = None
    """(check, message fragment) on a server that is not our mock, with a seed command, where it
    is not `expect`: there the live-order bugs show in live_orders_cancel_as_reported."""
    near_miss: bool = False
    """A loose verifier that only the near-miss signatures find."""
    switch: bool = False
    """A bug of the heartbeat switch: caught by dead_mans_switch_fires, which needs a seed
    command (the proof runs it with a 3 s deadline)."""


def with_book(book_class: type[OrderBook]) -> type[MockClob]:
    """A MockClob whose order book is ``book_class``."""

    class Clob(MockClob):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.book = book_class()
            self.reset()  # refills the new book with the configured orders

    Clob.__name__ = f"ClobWith{book_class.__name__}"
    return Clob


# -- auth --------------------------------------------------------------------------------------


class TimestampNotChecked(MockClob):
    """Checks that POLY_TIMESTAMP is a number, never how old it is: a captured request can be
    replayed days later."""

    def timestamp_ok(self, timestamp: str) -> bool:
        return timestamp.isdigit()


class PassphraseNotChecked(MockClob):
    """Looks the account up by api key and verifies the HMAC, but never compares the
    passphrase ("it only decrypts the secret", thinks the developer)."""

    def authenticate(self, request: Request, body: bytes) -> Account:
        headers = request.headers
        api_key = headers.get("poly_api_key", "")
        address = headers.get("poly_address", "")
        timestamp = headers.get("poly_timestamp", "")
        signature = headers.get("poly_signature", "")
        entry = self._accounts.get(api_key)
        if entry is None:
            raise ApiError(401, self.UNAUTHORIZED)
        account, creds = entry
        path = request.scope["path"]
        if not (
            self.address_ok(address, account)
            and self.timestamp_ok(timestamp)
            and self.signature_ok(creds, timestamp, request.method, path, body, signature)
        ):
            raise ApiError(401, self.UNAUTHORIZED)
        return account


class SignatureNotChecked(MockClob):
    """A debugging shortcut left on: any POLY_SIGNATURE is accepted once the key, passphrase,
    address and timestamp match."""

    def signature_ok(self, *args: Any) -> bool:
        return True


class AddressNotChecked(MockClob):
    """Never compares POLY_ADDRESS with the account the api key belongs to."""

    def address_ok(self, address: str, account: Account) -> bool:
        return True


class PathNotSigned(MockClob):
    """Builds the HMAC message as timestamp + method + body, forgetting the path: every correct
    client is refused with 401 (which the spec documents, so a naive suite stays green)."""

    def signature_ok(
        self, creds: ApiCreds, timestamp: str, method: str, path: str, body: bytes, signature: str
    ) -> bool:
        return super().signature_ok(creds, timestamp, method, "", body, signature)


class SignatureForAnyCancelPath(MockClob):
    """Verifies the signature in a shared middleware against every cancel route instead of the
    one requested: a signed DELETE /order can be replayed as DELETE /cancel-all."""

    def signature_ok(
        self, creds: ApiCreds, timestamp: str, method: str, path: str, body: bytes, signature: str
    ) -> bool:
        return any(
            super(SignatureForAnyCancelPath, self).signature_ok(
                creds, timestamp, method, candidate, body, signature
            )
            for candidate in (path, *CANCEL_PATHS)
        )


class QuoteReplacedSignatureAccepted(MockClob):
    """Accepts a signature over the body as sent or over the body with every ' replaced by "
    (to let the official Python clients' form through): a captured signature then covers every
    body with the same replaced form, e.g. a market filter replayed as cancel-everything."""

    def signature_ok(
        self, creds: ApiCreds, timestamp: str, method: str, path: str, body: bytes, signature: str
    ) -> bool:
        return super().signature_ok(creds, timestamp, method, path, body, signature) or (
            b"'" in body
            and super().signature_ok(
                creds, timestamp, method, path, body.replace(b"'", b'"'), signature
            )
        )


class SignatureOverReserializedBody(MockClob):
    """Verifies the signature over the parsed body dumped again with Python's json defaults
    (`", "` separators, non-ASCII escaped), not over the bytes received: a client that sends
    compact UTF-8 JSON, as the official ones do, gets 401 (which the spec documents)."""

    def signature_ok(
        self, creds: ApiCreds, timestamp: str, method: str, path: str, body: bytes, signature: str
    ) -> bool:
        with contextlib.suppress(ValueError, RecursionError):  # not JSON: as received
            body = json.dumps(json.loads(body)).encode() if body else body
        return super().signature_ok(creds, timestamp, method, path, body, signature)


class LooseSignatureCheck(MockClob):
    """A verifier that computes the right signature and then compares it loosely (``loose``)."""

    def loose(self, sent: str, expected: str) -> bool:
        raise NotImplementedError

    def signature_ok(
        self, creds: ApiCreds, timestamp: str, method: str, path: str, body: bytes, signature: str
    ) -> bool:
        return self.loose(signature, l2_signature(creds, timestamp, method, path, body))


class SignaturePrefixAccepted(LooseSignatureCheck):
    """Compares only as much as was sent (`expected.startswith(sent)`, a "tolerant" truncation
    fix): a few characters of signature pass, guessable in a few thousand tries."""

    def loose(self, sent: str, expected: str) -> bool:
        return bool(sent) and expected.startswith(sent)


class SignatureCaseInsensitive(LooseSignatureCheck):
    """Compares the signature case-insensitively (`.lower()` on both): base64 is case-sensitive,
    so this throws away about a bit per letter of the signature's strength."""

    def loose(self, sent: str, expected: str) -> bool:
        return sent.lower() == expected.lower()


class SignatureFirstCharacters(LooseSignatureCheck):
    """Compares the first 16 characters only (a column or log field cut to 16)."""

    def loose(self, sent: str, expected: str) -> bool:
        return sent[:16] == expected[:16]


class SignatureContained(LooseSignatureCheck):
    """Accepts a header that contains the signature (`expected in sent`, a header parsed with a
    regex search)."""

    def loose(self, sent: str, expected: str) -> bool:
        return expected in sent


class SignatureWithoutBodyAccepted(MockClob):
    """Also accepts an HMAC over timestamp + method + path with the body left out (a fallback
    added for clients that "sign no body"): a captured signature then covers any body."""

    def signature_ok(
        self, creds: ApiCreds, timestamp: str, method: str, path: str, body: bytes, signature: str
    ) -> bool:
        return super().signature_ok(
            creds, timestamp, method, path, body, signature
        ) or super().signature_ok(creds, timestamp, method, path, b"", signature)


class SignatureWithoutTimestampAccepted(MockClob):
    """Also accepts an HMAC with the timestamp left out of the message: the timestamp header is
    checked for freshness, but not bound to the signature, so a captured request replays forever
    with a fresh timestamp."""

    def signature_ok(
        self, creds: ApiCreds, timestamp: str, method: str, path: str, body: bytes, signature: str
    ) -> bool:
        return super().signature_ok(
            creds, timestamp, method, path, body, signature
        ) or super().signature_ok(creds, "", method, path, body, signature)


class SignatureUndecodedSecretAccepted(MockClob):
    """Also accepts an HMAC keyed with the secret string's bytes, not its base64 decoding (a
    second code path "for compatibility")."""

    def signature_ok(
        self, creds: ApiCreds, timestamp: str, method: str, path: str, body: bytes, signature: str
    ) -> bool:
        raw = hmac.new(
            creds.api_secret.encode(), f"{timestamp}{method}{path}".encode() + body, hashlib.sha256
        )
        alternative = base64.urlsafe_b64encode(raw.digest()).decode()
        return super().signature_ok(
            creds, timestamp, method, path, body, signature
        ) or hmac.compare_digest(signature.encode(), alternative.encode())


# -- status codes, content types, response schemas ---------------------------------------------


class AuthFailureIs403(MockClob):
    """Answers failed auth with 403 Forbidden, which the spec does not document."""

    def error_response(self, error: ApiError) -> Response:
        if error.status == 401:
            error = ApiError(403, error.message)
        return super().error_response(error)


class ErrorsAsPlainText(MockClob):
    """Answers 400 with the framework's default plain-text body instead of the JSON error."""

    def error_response(self, error: ApiError) -> Response:
        if error.status == 400:
            return Response(error.message, 400, media_type="text/plain")
        return super().error_response(error)


class NotCanceledAsList(MockClob):
    """Returns `not_canceled` as a list of ids, dropping the reasons (the spec says a map)."""

    def cancel_response(self, result: CancelResult, headers: Any) -> Response:
        return json_response(
            200, {"canceled": result.canceled, "not_canceled": list(result.not_canceled)}, headers
        )


# -- trading restrictions and rate limits -------------------------------------------------------

CANCEL_ONLY_TEXT = (
    "Trading is currently cancel-only. New orders are not accepted, but cancels are allowed."
)


class CancelOnlyRefusesCancels(MockClob):
    """In cancel-only mode (on here from the start) applies the restriction to every order
    endpoint: cancels get the cancel-only 503 too, when that mode exists to let them through."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["faults"] = kwargs.get("faults") or {"cancel_only": True}
        super().__init__(*args, **kwargs)

    def authenticate(self, request: Request, body: bytes) -> Account:
        account = super().authenticate(request, body)
        if self.faults.cancel_only:
            raise ApiError(503, CANCEL_ONLY_TEXT, {"Retry-After": "60"})
        return account


# A custom cancel bucket smaller than one maximal DELETE /orders: the 1000-id boundary example
# is refused with 429 on every run, seeded or not.
TIGHT_LIMIT = {"rate_limit": {"rate": 100, "burst": 100}}


class RateLimited(MockClob):
    """The mock with every signer on a tight cancel bucket (from the start, and after resets)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["faults"] = kwargs.get("faults") or TIGHT_LIMIT
        super().__init__(*args, **kwargs)


class RateLimitResetInSeconds(RateLimited):
    """Sends Poly-RateLimit-Reset as the seconds left until the bucket is full (what many APIs'
    X-RateLimit-Reset mean), where the spec says a unix timestamp."""

    async def handle(self, operation: Operation, request: Request) -> Response:
        response = await super().handle(operation, request)
        reset = response.headers.get("poly-ratelimit-reset", "")
        if reset.isdigit() and int(reset) > 10**9:
            response.headers["Poly-RateLimit-Reset"] = str(max(0, int(reset) - int(self.now())))
        return response


class RateLimitedWithoutRetryAfter(RateLimited):
    """Refuses over the cancel budget with a bare 429: no Retry-After (only the body's
    retry_after_seconds), so a client cannot tell when to come back."""

    def error_response(self, error: ApiError) -> Response:
        response = super().error_response(error)
        if error.status == 429 and "retry-after" in response.headers:
            del response.headers["retry-after"]
        return response


# -- input validation ----------------------------------------------------------------------------


class InvalidPayloadAccepted(MockClob):
    """Swallows body validation errors: invalid input gets 200. By id it cancels nothing (a
    harmless leniency, a note), but an invalid /cancel-market-orders body becomes "no filter" and
    cancels every order of the account (a violation)."""

    def parse_body(self, operation: Operation, request: Request, body: bytes) -> Any:
        try:
            return super().parse_body(operation, request, body)
        except ApiError as e:
            if e.status != 400 or "Too many" in e.message:
                raise
        return (
            {"orderID": ""} if operation.path == "/order" else ([] if operation.max_items else {})
        )


class LenientById(MockClob):
    """Lenient with /order and /orders bodies, never harmful: reads the JSON whatever the
    Content-Type says (text/plain included) and cancels the ids it names; a body that still names
    no ids (`{"orderID": 5}`) gets 200 with nothing canceled. Not a bug: the lenient server of
    the severity table, which must pass with notes (test_no_false_alarms.py)."""

    def parse_body(self, operation: Operation, request: Request, body: bytes) -> Any:
        try:
            return super().parse_body(operation, request, body)
        except ApiError as e:
            if operation.path not in ("/order", "/orders") or "Too many" in e.message:
                raise
        with contextlib.suppress(ValueError):
            value = json.loads(body)
            if contract.requested_ids(operation.path, value) is not None:
                return value
        return {"orderID": ""} if operation.path == "/order" else []


class MarketNullBodyCancelsAll(MockClob):
    """Takes a JSON `null` body on /cancel-market-orders as "no body": no filter, so it cancels
    every order of the account (the issue's example of a violation, not a note)."""

    def parse_body(self, operation: Operation, request: Request, body: bytes) -> Any:
        if operation.path == "/cancel-market-orders" and body.strip() == b"null":
            return None
        return super().parse_body(operation, request, body)


class Old3000Cap(MockClob):
    """Still enforces the pre-2026-06-15 maximum of 3000 ids (as polymarket-client 0.14.0 still
    checks client-side): 1001 ids are accepted and canceled."""

    def parse_body(self, operation: Operation, request: Request, body: bytes) -> Any:
        if operation.max_items is not None:
            try:
                value = json.loads(body)
            except ValueError:
                value = None
            if (
                isinstance(value, list)
                and MAX < len(value) <= 3000
                and all(isinstance(i, str) for i in value)
            ):
                return value
        return super().parse_body(operation, request, body)


class OverLimitTruncated(MockClob):
    """Cancels the first `maxItems` (1000) ids of a longer list instead of refusing it."""

    def parse_body(self, operation: Operation, request: Request, body: bytes) -> Any:
        if operation.max_items is not None:
            try:
                value = json.loads(body)
            except ValueError:
                value = None
            if isinstance(value, list) and len(value) > operation.max_items:
                body = json.dumps(value[: operation.max_items]).encode()
        return super().parse_body(operation, request, body)


class LimitOffByOne(MockClob):
    """Refuses exactly `maxItems` (1000) ids (`>=` where `>` was meant)."""

    def parse_body(self, operation: Operation, request: Request, body: bytes) -> Any:
        value = super().parse_body(operation, request, body)
        if isinstance(value, list) and len(value) >= (operation.max_items or 0):
            raise ApiError(400, self.TOO_MANY.format(max=operation.max_items))
        return value


class NonAsciiIdCrashes(MockClob):
    """Looks ids up in an ASCII-only store: a non-ASCII id raises, and the server answers 500."""

    def parse_body(self, operation: Operation, request: Request, body: bytes) -> Any:
        value = super().parse_body(operation, request, body)
        ids = value if isinstance(value, list) else [value.get("orderID", "")] if value else []
        for order_id in ids:
            if isinstance(order_id, str):
                order_id.encode("ascii")  # UnicodeEncodeError -> 500
        return value


class LongIdTruncated(MockClob):
    """Stores ids in a 66-character column (a 0x-prefixed 32-byte hash): longer ids are cut,
    and the answer names the cut id."""

    def parse_body(self, operation: Operation, request: Request, body: bytes) -> Any:
        value = super().parse_body(operation, request, body)
        if isinstance(value, list):
            return [i[:66] for i in value]
        if isinstance(value, dict) and isinstance(value.get("orderID"), str):
            return {**value, "orderID": value["orderID"][:66]}
        return value


class IdsLowercased(MockClob):
    """Normalizes ids to lower case ("they are hex hashes"): an id sent in upper case is looked
    up, and answered, under another spelling."""

    def parse_body(self, operation: Operation, request: Request, body: bytes) -> Any:
        value = super().parse_body(operation, request, body)
        if isinstance(value, list):
            return [i.lower() for i in value]
        if isinstance(value, dict) and isinstance(value.get("orderID"), str):
            return {**value, "orderID": value["orderID"].lower()}
        return value


class EmptyListRefused(MockClob):
    """Refuses an empty id list with 400 (`if not ids`), which the spec allows."""

    def parse_body(self, operation: Operation, request: Request, body: bytes) -> Any:
        value = super().parse_body(operation, request, body)
        if value == [] and operation.max_items is not None:
            raise ApiError(400, self.INVALID_PAYLOAD)
        return value


# -- cancel semantics ----------------------------------------------------------------------------


class NoDedupBook(OrderBook):
    """Iterates the ids as given: a duplicated id is canceled, then reported not canceled."""

    def cancel_ids(self, owner: str, ids: Iterable[str]) -> CancelResult:
        canceled: list[str] = []
        not_canceled: dict[str, str] = {}
        for order_id in ids:
            one = super().cancel_ids(owner, [order_id])
            canceled += one.canceled
            not_canceled.update(one.not_canceled)
        return CancelResult(canceled, not_canceled)


class UnknownIdsDroppedBook(OrderBook):
    """Reports only the ids it found: unknown ids are silently left out of the answer."""

    def cancel_ids(self, owner: str, ids: Iterable[str]) -> CancelResult:
        result = super().cancel_ids(owner, ids)
        with self.lock:
            known = {i for i in result.not_canceled if i in self._orders}
        return CancelResult(
            result.canceled, {i: r for i, r in result.not_canceled.items() if i in known}
        )


class CancelAllAnyOwnerBook(OrderBook):
    """/cancel-all and /cancel-market-orders forget the owner filter: they cancel every
    account's orders."""

    @staticmethod
    def matches(order: Order, owner: str, market: str, asset_id: str) -> bool:
        return OrderBook.matches(order, order.owner, market, asset_id)


class MarketIgnoresAssetBook(OrderBook):
    """/cancel-market-orders filters by market only; the asset_id filter is ignored."""

    @staticmethod
    def matches(order: Order, owner: str, market: str, asset_id: str) -> bool:
        return OrderBook.matches(order, owner, market, "")


class BulkIgnoresStateBook(OrderBook):
    """/cancel-all and /cancel-market-orders select the account's orders without looking at
    their state (an `UPDATE ... WHERE owner = ?`): matched orders are "canceled" and reported."""

    @staticmethod
    def matches(order: Order, owner: str, market: str, asset_id: str) -> bool:
        return (
            order.owner == owner
            and order.state != "canceled"
            and (not market or order.market == market)
            and (not asset_id or order.asset_id == asset_id)
        )


class CanceledAgainBook(OrderBook):
    """Idempotent in the wrong way: canceling an already canceled order reports it canceled."""

    def reason_not_cancelable(self, owner: str, order: Order | None) -> str | None:
        if order is not None and order.owner == owner and order.state == "canceled":
            return None
        return super().reason_not_cancelable(owner, order)


class MatchedCanceledBook(OrderBook):
    """Does not look at the state: a matched (filled) order is "canceled" too."""

    def reason_not_cancelable(self, owner: str, order: Order | None) -> str | None:
        if order is not None and order.owner == owner and order.state == "matched":
            return None
        return super().reason_not_cancelable(owner, order)


class AnyOwnerByIdBook(OrderBook):
    """Cancels by id without checking who owns the order: any account can cancel yours."""

    def reason_not_cancelable(self, owner: str, order: Order | None) -> str | None:
        return super().reason_not_cancelable(order.owner if order else owner, order)


class ReportedNotAppliedBook(OrderBook):
    """Answers from a read replica: reports live orders canceled without canceling them."""

    def cancel_ids(self, owner: str, ids: Iterable[str]) -> CancelResult:
        with self.lock:
            states = {i: o.state for i, o in self._orders.items()}
        result = super().cancel_ids(owner, ids)
        with self.lock:
            for order_id, state in states.items():
                self._orders[order_id].state = state
        return result


class OverLimitPartlyApplied(MockClob):
    """Refuses more than `maxItems` (1000) ids only after canceling the first 1000."""

    def parse_body(self, operation: Operation, request: Request, body: bytes) -> Any:
        try:
            return super().parse_body(operation, request, body)
        except ApiError as e:
            if "Too many" not in e.message or operation.max_items is None:
                raise
            account = self.authenticate(request, body)
            self.book.cancel_ids(account.api_key, json.loads(body)[: operation.max_items])
            raise


# -- the order heartbeat -------------------------------------------------------------------------

HEARTBEAT_PATH = contract.HEARTBEAT


class HeartbeatChain(MockClob):
    """The mock with the heartbeat id chain restated in a few small methods (per api key, the id
    expected next; a fresh uuid4 for each accepted heartbeat; the mismatch 400 naming the
    expected id), so that each heartbeat variant below changes exactly one of them, whatever the
    mock's own implementation adds (the deadline and its expiry, which no variant here needs)."""

    def reset(self) -> None:
        super().reset()
        self.chain_lock = threading.Lock()
        self.chain: dict[str, str] = {}  # api key -> the heartbeat id expected next

    def op_send_heartbeat(
        self, op: Operation, request: Request, body: bytes, account: Account
    ) -> Response:
        sent = self.heartbeat_sent_id(op, request, body)
        with self.chain_lock:
            expected = self.chain.get(account.api_key, "")
            if not self.heartbeat_ok(sent, expected):
                return self.heartbeat_mismatch(sent, expected)
            following = self.chain[account.api_key] = self.heartbeat_new_id()
        return self.heartbeat_accepted(following)

    def heartbeat_sent_id(self, op: Operation, request: Request, body: bytes) -> str:
        sent: str = self.parse_body(op, request, body)["heartbeat_id"]
        return sent

    def heartbeat_ok(self, sent: str, expected: str) -> bool:
        return sent == expected

    def heartbeat_new_id(self) -> str:
        return str(uuid.uuid4())

    def heartbeat_accepted(self, following: str) -> Response:
        return json_response(200, {"heartbeat_id": following})

    def heartbeat_mismatch(self, sent: str, expected: str) -> Response:
        return json_response(400, {"error_msg": "Invalid Heartbeat ID", "heartbeat_id": expected})


class HeartbeatAnyIdAccepted(HeartbeatChain):
    """Stores the id it hands out but never compares: every heartbeat is accepted, so two
    processes sharing the key (or a stale retry) keep the switch alive without noticing."""

    def heartbeat_ok(self, sent: str, expected: str) -> bool:
        return True


class HeartbeatEmptyIdRestarts(HeartbeatChain):
    """Takes "" as "start a new chain" at any time, not only on an unarmed key: any process with
    the key silently takes the chain over."""

    def heartbeat_ok(self, sent: str, expected: str) -> bool:
        return sent == expected or sent == ""


class HeartbeatMismatchNamesNothing(HeartbeatChain):
    """Refuses a wrong id with the mismatch body, but names "" instead of the expected id (the
    field filled from the wrong variable): a client that follows it is refused again."""

    def heartbeat_mismatch(self, sent: str, expected: str) -> Response:
        return super().heartbeat_mismatch(sent, "")


class HeartbeatMismatchEchoesId(HeartbeatChain):
    """Names the id that was sent, not the one expected, in the mismatch body (the request's
    field copied into the answer)."""

    def heartbeat_mismatch(self, sent: str, expected: str) -> Response:
        return super().heartbeat_mismatch(sent, sent)


class HeartbeatMismatchAsErrorResponse(HeartbeatChain):
    """Refuses a wrong id through the generic error helper: 400 {"error": "Invalid Heartbeat
    ID"}, an ErrorResponse that does not name the expected id, so a client cannot recover."""

    def heartbeat_mismatch(self, sent: str, expected: str) -> Response:
        return self.error_response(ApiError(400, "Invalid Heartbeat ID"))


class HeartbeatEmptyIdRefused(HeartbeatChain):
    """Validates the body with `if not body.get("heartbeat_id")`: the first heartbeat, "", is
    refused as malformed, so the switch can never be armed."""

    def heartbeat_sent_id(self, op: Operation, request: Request, body: bytes) -> str:
        sent = super().heartbeat_sent_id(op, request, body)
        if not sent:
            raise ApiError(400, f"{self.INVALID_PAYLOAD}: heartbeat_id is required")
        return sent


class HeartbeatSignatureNotChecked(MockClob):
    """The heartbeat route sits outside the auth middleware: POLY_API_KEY only selects the
    account, nothing is verified, so anyone who knows a key can probe or take over its chain."""

    def authenticate(self, request: Request, body: bytes) -> Account:
        if request.scope["path"] != HEARTBEAT_PATH:
            return super().authenticate(request, body)
        entry = self.account_for(request.headers.get("poly_api_key", ""))
        if entry is None:
            raise ApiError(401, self.UNAUTHORIZED)
        return entry[0]


class SwitchNeverFires(MockClob):
    """The deadline lapses (the key is disarmed) but the job that should cancel the key's orders
    does nothing: the dead-man's switch never fires."""

    def heartbeat_lapsed(self, api_key: str) -> list[str]:
        return []


class SwitchCountsFromArming(MockClob):
    """Cancels the key's orders one deadline after the first heartbeat, whatever heartbeats
    arrive since: the switch fires while the heartbeats arrive on time."""

    def op_send_heartbeat(
        self, op: Operation, request: Request, body: bytes, account: Account
    ) -> Response:
        armed = bool(self.heartbeats_json().get(account.api_key, {}).get("armed"))
        response = super().op_send_heartbeat(op, request, body, account)
        if response.status_code == 200 and not armed:
            loop = asyncio.get_running_loop()
            loop.call_later(self.heartbeat_timeout, self.book.cancel_where, account.api_key)
        return response


VARIANTS: tuple[Variant, ...] = (
    Variant(
        "timestamp_not_checked",
        "auth",
        "stale POLY_TIMESTAMP accepted",
        TimestampNotChecked,
        "auth_covers_the_whole_request",
        "stale timestamp",
    ),
    Variant(
        "passphrase_not_checked",
        "auth",
        "POLY_PASSPHRASE never compared",
        PassphraseNotChecked,
        "auth_covers_the_whole_request",
        "wrong passphrase",
    ),
    Variant(
        "signature_not_checked",
        "auth",
        "any POLY_SIGNATURE accepted",
        SignatureNotChecked,
        "auth_covers_the_whole_request",
        "forged signature",
    ),
    Variant(
        "address_not_checked",
        "auth",
        "POLY_ADDRESS never compared",
        AddressNotChecked,
        "auth_covers_the_whole_request",
        "another signer address",
    ),
    Variant(
        "path_not_signed",
        "auth",
        "HMAC message without the path: correct clients get 401",
        PathNotSigned,
        "correctly_signed_request_is_not_refused",
        "correctly signed",
    ),
    Variant(
        "signature_for_any_cancel_path",
        "auth",
        "a signature for one route accepted on another",
        SignatureForAnyCancelPath,
        "auth_covers_the_whole_request",
        "another path",
    ),
    Variant(
        "quote_replaced_signature_accepted",
        "auth",
        "a signature over the quote-replaced body accepted (replayable)",
        QuoteReplacedSignatureAccepted,
        "auth_covers_the_whole_request",
        "a quote-swapped replay",
    ),
    Variant(
        "signature_over_reserialized_body",
        "auth",
        "signature checked over re-serialized JSON: compact UTF-8 bodies get 401",
        SignatureOverReserializedBody,
        "correctly_signed_request_is_not_refused",
        "correctly signed",
    ),
    Variant(
        "cancel_only_refuses_cancels",
        "restrictions",
        "cancel-only mode refuses cancels with 503",
        CancelOnlyRefusesCancels,
        "cancels_work_in_cancel_only_mode",
        "cancel-only",
    ),
    Variant(
        "rate_limit_reset_in_seconds",
        "rate limits",
        "Poly-RateLimit-Reset in seconds to wait, not a unix time",
        RateLimitResetInSeconds,
        "rate_limit_reset_is_a_unix_time",
        "not a number of seconds to wait",
    ),
    Variant(
        "rate_limited_without_retry_after",
        "rate limits",
        "429 without Retry-After",
        RateLimitedWithoutRetryAfter,
        "rate_limited_answer_says_when_to_retry",
        "no Retry-After",
    ),
    Variant(
        "auth_failure_is_403",
        "status codes",
        "failed auth answered 403 (undocumented)",
        AuthFailureIs403,
        "auth_covers_the_whole_request",
        "answered 403",
    ),
    Variant(
        "errors_as_plain_text",
        "status codes",
        "400 answered as text/plain",
        ErrorsAsPlainText,
        "content_type_conformance",
        "text/plain",
    ),
    Variant(
        "not_canceled_as_list",
        "schema",
        "not_canceled is a list, not a map",
        NotCanceledAsList,
        "response_schema_conformance",
        "not_canceled",
    ),
    Variant(
        "invalid_payload_accepted",
        "input validation",
        "invalid body answered 200",
        InvalidPayloadAccepted,
        "accepted_invalid_request_harms_nothing",
        "cancels every order of the account",
    ),
    Variant(
        "market_null_body_cancels_all",
        "input validation",
        "a JSON null body on /cancel-market-orders taken as no filter: cancels everything",
        MarketNullBodyCancelsAll,
        "accepted_invalid_request_harms_nothing",
        "cancels every order of the account",
    ),
    Variant(
        "old_3000_cap",
        "input validation",
        f"the old 3000-id maximum: {MAX + 1} ids accepted",
        Old3000Cap,
        "too_many_ids_are_refused",
        f"with {MAX + 1} ids (the maximum is {MAX})",
    ),
    Variant(
        "over_limit_truncated",
        "input validation",
        f"{MAX + 1} ids: first {MAX} canceled, 200",
        OverLimitTruncated,
        "too_many_ids_are_refused",
        f"with {MAX + 1} ids (the maximum is {MAX})",
    ),
    Variant(
        "limit_off_by_one",
        "input validation",
        f"exactly {MAX} ids refused",
        LimitOffByOne,
        "valid_signed_cancel_is_accepted",
        "answered 400",
    ),
    Variant(
        "non_ascii_id_crashes",
        "input validation",
        "500 on a non-ASCII id",
        NonAsciiIdCrashes,
        "not_a_server_error",
        "Internal server error",
    ),
    Variant(
        "long_id_truncated",
        "input validation",
        "ids cut to 66 characters",
        LongIdTruncated,
        "every_requested_id_answered_once",
        "not requested",
    ),
    Variant(
        "duplicate_id_reported_twice",
        "cancel semantics",
        "a duplicated id canceled and not",
        with_book(NoDedupBook),
        "every_requested_id_answered_once",
        "both canceled and not_canceled",
        needs_orders=True,
        seeded_expect=("live_orders_cancel_as_reported", "the duplicated id"),
    ),
    Variant(
        "unknown_ids_dropped",
        "cancel semantics",
        "unknown ids left out of the answer",
        with_book(UnknownIdsDroppedBook),
        "every_requested_id_answered_once",
        "missing",
    ),
    Variant(
        "cancel_all_any_owner",
        "cancel semantics",
        "/cancel-all cancels other accounts' orders",
        with_book(CancelAllAnyOwnerBook),
        "cancel_changes_exactly_what_it_reports",
        "another account's live order",
        needs_orders=True,
        seeded_expect=("live_orders_cancel_as_reported", "another account's order"),
    ),
    Variant(
        "market_ignores_asset",
        "cancel semantics",
        "/cancel-market-orders ignores asset_id",
        with_book(MarketIgnoresAssetBook),
        "cancel_changes_exactly_what_it_reports",
        "nor does its filter cover it",
        needs_orders=True,
        seeded_expect=("live_orders_cancel_as_reported", "our order outside the filter"),
    ),
    Variant(
        "canceled_again",
        "cancel semantics",
        "second cancel reports canceled again",
        with_book(CanceledAgainBook),
        "canceled_order_cannot_be_canceled_again",
        "second time",
        needs_orders=True,
    ),
    Variant(
        "matched_order_canceled",
        "cancel semantics",
        "a matched order gets canceled",
        with_book(MatchedCanceledBook),
        "cancel_changes_exactly_what_it_reports",
        "matched order",
        needs_orders=True,
        seedable=False,
    ),
    Variant(
        "any_owner_by_id",
        "cancel semantics",
        "another account's order canceled by id",
        with_book(AnyOwnerByIdBook),
        "cancel_changes_exactly_what_it_reports",
        "another account's live order",
        needs_orders=True,
        seeded_expect=("live_orders_cancel_as_reported", "another account's order"),
    ),
    Variant(
        "reported_not_applied",
        "cancel semantics",
        "reported canceled, still live",
        with_book(ReportedNotAppliedBook),
        "cancel_changes_exactly_what_it_reports",
        "reported canceled, but order",
        needs_orders=True,
        seeded_expect=("live_orders_cancel_as_reported", "canceled again, our order"),
    ),
    Variant(
        "over_limit_partly_applied",
        "cancel semantics",
        f"400 for {MAX + 1} ids after canceling {MAX}",
        OverLimitPartlyApplied,
        "cancel_changes_exactly_what_it_reports",
        "was answered 400",
        needs_orders=True,
        seeded_expect=("live_orders_cancel_as_reported", "named in a request refused with 400"),
    ),
    Variant(
        "ids_lowercased",
        "input validation",
        "ids normalized to lower case",
        IdsLowercased,
        "every_requested_id_answered_once",
        "not requested",
    ),
    Variant(
        "empty_list_refused",
        "input validation",
        "an empty id list refused with 400",
        EmptyListRefused,
        "valid_signed_cancel_is_accepted",
        "answered 400",
    ),
    Variant(
        "bulk_cancel_ignores_state",
        "cancel semantics",
        "/cancel-all also cancels matched orders",
        with_book(BulkIgnoresStateBook),
        "cancel_changes_exactly_what_it_reports",
        "matched order",
        needs_orders=True,
        seedable=False,
    ),
    Variant(
        "heartbeat_any_id_accepted",
        "heartbeat",
        "any heartbeat id accepted: no chaining",
        HeartbeatAnyIdAccepted,
        "heartbeat_accepts_only_the_expected_id",
        "an invented id",
    ),
    Variant(
        "heartbeat_empty_id_restarts",
        "heartbeat",
        '"" accepted on an armed key: the chain restarts',
        HeartbeatEmptyIdRestarts,
        "heartbeat_accepts_only_the_expected_id",
        "the empty id of a first heartbeat, on the armed key",
    ),
    Variant(
        "heartbeat_mismatch_names_nothing",
        "heartbeat",
        'the mismatch 400 names "" instead of the expected id',
        HeartbeatMismatchNamesNothing,
        "heartbeat_accepts_only_the_expected_id",
        "as the id expected",
    ),
    Variant(
        "heartbeat_mismatch_echoes_id",
        "heartbeat",
        "the mismatch 400 names the id sent, not the expected one",
        HeartbeatMismatchEchoesId,
        "heartbeat_accepts_only_the_expected_id",
        "as the id expected",
    ),
    Variant(
        "heartbeat_mismatch_as_error_response",
        "heartbeat",
        "a wrong heartbeat id refused with a 400 ErrorResponse (expected id not named)",
        HeartbeatMismatchAsErrorResponse,
        "valid_signed_heartbeat_is_accepted",
        "the mismatch body",
    ),
    Variant(
        "heartbeat_empty_id_refused",
        "heartbeat",
        'the first heartbeat ("") refused as malformed: the switch cannot be armed',
        HeartbeatEmptyIdRefused,
        "valid_signed_heartbeat_is_accepted",
        "the mismatch body",
    ),
    Variant(
        "heartbeat_signature_not_checked",
        "heartbeat",
        "heartbeats authenticated by api key alone (no signature, passphrase, address check)",
        HeartbeatSignatureNotChecked,
        "auth_covers_the_whole_request",
        f"POST {HEARTBEAT_PATH} with broken auth",
    ),
    Variant(
        "signature_prefix_accepted",
        "auth",
        "a signature accepted when it is a prefix of the right one",
        SignaturePrefixAccepted,
        "auth_covers_the_whole_request",
        "the signature cut to 8 characters",
        near_miss=True,
    ),
    Variant(
        "signature_case_insensitive",
        "auth",
        "the signature compared regardless of case",
        SignatureCaseInsensitive,
        "auth_covers_the_whole_request",
        "the signature in swapped case",
        near_miss=True,
    ),
    Variant(
        "signature_first_characters",
        "auth",
        "only the first 16 characters of the signature compared",
        SignatureFirstCharacters,
        "auth_covers_the_whole_request",
        "a middle character changed",
        near_miss=True,
    ),
    Variant(
        "signature_contained",
        "auth",
        "a header that contains the signature accepted",
        SignatureContained,
        "auth_covers_the_whole_request",
        "the signature after four more characters",
        near_miss=True,
    ),
    Variant(
        "signature_without_body_accepted",
        "auth",
        "an HMAC with the body left out accepted too",
        SignatureWithoutBodyAccepted,
        "auth_covers_the_whole_request",
        "the body left out of the signed message",
        near_miss=True,
    ),
    Variant(
        "signature_without_timestamp_accepted",
        "auth",
        "an HMAC with the timestamp left out accepted too",
        SignatureWithoutTimestampAccepted,
        "auth_covers_the_whole_request",
        "the timestamp left out of the signed message",
        near_miss=True,
    ),
    Variant(
        "signature_undecoded_secret_accepted",
        "auth",
        "an HMAC keyed with the undecoded secret string accepted too",
        SignatureUndecodedSecretAccepted,
        "auth_covers_the_whole_request",
        "keyed with the secret string itself",
        near_miss=True,
    ),
    Variant(
        "switch_never_fires",
        "heartbeat",
        "the heartbeat deadline lapses but no order is canceled",
        SwitchNeverFires,
        "dead_mans_switch_fires",
        "the switch never fired",
        switch=True,
    ),
    Variant(
        "switch_counts_from_arming",
        "heartbeat",
        "the switch fires one deadline after arming, though heartbeats arrive on time",
        SwitchCountsFromArming,
        "dead_mans_switch_fires",
        "fired while heartbeats arrived on time",
        switch=True,
    ),
)
