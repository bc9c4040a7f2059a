"""The clients over TLS against the mock served by hypercorn on loopback with a throwaway
certificate (bench/tls.py): HTTP/2 when asked (``http2=True``, negotiated by ALPN, as the official
v2 client talks to the CLOB), HTTP/1.1 otherwise, on every backend; and a certificate the client
does not trust stops the request before anything is sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bench.tls import TlsServer
from clob_cancel import AsyncCancelClient, CancelClient, RetryPolicy, TransportError
from clob_cancel_mock import DEFAULT_ACCOUNT, MockClob, create_app

IDS = [f"0x{n:064x}" for n in range(1, 8)]
FAST = RetryPolicy(retries=1, base_delay=0.01, max_delay=0.01)
# (backend or None for the sync client, http2, the protocol the answers must come in)
CASES = [
    (None, False, "HTTP/1.1"),
    (None, True, "HTTP/2"),
    ("httpx", False, "HTTP/1.1"),
    ("httpx", True, "HTTP/2"),
    ("aiohttp", False, "HTTP/1.1"),
]


@pytest.fixture(scope="module")
def server() -> Iterator[TlsServer]:
    with TlsServer(create_app()) as tls:
        yield tls


@pytest.fixture
def clob(server: TlsServer) -> MockClob:
    clob: MockClob = server.app.clob
    clob.reset()
    clob.book.add(clob.parse_orders([{"id": i} for i in IDS], "orders"))
    return clob


def options(versions: list[str], http2: bool, **more: Any) -> dict[str, Any]:
    """Client options that note the HTTP version of every answer."""

    def note(response: httpx.Response) -> None:
        versions.append(response.http_version)

    async def anote(response: httpx.Response) -> None:
        note(response)

    hook = anote if more.pop("is_async") else note
    limits = more.pop("limits", httpx.Limits())
    return {
        "http2": http2,
        "retries": FAST,
        **more,
        "httpx_client_kwargs": {"event_hooks": {"response": [hook]}, "limits": limits},
    }


@pytest.mark.parametrize(("backend", "http2", "version"), CASES)
async def test_the_cancels_over_tls(
    server: TlsServer, clob: MockClob, backend: str | None, http2: bool, version: str
) -> None:
    versions: list[str] = []
    creds, address = DEFAULT_ACCOUNT.creds, DEFAULT_ACCOUNT.address
    verify = server.client_context()
    if backend is None:
        with CancelClient(
            server.url, creds, address, verify=verify, **options(versions, http2, is_async=False)
        ) as c:
            assert c.cancel(IDS[0]).canceled == [IDS[0]]
            assert c.cancel_orders(IDS[1:4]).canceled == IDS[1:4]
            assert sorted(c.cancel_all().canceled) == IDS[4:]
    else:
        async with AsyncCancelClient(
            server.url,
            creds,
            address,
            verify=verify,
            backend=backend,  # type: ignore[arg-type]
            max_ids_per_request=1,  # three requests at once: multiplexed on one h2 connection
            **options(versions, http2, is_async=True),
        ) as ac:
            assert ac.backend == backend
            assert (await ac.cancel(IDS[0])).canceled == [IDS[0]]
            assert (await ac.cancel_orders(IDS[1:4])).canceled == IDS[1:4]
            assert sorted((await ac.cancel_all()).canceled) == IDS[4:]
    assert versions == [version] * (3 if backend is None else 5)
    assert {o["state"] for o in server_orders(clob)} == {"canceled"}


def server_orders(clob: MockClob) -> list[dict[str, str]]:
    return [order.to_json() for order in clob.book.all()]


@pytest.mark.parametrize(("backend", "http2"), [(b, h) for b, h, _ in CASES])
async def test_an_untrusted_certificate_sends_nothing(
    server: TlsServer, clob: MockClob, backend: str | None, http2: bool
) -> None:
    """Default verification (the system's CAs) refuses the throwaway certificate: a connect
    error, retried, then reported with every id untouched; the mock saw no cancel."""
    creds, address = DEFAULT_ACCOUNT.creds, DEFAULT_ACCOUNT.address
    with pytest.raises(TransportError) as raised:
        if backend is None:
            with CancelClient(server.url, creds, address, http2=http2, retries=FAST) as c:
                c.cancel_orders(IDS[:2])
        else:
            async with AsyncCancelClient(
                server.url,
                creds,
                address,
                http2=http2,
                retries=FAST,
                backend=backend,  # type: ignore[arg-type]
            ) as ac:
                await ac.cancel_orders(IDS[:2])
    assert "ConnectError" in str(raised.value)
    assert raised.value.fate_unknown is False
    assert raised.value.untouched_ids == tuple(IDS[:2])
    assert {o["state"] for o in server_orders(clob)} == {"live"}


async def test_one_tls_context_shared_by_an_http2_client_and_the_aiohttp_backend(
    server: TlsServer, clob: MockClob
) -> None:
    """httpx sets h2 in the ALPN of the context it is given at each connect; the aiohttp
    backend, which speaks HTTP/1.1 only, must not offer it from the same context."""
    creds, address = DEFAULT_ACCOUNT.creds, DEFAULT_ACCOUNT.address
    context = server.client_context()
    versions: list[str] = []

    def http2_cancel(order_id: str) -> None:  # a new client: a new connect, h2 set again
        with CancelClient(
            server.url, creds, address, verify=context, **options(versions, True, is_async=False)
        ) as h2:
            assert h2.cancel(order_id).canceled == [order_id]

    fresh = httpx.Limits(keepalive_expiry=0)  # a new connection, so a new handshake, each time
    async with AsyncCancelClient(
        server.url,
        creds,
        address,
        verify=context,
        **options(versions, False, is_async=True, limits=fresh),
    ) as h1:
        assert h1.backend == "aiohttp"
        for n in range(0, 4, 2):
            http2_cancel(IDS[n])
            assert (await h1.cancel(IDS[n + 1])).canceled == [IDS[n + 1]]
    assert versions == ["HTTP/2", "HTTP/1.1"] * 2
