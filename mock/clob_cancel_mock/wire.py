"""The mock's HTTP plumbing shared by the API and the admin surface: error answers, JSON
answers, a dropped connection, and the request-scope keys and headers they read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

BODY_LIMIT = "clob_cancel_mock.body_limit"
"""Scope key: (bytes, refusal) for ``MockClob.read_body``."""
CLOSE = {"Connection": "close"}
"""Headers of an answer sent before the rest of the body is read: end the connection."""
RAW_SEND = "clob_cancel_mock.send"
"""Scope key: the server's own send, to drop a connection."""
_POLY_HEADERS = "clob_cancel_mock.poly_headers"  # scope key: the POLY_* values, see poly_headers


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
    """A compact UTF-8 JSON answer (a lone surrogate escaped, as it has no UTF-8)."""
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
        raw_send = scope.get(RAW_SEND)
        transport = getattr(getattr(raw_send, "__self__", None), "transport", None)
        if transport is None:
            raise ConnectionAbortedError("clob_cancel_mock: connection dropped (fault injection)")
        transport.close()
        await asyncio.sleep(0)  # let the server see the disconnect, so it sends nothing itself


def poly_headers(request: Request) -> dict[str, str]:
    """The request's POLY_* header values by (lower-case) name; of a repeated one the first, as
    ``request.headers.get`` gives it. Read in one pass and kept in the scope: ``body_limit`` and
    ``authenticate`` both need them on every L2 request, where ten ``request.headers.get`` calls
    would scan every header each (bench/README.md, "Measurements behind the code")."""
    found: dict[str, str] | None = request.scope.get(_POLY_HEADERS)
    if found is None:
        found = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in reversed(request.scope["headers"])
            if name.startswith(b"poly_")
        }
        request.scope[_POLY_HEADERS] = found
    return found


def body_too_large(limit: int) -> ApiError:
    """The 413 of a body past ``limit`` bytes; made only then, not ahead of every request."""
    return ApiError(413, f"request body larger than {limit} bytes", CLOSE)


def media_type(content_type: str) -> str:
    """A Content-Type's media type, lower case, without parameters."""
    return content_type.split(";", 1)[0].strip().lower()
