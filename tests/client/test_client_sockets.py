"""Failures where real sockets matter, from deliberately misbehaving servers on 127.0.0.1: one
that reads the request and never answers (read timeout: fate unknown, not retried), one that
closes the connection without answering (retried), and a port nobody listens on (refused)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType
from typing import Any, Self

import httpx
import pytest

from clob_cancel import (
    AsyncCancelClient,
    CancelClient,
    RetryPolicy,
    TransportError,
    UnexpectedAnswerError,
)

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

    def __enter__(self) -> Self:
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


# The async client on each backend (aiohttp's transport and httpx's own): the same failures from
# the same misbehaving servers, and the same verdicts.
BACKENDS = ["httpx", "aiohttp"]


def async_client(url: str, backend: str, **options: Any) -> AsyncCancelClient:
    client = AsyncCancelClient(url, CREDS, ADDRESS, backend=backend, **options)  # type: ignore[arg-type]
    assert client.backend == backend
    return client


@pytest.mark.parametrize("backend", BACKENDS)
async def test_async_never_answered_is_fate_unknown_without_retry(backend: str) -> None:
    fake = FakeTime()
    with MisbehavingServer(hang_up=False) as server:
        async with async_client(server.url, backend, timeout=TIMEOUT, sleep=fake.async_sleep) as c:
            with pytest.raises(TransportError) as raised:
                await c.cancel("0xa")
    assert raised.value.fate_unknown is True
    assert "ReadTimeout" in str(raised.value)
    assert raised.value.unknown_ids == ("0xa",)
    assert len(server.received) == 1
    assert server.received[0].startswith(b"DELETE /order HTTP/1.1")
    assert fake.sleeps == []


@pytest.mark.parametrize("backend", BACKENDS)
async def test_async_hang_up_is_retried_then_reported_fate_unknown(backend: str) -> None:
    fake = FakeTime()
    retries = RetryPolicy(retries=2, rng=lambda: 0.0)
    with MisbehavingServer(hang_up=True) as server:
        async with async_client(
            server.url, backend, timeout=PATIENT, retries=retries, sleep=fake.async_sleep
        ) as c:
            with pytest.raises(TransportError) as raised:
                await c.cancel_orders(["0xa", "0xb"])
    assert len(server.received) == 3
    assert all(r.startswith(b"DELETE /orders HTTP/1.1") for r in server.received)
    assert "RemoteProtocolError" in str(raised.value)
    assert raised.value.fate_unknown is True
    assert raised.value.attempts == 3
    assert raised.value.unknown_ids == ("0xa", "0xb")
    assert raised.value.untouched_ids == ()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_async_connection_refused_is_retried_and_known_not_sent(backend: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    fake = FakeTime()
    retries = RetryPolicy(retries=1, rng=lambda: 0.5)
    async with async_client(
        f"http://127.0.0.1:{port}",
        backend,
        timeout=PATIENT,
        retries=retries,
        sleep=fake.async_sleep,
    ) as c:
        with pytest.raises(TransportError) as raised:
            await c.cancel_orders(["0xa", "0xb"])
    assert raised.value.fate_unknown is False
    assert "ConnectError" in str(raised.value)
    assert raised.value.untouched_ids == ("0xa", "0xb")
    assert fake.sleeps == [0.25]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_async_pool_timeout_is_known_not_sent(backend: str) -> None:
    """One connection allowed, held by a request the server never answers: the second request
    waits for the pool past its timeout and fails unsent, whichever transport counts it."""
    limits = httpx.Limits(max_connections=1)
    timeout = httpx.Timeout(1.0, pool=0.2, connect=0.2)
    with MisbehavingServer(hang_up=False) as server:
        async with async_client(
            server.url,
            backend,
            timeout=timeout,
            retries=0,
            httpx_client_kwargs={"limits": limits},
        ) as c:

            async def later() -> None:
                await asyncio.sleep(0.05)  # the first holds the only connection by then
                await c.cancel("0xb")

            first, second = await asyncio.gather(c.cancel("0xa"), later(), return_exceptions=True)
    assert isinstance(first, TransportError) and first.fate_unknown is True
    assert isinstance(second, TransportError), second
    assert second.fate_unknown is False and second.untouched_ids == ("0xb",)
    assert len(server.received) == 1


class CountingServer(MisbehavingServer):
    """Answers every request on a keep-alive connection after ``delay`` seconds, a thread per
    connection; notes how many connections were open at once and in all."""

    def __init__(self, delay: float) -> None:
        super().__init__(hang_up=False)
        self.delay = delay
        self.connections = 0
        self.open_now = 0
        self.most_open = 0
        self._lock = threading.Lock()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            with self._lock:
                self.connections += 1
                self.open_now += 1
                self.most_open = max(self.most_open, self.open_now)
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        body = b'{"canceled":["0x1"],"not_canceled":{}}'
        with conn:
            conn.settimeout(2.0)
            data = b""
            try:
                while chunk := conn.recv(65536):
                    data += chunk
                    while b"\r\n\r\n" in data:
                        head, _, data = data.partition(b"\r\n\r\n")
                        length = int(head.lower().split(b"content-length: ")[1].split(b"\r")[0])
                        data = data[length:]  # bodies here are tiny: all in the same read
                        self.received.append(head)
                        time.sleep(self.delay)
                        conn.sendall(
                            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                        )
            except OSError:
                pass
            finally:
                with self._lock:
                    self.open_now -= 1


@pytest.mark.parametrize("backend", BACKENDS)
async def test_async_connection_limit_holds_and_connections_are_reused(backend: str) -> None:
    limits = httpx.Limits(max_connections=2)
    with CountingServer(delay=0.02) as server:
        async with async_client(
            server.url, backend, timeout=PATIENT, httpx_client_kwargs={"limits": limits}
        ) as c:
            answers = await asyncio.gather(*(c.cancel("0x1") for _ in range(12)))
    assert all(a.canceled == ["0x1"] for a in answers)
    assert len(server.received) == 12
    assert server.most_open <= 2 and server.connections == 2


@pytest.mark.parametrize("backend", BACKENDS)
async def test_async_requests_go_through_the_proxy_given(backend: str) -> None:
    with AnsweringProxy() as proxy:
        async with async_client(
            "http://clob.test",
            backend,
            proxy=proxy.url,
            timeout=PATIENT,
            allow_insecure_http=True,
        ) as c:
            assert (await c.cancel_all()).canceled == []
    (request,) = proxy.received
    head = request.decode()
    assert head.startswith("DELETE http://clob.test/cancel-all HTTP/1.1")
    assert "poly_signature:" in head.lower()


class RedirectingServer(MisbehavingServer):
    """Answers every request with a 307 to another origin and a Set-Cookie."""

    def __init__(self) -> None:
        super().__init__(hang_up=True)

    def _serve(self) -> None:
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
                    b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:9/cancel-all"
                    b"\r\nSet-Cookie: session=abc\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )


@pytest.mark.parametrize("backend", BACKENDS)
async def test_async_redirects_are_not_followed_and_cookies_not_kept(backend: str) -> None:
    with RedirectingServer() as server:
        async with async_client(server.url, backend, timeout=PATIENT, retries=0) as c:
            for _ in range(2):
                with pytest.raises(UnexpectedAnswerError, match="307"):
                    await c.cancel_all()
    assert len(server.received) == 2
    assert b"cookie:" not in server.received[1].lower()


@pytest.mark.parametrize("path", ["/a%2fb", "/p%7e"])
@pytest.mark.parametrize("backend", BACKENDS)
async def test_async_sends_the_path_it_signed(backend: str, path: str) -> None:
    """Percent-escapes in a base URL's path go out as written (yarl would re-quote them: the
    server would then check the signature against another path)."""
    with AnsweringProxy() as server:
        async with async_client(server.url + path, backend, timeout=PATIENT) as c:
            await c.cancel_all()
    (request,) = server.received
    assert request.startswith(f"DELETE {path}/cancel-all HTTP/1.1".encode())


def test_the_backend_chosen() -> None:
    def backend(**options: Any) -> str:
        return AsyncCancelClient("https://clob.test", CREDS, ADDRESS, **options).backend

    assert backend() == "aiohttp"  # installed in the dev venv: used when nothing says otherwise
    assert backend(http2=True) == "httpx"  # aiohttp has no HTTP/2
    custom = {"transport": httpx.MockTransport(lambda r: httpx.Response(200))}
    assert backend(httpx_client_kwargs=custom) == "httpx"
    assert backend(backend="httpx") == "httpx"
    with pytest.raises(ValueError, match="aiohttp has no HTTP/2"):
        backend(backend="aiohttp", http2=True)
    with pytest.raises(ValueError, match="pick one"):
        backend(backend="aiohttp", httpx_client_kwargs=custom)
    with pytest.raises(ValueError, match="backend must be one of"):
        backend(backend="requests")


def test_without_the_extras(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without httpx-aiohttp the async client falls back to httpx's transport, unless told to
    use aiohttp; without h2, http2=True is refused at construction, naming the extra."""
    from clob_cancel import _transport

    missing = {"httpx_aiohttp", "h2"}
    monkeypatch.setattr(_transport, "installed", lambda package: package not in missing)
    assert AsyncCancelClient("https://clob.test", CREDS, ADDRESS).backend == "httpx"
    with pytest.raises(ImportError, match=r"clob-cancel\[aiohttp\]"):
        AsyncCancelClient("https://clob.test", CREDS, ADDRESS, backend="aiohttp")
    for cls in (CancelClient, AsyncCancelClient):
        with pytest.raises(ImportError, match=r"clob-cancel\[http2\]"):
            cls("https://clob.test", CREDS, ADDRESS, http2=True)
