"""The mock CLOB as an ASGI (Starlette) app: the spec's operations, answered by a
:class:`~clob_cancel_mock.clob.MockClob`, plus the /_mock/ admin surface (admin.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypedDict, Unpack

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from .accounts import DEFAULT_ACCOUNT, Account
from .admin import admin_mount
from .clob import DEFAULT_MAX_BODY_BYTES, MockClob
from .contract import Contract, Operation
from .faults import ERROR_TEXTS, Faults
from .orders import Order
from .wire import RAW_SEND, ApiError, head_refusal, json_response

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "ApiError",
    "ClobOptions",
    "MockApp",
    "MockClob",
    "create_app",
    "json_response",
]

log = logging.getLogger("clob_cancel_mock")


class MockApp(Starlette):
    """Starlette, plus the server's own ``send`` kept in the scope so that a fault can drop the
    connection, and a request with an oversized head or an invalid Host refused before any
    route (:func:`~clob_cancel_mock.wire.head_refusal`); ``clob`` is the :class:`MockClob`
    behind it."""

    clob: MockClob

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = head_refusal(scope) if scope["type"] == "http" else None
        if refusal is not None:
            await self.clob.error_response(refusal)(scope, receive, send)
            return
        scope[RAW_SEND] = send
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


class ClobOptions(TypedDict, total=False):
    """The keyword options :func:`create_app` (and ``MockServer``) hand to the :class:`MockClob`
    class as they are; their defaults are ``MockClob.__init__``'s, in one place."""

    timestamp_window: float
    chain_id: int
    max_body_bytes: int
    faults: Faults | Mapping[str, Any] | None
    clock_offset: float
    heartbeat_timeout: float
    body_timeout: float


def create_app(
    accounts: Iterable[Account] = (DEFAULT_ACCOUNT,),
    orders: Iterable[Order | Mapping[str, Any]] = (),
    *,
    spec: Path | None = None,
    clob_class: type[MockClob] = MockClob,
    **options: Unpack[ClobOptions],
) -> MockApp:
    """The mock CLOB as an ASGI app. ``orders`` are Order objects or JSON-like mappings (owner
    defaults to the first account); ``heartbeat_timeout``: seconds without an accepted heartbeat
    after which an armed API key's orders are canceled; ``spec`` defaults to the packaged
    contract; the other options are :class:`ClobOptions`."""
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
    clob = clob_class(contract, accounts, orders, **options)
    routes: list[BaseRoute] = [
        Route(path, _endpoint_for_path(clob, ops), methods=[op.method for op in ops])
        for path, ops in contract.paths()
    ]
    routes.append(admin_mount(clob))
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
