"""MockServer: the mock served by uvicorn on 127.0.0.1 in a background thread, for tests."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self

import uvicorn
from uvicorn.config import HTTP_PROTOCOLS
from uvicorn.importer import import_from_string

from .accounts import DEFAULT_ACCOUNT, Account
from .app import MockApp, MockClob, create_app
from .faults import Faults
from .orders import Order
from .wire import MAX_HEADER_BYTES, ApiError, head_too_large


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one). It listens at once, so a
    client that connects as soon as the URL is printed waits in the backlog instead of being
    refused while uvicorn starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only when it sees
    # TCP; without it every keep-alive answer waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


HEADER_TIMEOUT = 10.0  # seconds from a connection's first byte (or its opening) to whole headers
KEEP_ALIVE_TIMEOUT = 5  # seconds an idle keep-alive connection is kept


def guarded_protocol(
    http: str | type[asyncio.Protocol] = "auto",
    header_timeout: float = HEADER_TIMEOUT,
    max_header_bytes: int = MAX_HEADER_BYTES,
) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (``http``: auto, h11, httptools) plus what uvicorn lacks: a
    connection that has not completed a request's headers ``header_timeout`` seconds after it
    opened, or after the first byte of its next request, is closed, and one that sends more than
    ``max_header_bytes`` before they are complete is answered 431 and closed (a head that
    completes within one read is the app's to refuse: :func:`~clob_cancel_mock.wire.head_refusal`
    counts it whole). uvicorn's keep-alive timeout starts only after a response, so an
    opened-and-silent connection, or one dribbling its headers, was held forever. A request whose
    headers are in is the app's: its body has the app's deadline (:meth:`MockClob.read_body`)."""
    base = import_from_string(HTTP_PROTOCOLS[http]) if isinstance(http, str) else http

    class GuardedProtocol(base):  # type: ignore[valid-type,misc]
        _header_timer: asyncio.TimerHandle | None = None
        _header_bytes = 0

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            self._arm_header_timer()

        def data_received(self, data: bytes) -> None:
            before = self.cycle
            idle = before is None or before.response_complete
            if idle:
                self._arm_header_timer()
                self._header_bytes += len(data)
            super().data_received(data)
            if self.cycle is not before:  # a request's headers are complete
                self._drop_header_timer()
            elif idle and self._header_bytes > max_header_bytes:
                self.transport.write(raw_answer(head_too_large()))
                self._close()

        def connection_lost(self, exc: Exception | None) -> None:
            self._drop_header_timer()
            super().connection_lost(exc)

        def _arm_header_timer(self) -> None:
            if self._header_timer is None:
                self._header_bytes = 0
                self._header_timer = self.loop.call_later(header_timeout, self._header_timeout)

        def _drop_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None
            self._header_bytes = 0

        def _header_timeout(self) -> None:
            self._header_timer = None
            if self.cycle is None or self.cycle.response_complete:
                self._close()

        def _close(self) -> None:
            self._drop_header_timer()
            if not self.transport.is_closing():
                self.transport.close()

    GuardedProtocol.__name__ = GuardedProtocol.__qualname__ = f"Guarded{base.__name__}"
    return GuardedProtocol


def raw_answer(error: ApiError) -> bytes:
    """``error`` as a whole HTTP/1.1 answer that closes the connection, for the protocol to
    write itself where no request (so no ASGI answer) exists yet."""
    body = json.dumps({"error": error.message}).encode()
    return (
        f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    ).encode() + body


H11_MAX_INCOMPLETE_BYTES = MAX_HEADER_BYTES + (1 << 20)
"""h11's own cap on an incomplete head (its answer: 400), only a backstop: above what the
guarded protocol lets through plus any one read (asyncio reads at most 256 KiB), so the
protocol's 431 comes first under h11 as under httptools, which has no cap."""


def uvicorn_config(app: MockApp, *, access_log: bool = False, **options: Any) -> uvicorn.Config:
    """uvicorn's config for the mock: the guarded protocol (``header_timeout``), a short
    keep-alive and h11's backstop header-size cap."""
    http = guarded_protocol(
        options.pop("http", "auto"), options.pop("header_timeout", HEADER_TIMEOUT)
    )
    return uvicorn.Config(
        app,
        lifespan="off",
        access_log=access_log,
        http=http,
        log_level=options.pop("log_level", "warning"),
        timeout_graceful_shutdown=options.pop("timeout_graceful_shutdown", 3),
        timeout_keep_alive=options.pop("timeout_keep_alive", KEEP_ALIVE_TIMEOUT),
        h11_max_incomplete_event_size=options.pop(
            "h11_max_incomplete_event_size", H11_MAX_INCOMPLETE_BYTES
        ),
        **options,
    )


class MockServer:
    """Starts the mock on 127.0.0.1 on a free port; ``with MockServer() as mock: mock.url``.

    Options are those of :func:`create_app` (``timestamp_window``, ``faults``,
    ``heartbeat_timeout``, ``body_timeout``, ``clob_class``, ...); ``header_timeout`` and
    ``http`` (uvicorn's HTTP implementation: auto, h11, httptools) are the server's
    (:func:`guarded_protocol`). The state can be read and changed directly
    (``add_orders``, ``orders``, ``set_faults``, ``heartbeats``, ``reset``) or over HTTP through
    the /_mock/ admin surface.
    """

    def __init__(
        self,
        accounts: Iterable[Account] = (DEFAULT_ACCOUNT,),
        orders: Iterable[Order | Mapping[str, Any]] = (),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        start_timeout: float = 10.0,
        header_timeout: float = HEADER_TIMEOUT,
        http: str = "auto",
        **options: Any,
    ) -> None:
        self.app = create_app(accounts, orders, **options)
        self.header_timeout = header_timeout
        self.http = http
        self.clob: MockClob = self.app.clob
        self.host = host
        self.port = port
        self.start_timeout = start_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("MockServer is not running (use it as a context manager)")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        sock = bind_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        # loop="asyncio": uvloop's policy would be set process-wide, under the tests' feet.
        server = uvicorn.Server(
            uvicorn_config(
                self.app, loop="asyncio", header_timeout=self.header_timeout, http=self.http
            )
        )
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="clob-cancel-mock", daemon=True
        )
        self._server, self._thread = server, thread
        self.clob.closing = False
        thread.start()
        thread.join(0)
        waited = 0.0
        while not server.started:
            if not thread.is_alive() or waited >= self.start_timeout:
                self.stop()
                sock.close()
                raise RuntimeError(f"the mock did not start on {self.host}:{self.port}")
            thread.join(0.01)
            waited += 0.01

    def stop(self) -> None:
        self.clob.closing = True  # a request sleeping in a fault's delay is abandoned at once
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._thread = None
        self.clob.drop_heartbeat_timers()  # their loop is closed: no expiry after stop

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- state, without HTTP --------------------------------------------------------------------

    def add_orders(self, orders: Iterable[Order | Mapping[str, Any]]) -> list[Order]:
        """Add (or replace, by id) orders; mappings as in the admin surface."""
        parsed = self.clob.parse_orders(list(orders), "orders")
        self.clob.book.add(parsed)
        return parsed

    def orders(self) -> list[dict[str, str]]:
        """Every order with its state, as JSON objects."""
        return [order.to_json() for order in self.clob.book.all()]

    def set_faults(self, faults: Faults | Mapping[str, Any] | None) -> dict[str, Any]:
        self.clob.set_faults(faults)
        return self.clob.faults_json()

    def heartbeats(self) -> dict[str, dict[str, Any]]:
        """Each api key's heartbeat, as ``GET /_mock/heartbeats`` answers it."""
        return self.clob.heartbeats_json()

    def reset(self) -> None:
        self.clob.reset()
