"""What the cancel contract says, read from the spec, and how to read a request off the wire.

Everything the checks reason about comes from the request as sent (`response.request`: the bytes
and headers that went out) rather than from the generated `Case`, so serialization can never make
a check judge a request the server did not receive.
"""

from __future__ import annotations

import functools
import hmac
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import attrs
import yaml

from clob_cancel.errors import http_date as http_date  # the client's parser: one rule for both
from clob_cancel.signing import l2_signature
from clob_cancel.spec import spec_path

if TYPE_CHECKING:  # target imports this module (compact_json)
    from schemathesis import Response

    from clob_cancel_conformance.target import Target

ORDER = "/order"
ORDERS = "/orders"
CANCEL_ALL = "/cancel-all"
CANCEL_MARKET = "/cancel-market-orders"
HEARTBEAT = "/v1/heartbeats"
CANCEL_PATHS = (ORDER, ORDERS, CANCEL_ALL, CANCEL_MARKET)
# Which operations take L2 auth is read from the spec's security requirements (l2_operations),
# never listed here: an L2 operation added to the spec is signed and probed with no edit.
L2_HEADERS = frozenset(
    {"POLY_ADDRESS", "POLY_API_KEY", "POLY_PASSPHRASE", "POLY_TIMESTAMP", "POLY_SIGNATURE"}
)
L1_HEADERS = frozenset({"POLY_ADDRESS", "POLY_SIGNATURE", "POLY_TIMESTAMP", "POLY_NONCE"})
BY_ID_PATHS = (ORDER, ORDERS)
# Operations that cancel orders the suite did not name: on a real account they would cancel the
# owner's live orders (the heartbeat: once armed, all of them when the heartbeats stop). They run
# against a server the run did not start only with --allow-destructive.
DESTRUCTIVE_PATHS = (CANCEL_ALL, CANCEL_MARKET, HEARTBEAT)
DESTRUCTIVE_OPERATION_IDS = ("cancel_all", "cancel_market_orders", "send_heartbeat")
# What each destructive operation does to a real account, for the refusals and skip notices.
DESTRUCTIVE_EFFECT = {
    CANCEL_ALL: "it cancels every live order of the account",
    CANCEL_MARKET: "it cancels every live order of the account in a market",
    HEARTBEAT: (
        "an accepted heartbeat arms the server-side switch that cancels every open order of the "
        "api key about 10-15 s after the last accepted heartbeat (there is no disarm), and it "
        "takes over the key's heartbeat chain from any bot sending heartbeats with it"
    ),
}
# The documented heartbeat deadline is 10 s ("with up to a 5-second buffer"): no correct server
# lets an armed key lapse sooner. A heartbeat sent within this many seconds of the last accepted
# one therefore meets the same expected id as that answer named; later, a lapse may have reset it.
HEARTBEAT_LAPSE_FREE_SECONDS = 5.0
# A timestamp this far from the server's clock is stale (or from the future) under any sane
# window; the mock's default is 300 s, the CLOB's is "a few minutes".
FRESH_SECONDS = 60
NOT_JSON = object()
# Answers a correct server may give to a valid, correctly signed cancel: 200, or the documented
# transient refusals (engine restarting, rate limited, trading fully disabled). A transient answer
# accepts nothing and proves nothing either way: where a check's own follow-up request gets one, the
# check has learned nothing and reports nothing (a correct server may rate-limit, restart or stop
# trading at any moment, and may do so before it looks at the auth or the body).
TRANSIENT = (425, 429, 503)


@functools.cache
def spec(path: Path | None = None) -> dict[str, Any]:
    """The spec at ``path`` (default: the one shipped with clob-cancel), parsed."""
    with (path or spec_path()).open(encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
    return loaded


class SpecError(ValueError):
    """The spec has an operation the suite cannot sign or judge."""


def _auth_kind(where: str, security: list[dict[str, Any]], schemes: dict[str, Any]) -> str:
    """ "l2", "l1" or "none" for an operation's security requirements (the mock's rule: the
    header names its schemes cover)."""
    if not security:
        return "none"
    try:
        names = {schemes[name]["name"] for requirement in security for name in requirement}
    except (KeyError, TypeError):
        names = set()
    if names >= L2_HEADERS:
        return "l2"
    if names >= L1_HEADERS:
        return "l1"
    raise SpecError(
        f"{where} has a security requirement the suite cannot sign or judge ({security!r}): "
        f"neither L2 ({', '.join(sorted(L2_HEADERS))}) nor L1 headers"
    )


@functools.cache
def l2_operations(path: Path | None = None) -> dict[str, str]:
    """Path -> method of every operation whose security requirement is the L2 scheme."""
    root = spec(path)
    schemes = root.get("components", {}).get("securitySchemes", {})
    found: dict[str, str] = {}
    for route, item in root.get("paths", {}).items():
        for method, operation in item.items():
            if method.lower() not in ("get", "put", "post", "delete", "patch", "head", "options"):
                continue
            security = operation.get("security", root.get("security", []))
            where = f"{method.upper()} {route}"
            if _auth_kind(where, security, schemes) != "l2":
                continue
            if route in found:
                raise SpecError(
                    f"{where}: two L2 operations on one path ({found[route]} and "
                    f"{method.upper()}); the suite probes one method per path"
                )
            found[route] = method.upper()
    return found


@functools.cache
def max_ids() -> int:
    """The documented maximum number of ids in one DELETE /orders (the spec's maxItems)."""
    value = spec()["components"]["schemas"]["CancelOrdersRequest"]["maxItems"]
    assert isinstance(value, int)
    return value


@attrs.frozen
class Sent:
    """One request as it went on the wire."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body parsed as JSON; NOT_JSON when it is not; None for an empty body."""
        return sent_json(self.body)

    def describe(self, limit: int = 300) -> str:
        """Method, path and (shortened) body, for failure messages."""
        body = self.body.decode("utf-8", "replace")
        if len(body) > limit:
            body = f"{body[:limit]}… ({len(self.body)} bytes)"
        return f"{self.method} {self.path}" + (f" {body}" if body else "")


def sent_json(body: bytes) -> Any:
    """Body bytes parsed as JSON; NOT_JSON when they are not; None for an empty body."""
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return NOT_JSON


def sent(request: Any) -> Sent:
    """The wire view of a `requests.PreparedRequest` (schemathesis' `response.request`)."""
    url = urlsplit(request.url or "")
    body = request.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    return Sent(
        method=(request.method or "").upper(),
        path=url.path,
        query=url.query,
        headers=request.headers,
        body=body or b"",
    )


def cancel_request(response: Response) -> Sent | None:
    """The request behind ``response`` if it is one of the four cancels, else None."""
    request = sent(response.request)
    return request if request.path in CANCEL_PATHS else None


def is_correctly_signed(request: Sent, target: Target) -> bool:
    """Whether ``request`` carries valid L2 auth for the target's account over its exact bytes."""
    headers = request.headers
    timestamp = headers.get("POLY_TIMESTAMP", "")
    if (
        headers.get("POLY_API_KEY") != target.creds.api_key
        or headers.get("POLY_PASSPHRASE") != target.creds.api_passphrase
        or headers.get("POLY_ADDRESS") != target.address
        or not timestamp.isascii()
        or not timestamp.isdigit()
        or abs(int(timestamp) - target.now()) > FRESH_SECONDS
    ):
        return False
    expected = l2_signature(target.creds, timestamp, request.method, request.path, request.body)
    return hmac.compare_digest(headers.get("POLY_SIGNATURE", ""), expected)


def requested_ids(path: str, body: Any) -> list[str] | None:
    """The ids a well-formed /order or /orders body names (in order, with duplicates)."""
    if path == ORDER and isinstance(body, dict) and isinstance(body.get("orderID"), str):
        return [body["orderID"]]
    if path == ORDERS and isinstance(body, list) and all(isinstance(i, str) for i in body):
        return list(body)
    return None


def filter_key_in_other_case(body: Any) -> bool:
    """Whether a /cancel-market-orders body names a filter in another letter case (``Market``,
    ``ASSET_ID``). The spec's object is open, so such a key may be ignored (cancel every order) or
    read as the filter (Go's encoding/json matches keys case-insensitively; our mock does too):
    the contract does not say which, so no check judges what such a request canceled."""
    return isinstance(body, dict) and any(
        isinstance(key, str) and key not in ("market", "asset_id")
        and key.casefold() in ("market", "asset_id")
        for key in body
    )  # fmt: skip


def market_filter(body: Any) -> tuple[str, str] | None:
    """(market, asset_id) of a well-formed /cancel-market-orders body ("" = no filter)."""
    if body is None:
        return ("", "")
    if not isinstance(body, dict):
        return None
    market, asset_id = body.get("market", ""), body.get("asset_id", "")
    if not isinstance(market, str) or not isinstance(asset_id, str):
        return None
    return (market, asset_id)


def readable_market_filter(request: Sent) -> bool:
    """Whether a /cancel-market-orders body is one the server can read a filter from: none at
    all, or a JSON object whose `market` and `asset_id` are strings where present. (JSON `null`,
    an array, a number or a `market` of another type are not: a server that accepts them acts
    on a filter it made up, and the one it makes up for "nothing" is "every order".)"""
    if not request.body:
        return True
    body = sent_json(request.body)
    return isinstance(body, dict) and market_filter(body) is not None


def request_schema_valid(request: Sent) -> bool:
    """Whether a cancel request's body is what the spec accepts (sent as application/json)."""
    if request.path == CANCEL_ALL:
        return not request.body
    if request.path == CANCEL_MARKET:  # the body is optional
        return readable_market_filter(request) and (
            not request.body or request.content_type == "application/json"
        )
    if request.content_type != "application/json":
        return False
    ids = requested_ids(request.path, request.json())
    return ids is not None and len(ids) <= max_ids()


def valid_cancel_request(request: Sent, target: Target) -> bool:
    """Whether a cancel request as sent is valid per the spec and correctly signed."""
    return request_schema_valid(request) and is_correctly_signed(request, target)


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def cancel_answer(content: bytes) -> tuple[list[str], dict[str, str]] | None:
    """(canceled, not_canceled) of a 200 answer shaped as the spec says, else None (the
    response-schema check reports a malformed answer; the semantic checks skip it)."""
    data = _json_object(content)
    if data is None:
        return None
    canceled, not_canceled = data.get("canceled"), data.get("not_canceled")
    if not isinstance(canceled, list) or not all(isinstance(i, str) for i in canceled):
        return None
    if not isinstance(not_canceled, dict) or not all(
        isinstance(v, str) for v in not_canceled.values()
    ):
        return None
    return canceled, not_canceled


def heartbeat_request_id(request: Sent) -> str | None:
    """The `heartbeat_id` of a heartbeat request that is valid per the spec as sent (a JSON object
    with a string `heartbeat_id`, sent as application/json, no query string), else None."""
    if request.path != HEARTBEAT or request.method != "POST" or request.query:
        return None
    if request.content_type != "application/json":
        return None
    body = request.json()
    if not isinstance(body, dict) or not isinstance(body.get("heartbeat_id"), str):
        return None
    heartbeat_id: str = body["heartbeat_id"]
    return heartbeat_id


def heartbeat_next_id(content: bytes) -> str | None:
    """The id to send next, from an accepted heartbeat's answer (HeartbeatResponse), else None
    (the response-schema check reports a malformed answer; the semantic checks skip it)."""
    data = _json_object(content)
    value = None if data is None else data.get("heartbeat_id")
    return value if isinstance(value, str) else None


def heartbeat_expected_id(content: bytes) -> str | None:
    """The id a mismatch 400 names as expected (HeartbeatMismatch: a string `error_msg` and a
    string `heartbeat_id`, which may be empty), or None when the body is not that schema (e.g. an
    ErrorResponse)."""
    data = _json_object(content)
    if data is None or not isinstance(data.get("error_msg"), str):
        return None
    value = data.get("heartbeat_id")
    return value if isinstance(value, str) else None


def error_fields(content: bytes) -> tuple[str, str]:
    """(`error`, `code`) of an ErrorResponse body; "" for what is missing or not a string."""
    data = _json_object(content)
    if data is None:
        return "", ""
    error, code = data.get("error"), data.get("code")
    return (error if isinstance(error, str) else ""), (code if isinstance(code, str) else "")


def header(headers: Mapping[str, Any], name: str) -> str | None:
    """One header of a schemathesis response (lower-case names, a list of values each)."""
    values = headers.get(name.lower())
    if values is None:
        return None
    if isinstance(values, str):
        return values
    return values[0] if values else None


def retry_after_ok(value: str) -> bool:
    """Whether ``value`` is a Retry-After: delay-seconds (digits) or an HTTP-date."""
    value = value.strip()
    return (value.isascii() and value.isdigit()) or http_date(value) is not None


def compact_json(value: Any) -> bytes:
    """JSON the way the official clients send it: compact, UTF-8, non-ASCII unescaped."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def shorten(values: Any, limit: int = 5) -> str:
    """A few items of a collection, for messages (ids can be thousands and very long)."""
    items = [v if len(v) <= 80 else f"{v[:77]}…" for v in map(str, values)]
    text = ", ".join(repr(v) for v in items[:limit])
    return text + (f" … ({len(items)} in all)" if len(items) > limit else "")
