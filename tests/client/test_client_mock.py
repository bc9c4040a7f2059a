"""The client end to end against the real mock CLOB on loopback: the four cancels (sync and async)
change the mock's order book as they say, faults are retried or reported, and L1 derivation gives
the account's credentials, as py-clob-client derives them. Every answer the clients get here is
also validated against the spec (clob_cancel_conformance.validate)."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

pytest.importorskip("clob_cancel_mock")

from clob_cancel import (
    ApiCreds,
    AsyncCancelClient,
    AuthError,
    CancelClient,
    RateLimitedError,
    RetryPolicy,
    TransportError,
    UnavailableError,
    create_or_derive_api_key,
    derive_api_key,
)
from clob_cancel_conformance.validate import async_event_hooks, event_hooks
from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

MARKET_A = "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af"
MARKET_B = "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1"
SEED = [
    {"id": f"0xa{i}", "market": MARKET_A, "asset_id": "111" if i % 2 else "112", "state": "live"}
    for i in range(6)
] + [{"id": f"0xb{i}", "market": MARKET_B, "asset_id": "221", "state": "live"} for i in range(4)]
FAST = RetryPolicy(retries=3, base_delay=0.01, max_delay=0.05, max_total_seconds=5)


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(orders=[{**o, "owner": DEFAULT_ACCOUNT.api_key} for o in SEED]) as mock:
        yield mock


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    server.reset()
    return server


def states(mock: MockServer) -> dict[str, str]:
    return {o["id"]: o["state"] for o in mock.orders()}


def live(mock: MockServer) -> set[str]:
    return {i for i, s in states(mock).items() if s == "live"}


def sync_client(mock: MockServer, **options: Any) -> CancelClient:
    """A client whose every answer is also validated against the spec (schemathesis' checks)."""
    options.setdefault("retries", FAST)
    options.setdefault("httpx_client_kwargs", {"event_hooks": event_hooks()})
    return CancelClient(mock.url, DEFAULT_ACCOUNT.creds, DEFAULT_ACCOUNT.address, **options)


# The sync client, and the async client on each backend: the same behaviour is asked of all three.
KINDS = ["sync", "async on httpx", "async on aiohttp"]


@asynccontextmanager
async def any_client(
    kind: str, mock: MockServer, creds: ApiCreds = DEFAULT_ACCOUNT.creds, **options: Any
) -> AsyncIterator[Any]:
    """A client of ``kind`` on the mock, its answers validated against the spec; its methods'
    results go through :func:`done`, which awaits them when they are awaitable."""
    options.setdefault("retries", FAST)
    if kind == "sync":
        options.setdefault("httpx_client_kwargs", {"event_hooks": event_hooks()})
        with CancelClient(mock.url, creds, DEFAULT_ACCOUNT.address, **options) as c:
            yield c
        return
    backend = kind.removeprefix("async on ")
    options.setdefault("httpx_client_kwargs", {"event_hooks": async_event_hooks()})
    async with AsyncCancelClient(
        mock.url,
        creds,
        DEFAULT_ACCOUNT.address,
        backend=backend,  # type: ignore[arg-type]
        **options,
    ) as ac:
        assert ac.backend == backend
        yield ac


async def done(result: Any) -> Any:
    return await result if inspect.isawaitable(result) else result


def test_the_four_cancels(mock: MockServer) -> None:
    with sync_client(mock, max_ids_per_request=2) as c:
        one = c.cancel("0xa0")
        assert one.canceled == ["0xa0"]
        again = c.cancel("0xa0")
        assert again.canceled == [] and "0xa0" in again.not_canceled

        many = c.cancel_orders(["0xa1", "0xa2", "0xa1", "0xnope", "0xa3"])  # 2 requests
        assert sorted(many.canceled) == ["0xa1", "0xa2", "0xa3"]
        assert list(many.not_canceled.additional_properties) == ["0xnope"]
        assert live(mock) == {"0xa4", "0xa5", "0xb0", "0xb1", "0xb2", "0xb3"}

        by_asset = c.cancel_market_orders(asset_id="112")
        assert by_asset.canceled == ["0xa4"]
        by_market = c.cancel_market_orders(market=MARKET_A)
        assert by_market.canceled == ["0xa5"]
        assert live(mock) == {"0xb0", "0xb1", "0xb2", "0xb3"}

        everything = c.cancel_all()
        assert sorted(everything.canceled) == ["0xb0", "0xb1", "0xb2", "0xb3"]
    assert live(mock) == set()


@pytest.mark.parametrize("backend", ["httpx", "aiohttp"])
async def test_the_four_cancels_async(mock: MockServer, backend: str) -> None:
    async with AsyncCancelClient(
        mock.url,
        DEFAULT_ACCOUNT.creds,
        DEFAULT_ACCOUNT.address,
        max_ids_per_request=1,
        retries=FAST,
        backend=backend,  # type: ignore[arg-type]
        httpx_client_kwargs={"event_hooks": async_event_hooks()},
    ) as c:
        assert c.backend == backend
        assert (await c.cancel("0xa0")).canceled == ["0xa0"]
        many = await c.cancel_orders(["0xa1", "0xa2", "0xa3"])  # three concurrent requests
        assert many.canceled == ["0xa1", "0xa2", "0xa3"]
        both = await c.cancel_market_orders(MARKET_A, "111")
        assert both.canceled == ["0xa5"]
        rest = await c.cancel_all()
        assert sorted(rest.canceled) == ["0xa4", "0xb0", "0xb1", "0xb2", "0xb3"]
    assert live(mock) == set()


@pytest.mark.parametrize("kind", KINDS)
async def test_engine_restart_and_dropped_connections_are_retried(
    mock: MockServer, kind: str
) -> None:
    mock.set_faults({"status": 425, "count": 2, "retry_after": 0})
    async with any_client(kind, mock) as c:
        assert (await done(c.cancel("0xa0"))).canceled == ["0xa0"]
        mock.set_faults({"drop_connection": True, "count": 1})
        assert (await done(c.cancel_orders(["0xa1"]))).canceled == ["0xa1"]
    assert states(mock)["0xa1"] == "canceled"


@pytest.mark.parametrize("kind", KINDS)
async def test_a_persistent_fault_is_reported_with_the_ids_at_stake(
    mock: MockServer, kind: str
) -> None:
    mock.set_faults({"drop_connection": True})
    async with any_client(kind, mock) as c:
        with pytest.raises(TransportError) as raised:
            await done(c.cancel_orders(["0xa0", "0xa1"]))
    assert raised.value.fate_unknown is True
    assert raised.value.unknown_ids == ("0xa0", "0xa1")
    assert raised.value.attempts == FAST.retries + 1


@pytest.mark.parametrize("kind", KINDS)
async def test_trading_disabled_is_unavailable(mock: MockServer, kind: str) -> None:
    mock.set_faults({"trading_disabled": True})
    async with any_client(kind, mock, retries=0) as c:
        with pytest.raises(UnavailableError) as raised:
            await done(c.cancel_all())
    assert raised.value.status == 503
    assert raised.value.server_message is not None
    assert "Trading is currently disabled" in raised.value.server_message
    assert live(mock) == {o["id"] for o in SEED}


@pytest.mark.parametrize("kind", KINDS)
async def test_rate_limited_says_when_to_come_back(mock: MockServer, kind: str) -> None:
    mock.set_faults({"rate_limit": {"rate": 0.1, "burst": 2}})
    async with any_client(kind, mock, retries=0) as c:
        await done(c.cancel_orders(["0xa0", "0xa1"]))
        with pytest.raises(RateLimitedError) as raised:
            await done(c.cancel("0xa2"))
    assert raised.value.status == 429
    assert raised.value.retry_after is not None and raised.value.retry_after > 0
    assert states(mock)["0xa2"] == "live"


@pytest.mark.parametrize("kind", KINDS)
async def test_a_wrong_passphrase_is_an_auth_error_without_secrets(
    mock: MockServer, kind: str
) -> None:
    creds = DEFAULT_ACCOUNT.creds
    wrong = ApiCreds(creds.api_key, creds.api_secret, "wrong-passphrase")
    async with any_client(kind, mock, creds=wrong) as c:
        with pytest.raises(AuthError) as raised:
            await done(c.cancel("0xa0"))
    assert raised.value.status == 401
    assert raised.value.hint is not None
    for text in (str(raised.value), repr(raised.value)):
        assert creds.api_secret not in text and "wrong-passphrase" not in text
    assert states(mock)["0xa0"] == "live"


@pytest.mark.parametrize("kind", KINDS)
async def test_sync_clock_fixes_a_skewed_clock(kind: str) -> None:
    """The mock's clock runs 10 minutes ahead, beyond its 300 s timestamp window."""
    with MockServer(
        clock_offset=600.0, orders=[{**SEED[0], "owner": DEFAULT_ACCOUNT.api_key}]
    ) as mock:
        async with any_client(kind, mock) as plain:
            with pytest.raises(AuthError):
                await done(plain.cancel("0xa0"))
        async with any_client(kind, mock, sync_clock=True) as synced:
            assert (await done(synced.cancel("0xa0"))).canceled == ["0xa0"]
            offset = synced.clock_offset
        assert offset is not None and abs(offset - 600) < 2


def test_l1_derivation_gives_the_accounts_credentials_as_py_clob_client_does(
    mock: MockServer,
) -> None:
    from py_clob_client.client import ClobClient

    assert DEFAULT_ACCOUNT.private_key is not None
    ours = derive_api_key(mock.url, DEFAULT_ACCOUNT.private_key)
    theirs = ClobClient(mock.url, key=DEFAULT_ACCOUNT.private_key, chain_id=137).derive_api_key()
    assert (ours.api_key, ours.api_secret, ours.api_passphrase) == (
        theirs.api_key,
        theirs.api_secret,
        theirs.api_passphrase,
    )
    assert ours == DEFAULT_ACCOUNT.creds
    assert ours.api_secret == DEFAULT_ACCOUNT.secret
    assert ours.api_passphrase == DEFAULT_ACCOUNT.passphrase

    again = create_or_derive_api_key(mock.url, DEFAULT_ACCOUNT.private_key)
    assert again.api_key == ours.api_key
    with CancelClient(mock.url, again, private_key=DEFAULT_ACCOUNT.private_key) as c:
        assert c.cancel("0xa0").canceled == ["0xa0"]
