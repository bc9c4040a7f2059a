"""The heartbeat keepers against the real mock on loopback (its deadline cut to 1.5 s): the
orders outlive the deadline while a keeper runs, a dropped or failing send is reported and
recovered, and a hang longer than the deadline ends in a lapse the keeper says out loud, while
the mock cancels the orders."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from clob_cancel import AsyncCancelClient, CancelClient, CancelError, HeartbeatLapsedError

mock = pytest.importorskip("clob_cancel_mock")
ACCOUNT = mock.DEFAULT_ACCOUNT
DEADLINE, INTERVAL = 1.5, 0.3
IDS = [f"0xkeep{n}" for n in range(3)]


@pytest.fixture(scope="module")
def server() -> Iterator[object]:
    with mock.MockServer(heartbeat_timeout=DEADLINE) as running:
        yield running


@pytest.fixture
def clob(server: object) -> object:
    server.reset()  # type: ignore[attr-defined]
    server.add_orders([{"id": i, "owner": ACCOUNT.api_key} for i in IDS])  # type: ignore[attr-defined]
    return server


def states(clob: object) -> set[str]:
    return {o["state"] for o in clob.orders() if o["id"] in IDS}  # type: ignore[attr-defined]


def client(clob: object) -> CancelClient:
    return CancelClient.from_env(ACCOUNT.client_env(clob.url))  # type: ignore[attr-defined]


def test_orders_outlive_the_deadline_while_the_keeper_runs_and_drops_are_reported(
    clob: object,
) -> None:
    failures: list[CancelError] = []
    with (
        client(clob) as c,
        c.heartbeat(
            interval=INTERVAL, deadline=DEADLINE, on_failure=lambda e, left: failures.append(e)
        ),
    ):
        time.sleep(1.0)
        clob.set_faults(  # type: ignore[attr-defined]
            {"operations": ["send_heartbeat"], "drop_connection": True, "count": 2}
        )
        time.sleep(2 * DEADLINE)
        assert states(clob) == {"live"}
    assert len(failures) == 2  # each dropped send reported, then the chain went on
    deadline = time.monotonic() + DEADLINE + 2
    while states(clob) != {"canceled"}:  # stopped: the mock cancels after its deadline
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_hang_past_the_deadline_is_a_lapse_and_the_orders_are_canceled(clob: object) -> None:
    lapses: list[HeartbeatLapsedError] = []
    with client(clob) as c:
        keeper = c.heartbeat(interval=INTERVAL, deadline=DEADLINE, on_lapse=lapses.append).start()
        clob.set_faults(  # type: ignore[attr-defined]
            {"operations": ["send_heartbeat"], "delay_seconds": 10}
        )
        with pytest.raises(HeartbeatLapsedError):
            keeper.wait(timeout=10)
        keeper.stop()
    assert len(lapses) == 1
    clob.set_faults({})  # type: ignore[attr-defined]
    # the mock's deadline runs from when it took the last send in, a moment after it left
    deadline = time.monotonic() + DEADLINE
    while states(clob) != {"canceled"}:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_the_async_keeper_keeps_the_orders(clob: object) -> None:
    async def run() -> None:
        env = ACCOUNT.client_env(clob.url)  # type: ignore[attr-defined]
        async with (
            AsyncCancelClient.from_env(env) as c,
            c.heartbeat(interval=INTERVAL, deadline=DEADLINE),
        ):
            await asyncio.sleep(2 * DEADLINE)
            assert states(clob) == {"live"}

    asyncio.run(run())
