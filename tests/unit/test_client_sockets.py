"""Failures where real sockets matter, from deliberately misbehaving servers on 127.0.0.1: one
that reads the request and never answers (read timeout: fate unknown, not retried), one that
closes the connection without answering (retried), and a port nobody listens on (refused)."""

from __future__ import annotations

import socket
import threading
from types import TracebackType

import httpx
import pytest

from clob_cancel import AsyncCancelClient, CancelClient, RetryPolicy, TransportError

from .client_fakes import ADDRESS, CREDS, FakeTime

TIMEOUT = httpx.Timeout(0.3)  # for the server that never answers
PATIENT = httpx.Timeout(5.0)  # where an answer or a hang-up comes: never reached on a sane day


class MisbehavingServer:
    """Accepts connections and reads each request; then either stays silent or hangs up."""

    def __init__(self, hang_up: bool) -> None:
        self.hang_up = hang_up
        self.received: list[bytes] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._open: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(2.0)
            data = b""
            while b"\r\n\r\n" not in data:  # the request head (bodies here are tiny)
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            self.received.append(data)
            if self.hang_up:
                conn.close()
            else:
                self._open.append(conn)

    def __enter__(self) -> MisbehavingServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._open:
            conn.close()
        self._listener.close()


def test_a_server_that_never_answers_gives_a_fate_unknown_error_without_retry() -> None:
    fake = FakeTime()
    with (
        MisbehavingServer(hang_up=False) as server,
        CancelClient(server.url, CREDS, ADDRESS, timeout=TIMEOUT, sleep=fake.sleep) as c,
        pytest.raises(TransportError) as raised,
    ):
        c.cancel("0xa")
    assert raised.value.fate_unknown is True
    assert "ReadTimeout" in str(raised.value)
    assert raised.value.unknown_ids == ("0xa",)
    assert len(server.received) == 1  # sent once, and it did reach the server
    assert server.received[0].startswith(b"DELETE /order HTTP/1.1")
    assert fake.sleeps == []


def test_a_server_that_hangs_up_is_retried_then_reported_fate_unknown() -> None:
    fake = FakeTime()
    with (
        MisbehavingServer(hang_up=True) as server,
        CancelClient(
            server.url,
            CREDS,
            ADDRESS,
            timeout=PATIENT,
            retries=RetryPolicy(retries=2, rng=lambda: 0.0),
            sleep=fake.sleep,
        ) as c,
        pytest.raises(TransportError) as raised,
    ):
        c.cancel_orders(["0xa", "0xb"])
    assert len(server.received) == 3
    assert all(r.startswith(b"DELETE /orders HTTP/1.1") for r in server.received)
    assert raised.value.fate_unknown is True
    assert raised.value.attempts == 3
    assert raised.value.unknown_ids == ("0xa", "0xb")


def test_connection_refused_is_retried_and_known_not_sent() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed on exit: nobody listens there any more
    fake = FakeTime()
    with (
        CancelClient(
            f"http://127.0.0.1:{port}",
            CREDS,
            ADDRESS,
            timeout=PATIENT,
            retries=RetryPolicy(retries=1, rng=lambda: 0.5),
            sleep=fake.sleep,
        ) as c,
        pytest.raises(TransportError) as raised,
    ):
        c.cancel_all()
    assert raised.value.fate_unknown is False
    assert "ConnectError" in str(raised.value)
    assert fake.sleeps == [0.25]


async def test_async_client_never_answered_is_fate_unknown() -> None:
    fake = FakeTime()
    with MisbehavingServer(hang_up=False) as server:
        async with AsyncCancelClient(
            server.url, CREDS, ADDRESS, timeout=TIMEOUT, sleep=fake.async_sleep
        ) as c:
            with pytest.raises(TransportError) as raised:
                await c.cancel_market_orders(asset_id="52114")
    assert raised.value.fate_unknown is True
    assert len(server.received) == 1
    assert server.received[0].startswith(b"DELETE /cancel-market-orders HTTP/1.1")


class AnsweringProxy(MisbehavingServer):
    """An HTTP proxy that answers every request itself with an empty cancel answer."""

    def __init__(self) -> None:
        super().__init__(hang_up=True)

    def _serve(self) -> None:
        body = b'{"canceled":[],"not_canceled":{}}'
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2.0)
                data = b""
                while b"\r\n\r\n" not in data and (chunk := conn.recv(65536)):
                    data += chunk
                self.received.append(data)
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )


def test_requests_go_through_the_proxy_given_and_sign_the_origin_path() -> None:
    with (
        AnsweringProxy() as proxy,
        CancelClient(
            "http://clob.test",
            CREDS,
            ADDRESS,
            proxy=proxy.url,
            timeout=PATIENT,
            allow_insecure_http=True,
        ) as c,
    ):
        assert c.cancel_all().canceled == []
    (request,) = proxy.received
    head = request.decode()
    assert head.startswith("DELETE http://clob.test/cancel-all HTTP/1.1")
    assert "poly_signature:" in head.lower()
