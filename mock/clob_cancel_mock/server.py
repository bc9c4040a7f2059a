"""MockServer: the mock served by uvicorn on 127.0.0.1 in a background thread, for tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Self

import uvicorn

from .accounts import DEFAULT_ACCOUNT, Account
from .app import MockApp, MockClob, create_app
from .faults import Faults
from .orders import Order


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


def uvicorn_config(app: MockApp, *, access_log: bool = False, **options: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        lifespan="off",
        access_log=access_log,
        log_level=options.pop("log_level", "warning"),
        timeout_graceful_shutdown=options.pop("timeout_graceful_shutdown", 3),
        **options,
    )


class MockServer:
    """Starts the mock on 127.0.0.1 on a free port; ``with MockServer() as mock: mock.url``.

    Options are those of :func:`create_app` (``timestamp_window``, ``faults``,
    ``heartbeat_timeout``, ``clob_class``, ...). The state can be read and changed directly
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
        **options: Any,
    ) -> None:
        self.app = create_app(accounts, orders, **options)
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
        server = uvicorn.Server(uvicorn_config(self.app, loop="asyncio"))
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
