"""The admin surface under /_mock/: seed and list orders, reset, set faults, read accounts and
heartbeats. It has no auth, so :class:`AdminGuard`, a middleware on the /_mock mount, refuses
what a web page could send to a mock on loopback before any route reads or changes anything."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from clob_cancel.urls import is_loopback

from .faults import FaultsError
from .jsonbody import json_value
from .orders import OrderError
from .wire import BODY_LIMIT, ApiError, json_response, media_type

if TYPE_CHECKING:
    from .clob import MockClob

ADMIN_MAX_BODY_BYTES = 1 << 20
"""The largest admin body (a seed of orders), under the mock's ``max_body_bytes``."""
ADMIN_METHODS = {
    "orders": ["GET", "POST"],
    "reset": ["POST"],
    "faults": ["GET", "POST"],
    "accounts": ["GET"],
    "heartbeats": ["GET"],
}
"""The admin routes under /_mock/ and the methods each answers."""


def admin_mount(clob: MockClob) -> Mount:
    """/_mock/: the admin routes behind :class:`AdminGuard`."""

    async def admin(request: Request) -> Response:
        try:
            return await _admin_call(clob, request)
        except ApiError as e:
            return clob.error_response(e)
        except (OrderError, FaultsError) as e:
            return clob.error_response(ApiError(400, str(e)))

    routes = [Route(f"/{name}", admin, methods=m) for name, m in ADMIN_METHODS.items()]
    return Mount("/_mock", routes=routes, middleware=[Middleware(AdminGuard, clob=clob)])


async def _admin_call(clob: MockClob, request: Request) -> Response:
    """One admin call (the routes let through only the methods each name allows)."""
    name, method = request.url.path.rsplit("/", 1)[1], request.method
    if name == "orders" and method == "GET":
        return json_response(200, [order.to_json() for order in clob.book.all()])
    if name == "orders":
        orders = clob.parse_orders(await _admin_json(clob, request), "orders")
        clob.book.add(orders)
        return json_response(200, [order.to_json() for order in orders])
    if name == "reset":
        clob.reset()
        return json_response(200, {"orders": clob.seeded_order_count})
    if name == "faults" and method == "POST":
        clob.set_faults(await _admin_json(clob, request))
    if name == "faults":
        return json_response(200, clob.faults_json())
    if name == "heartbeats":
        return json_response(200, clob.heartbeats_json())
    accounts = [{"api_key": a.api_key, "address": a.address} for a in clob.accounts]
    return json_response(200, accounts)


async def _admin_json(clob: MockClob, request: Request) -> Any:
    request.scope[BODY_LIMIT] = (min(clob.max_body_bytes, ADMIN_MAX_BODY_BYTES), None)
    try:
        return json_value(await clob.read_body(request) or b"null")
    except ValueError as e:
        raise ApiError(400, str(e)) from None


class AdminGuard:
    """Refuse what a web page could send to a mock on loopback (the admin surface has no auth; a
    page the developer visits, or a DNS-rebinding one, must not drive it):

    - ``Host``: its name must be a loopback name (``localhost``, ``127.0.0.1`` or any
      127.x.y.z, ``[::1]``) or the address the connection came in on (the bound address);
      any port. Otherwise 421: a DNS-rebinding page's requests carry its own name.
    - ``Origin``: absent (not a browser, or a same-origin GET), or ``http(s)://`` + one of
      those names + the port the mock listens on (the mock's own origin under any loopback
      name). Anything else, ``null`` included, is 403.
    - a POST's ``Content-Type`` must be ``application/json`` (parameters allowed), else 415;
      a POST with no body may omit it (``POST /_mock/reset``). A browser sends
      ``text/plain``, a form type or no body only, cross-site, without a CORS preflight.

    Nothing is read or changed before these pass: the refusal is the clob's error answer."""

    def __init__(self, app: ASGIApp, clob: MockClob) -> None:
        self.app = app
        self.clob = clob

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                check_admin_request(Request(scope))
            except ApiError as e:
                await self.clob.error_response(e)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def check_admin_request(request: Request) -> None:
    """Raise the :class:`ApiError` :class:`AdminGuard` answers a request with, if any."""
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
        elif media_type(content_type) != "application/json":
            raise ApiError(
                415,
                f"an admin POST needs Content-Type: application/json, got {content_type[:100]!r}",
            )


def _split_authority(authority: str) -> tuple[str | None, int | None]:
    """(host, port) of a Host header or an origin's netloc; host None when malformed. An IPv6
    host loses its brackets; port None when absent."""
    try:
        parts = urlsplit("//" + authority)
        return parts.hostname, parts.port
    except ValueError:
        return None, None


def _local_name(host: str, bound_host: str | None) -> bool:
    """Whether ``host`` names this machine's loopback (the client's rule) or the bound address."""
    if bound_host is not None and host.lower().rstrip(".") == bound_host.lower():
        return True
    return is_loopback(host)


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
