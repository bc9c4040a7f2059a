"""polymarket-client 0.14.0 (the official Python SDK), unchanged, against the mock over real HTTP:
``SecureClient`` and ``AsyncSecureClient`` each created with given credentials (which the SDK
validates with ``GET /auth/api-keys`` before anything else), the four cancels, a heartbeat chain,
its 3000-id client-side cap, its rate-limit listener, and what it does with wrong credentials.

Each test runs for both clients: the sync one's calls are made from the test's event loop (the
mock serves from its own thread), the async one's awaited."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import Any

import pytest
from polymarket import (
    ApiKeyCreds,
    AsyncSecureClient,
    OrderHeartbeatMismatchError,
    RateLimitUpdate,
    RequestRejectedError,
    SecureClient,
    UserInputError,
)

from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

from ..mock.conftest import ASSET_A1, MARKET_A
from .conftest import OTHER, Api, credentials, environment

NOT_FOUND = "Order not found or already canceled"
KINDS = ["sync", "async"]


async def create(kind: str, server: MockServer, **options: Any) -> Any:
    """A secure client of ``kind`` for the mock's default account (an EOA: wallet = signer)."""
    options.setdefault("credentials", credentials())
    cls = SecureClient if kind == "sync" else AsyncSecureClient
    return await maybe(
        cls.create(
            private_key=DEFAULT_ACCOUNT.private_key or "",
            wallet=DEFAULT_ACCOUNT.address,
            environment=environment(server.url),
            **options,
        )
    )


async def maybe(result: Any) -> Any:
    """``result``, awaited when the async client returned an awaitable."""
    return await result if inspect.isawaitable(result) else result


@pytest.fixture(params=KINDS)
async def official(
    request: pytest.FixtureRequest, server: MockServer, api: Api
) -> AsyncIterator[Any]:
    client = await create(request.param, server)
    yield client
    await maybe(client.close())
    server.reset()  # disarms a heartbeat a test armed


def answer(response: Any) -> tuple[list[str], dict[str, str]]:
    return list(response.canceled), dict(response.not_canceled)


async def test_create_validates_the_given_credentials_with_get_api_keys(
    official: Any, server: MockServer
) -> None:
    assert official.wallet_type == "EOA"
    assert official.credentials.key == DEFAULT_ACCOUNT.api_key
    # Proof that create asks /auth/api-keys first: make that one answer fail, and create fails.
    for kind in KINDS:
        server.set_faults({"operations": ["get_api_keys"], "status": 500, "count": 1})
        with pytest.raises(RequestRejectedError) as failed:
            await create(kind, server)
        assert failed.value.status == 500


async def test_cancel_order_and_cancel_orders(official: Any, api: Api) -> None:
    assert answer(await maybe(official.cancel_order(order_id="0xa1"))) == (["0xa1"], {})
    assert answer(await maybe(official.cancel_order(order_id="0xa1"))) == ([], {"0xa1": NOT_FOUND})
    canceled, not_canceled = answer(
        await maybe(official.cancel_orders(order_ids=["0xa2", "0xm1", "0xo1"]))
    )
    assert canceled == ["0xa2"]
    assert not_canceled == {"0xm1": "Order already matched", "0xo1": NOT_FOUND}
    states = api.states()
    assert (states["0xa1"], states["0xa2"], states["0xm1"], states["0xo1"]) == (
        "canceled", "canceled", "matched", "live"
    )  # fmt: skip


async def test_cancel_market_orders_by_market_and_asset(official: Any, api: Api) -> None:
    both = await maybe(official.cancel_market_orders(market=MARKET_A, asset_id=ASSET_A1))
    assert answer(both) == (["0xa1"], {})
    by_market = await maybe(official.cancel_market_orders(market=MARKET_A))
    assert answer(by_market) == (["0xa2"], {})
    states = api.states()
    assert (states["0xb1"], states["0xo1"]) == ("live", "live")  # another market, another account
    with pytest.raises(UserInputError):  # neither filter: refused before sending
        await maybe(official.cancel_market_orders())


async def test_cancel_all_cancels_only_the_accounts_live_orders(official: Any, api: Api) -> None:
    canceled, _ = answer(await maybe(official.cancel_all()))
    assert sorted(canceled) == ["0xa1", "0xa2", "0xb1"]
    states = api.states()
    assert (states["0xo1"], states["0xo2"], states["0xm1"]) == ("live", "live", "matched")


async def test_heartbeat_chain_and_a_stale_id(official: Any, api: Api) -> None:
    first = (await maybe(official.send_order_heartbeat())).heartbeat_id
    second = (await maybe(official.send_order_heartbeat(heartbeat_id=first))).heartbeat_id
    assert first and second and first != second
    with pytest.raises(OrderHeartbeatMismatchError) as stale:
        await maybe(official.send_order_heartbeat(heartbeat_id=first))
    assert stale.value.heartbeat_id == second and stale.value.status == 400
    third = (await maybe(official.send_order_heartbeat(heartbeat_id=second))).heartbeat_id
    state = api.http.get("/_mock/heartbeats").json()[DEFAULT_ACCOUNT.api_key]
    assert state["armed"] and state["expected_id"] == third and state["lapses"] == 0


async def test_the_sdk_caps_at_3000_ids_and_the_server_at_1000(official: Any, api: Api) -> None:
    """The SDK's own cap is the one from before 2026-06-15, and it never splits: 1001 ids go out
    and are refused whole; 3001 never leave the process."""
    with pytest.raises(RequestRejectedError) as refused:
        await maybe(official.cancel_orders(order_ids=["0xa1"] * 1000 + ["0xa2"]))
    assert refused.value.status == 400
    assert "max allowed: 1000" in str(refused.value)
    with pytest.raises(UserInputError, match="3000"):
        await maybe(official.cancel_orders(order_ids=["0xa1"] * 3001))
    assert (api.states()["0xa1"], api.states()["0xa2"]) == ("live", "live")


@pytest.mark.parametrize("kind", KINDS)
async def test_the_rate_limit_listener_sees_the_tier(
    kind: str, server: MockServer, api: Api
) -> None:
    server.set_faults({"rate_limit": {"tier": "Silver"}})
    updates: list[RateLimitUpdate] = []
    client = await create(kind, server, on_rate_limit_update=updates.append)
    try:
        await maybe(client.cancel_orders(order_ids=["0xa1", "0xzz"]))
    finally:
        await maybe(client.close())
    (update,) = updates  # the cancel's; /auth/api-keys is not rate-limited
    assert update.tier == "Silver" and update.remaining == 598 and not update.warning


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("wrong", ["secret", "passphrase"])
async def test_wrong_l2_credentials_are_replaced_by_derived_ones(
    kind: str, wrong: str, server: MockServer, api: Api
) -> None:
    """A 401 from /auth/api-keys does not fail create: the SDK signs L1 with the private key and
    creates or derives credentials (here: derives the mock's, nonce 0). A bot on the SDK whose
    CLOB_SECRET is wrong therefore never learns it; `clob-cancel` (which has no such fallback)
    would get 401 on its first cancel."""
    if wrong == "secret":
        bad = credentials(secret=OTHER.secret)
    else:
        bad = credentials(passphrase="not-the-passphrase")
    client = await create(kind, server, credentials=bad)
    try:
        used: ApiKeyCreds = client.credentials
        assert used.key == DEFAULT_ACCOUNT.api_key
        assert (used.secret, used.passphrase) == (
            DEFAULT_ACCOUNT.secret,
            DEFAULT_ACCOUNT.passphrase,
        )
        assert answer(await maybe(client.cancel_order(order_id="0xa1"))) == (["0xa1"], {})
    finally:
        await maybe(client.close())
