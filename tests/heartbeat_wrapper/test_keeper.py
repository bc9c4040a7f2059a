"""The keeper's decisions the wrapper relies on, through the library (real HTTP on loopback: the
mock, the trickling server, or a scripted transport where a fault must be injected): the lapse
is read from the clock while a send hangs, a mismatch naming "" is the server's lapse, a
mismatch resolved at once is no alarm, and a deadline must be finite."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from clob_cancel import (
    ApiCreds,
    CancelClient,
    CancelError,
    HeartbeatLapsedError,
    HeartbeatMismatchError,
)

from .conftest import ACCOUNT, mock
from .servers import TricklingServer

CREDS = ApiCreds(ACCOUNT.api_key, ACCOUNT.secret, ACCOUNT.passphrase)


def client(url: str, **kwargs: Any) -> CancelClient:
    return CancelClient(url, CREDS, ACCOUNT.address, **kwargs)


class Said:
    def __init__(self) -> None:
        self.failures: list[CancelError] = []
        self.lapses: list[HeartbeatLapsedError] = []

    def failure(self, error: CancelError, left: float) -> None:
        self.failures.append(error)

    def lapse(self, error: HeartbeatLapsedError) -> None:
        self.lapses.append(error)


@pytest.fixture(scope="module")
def quick_server() -> Iterator[Any]:
    with mock.MockServer(heartbeat_timeout=0.6) as running:
        yield running


def test_the_clock_declares_the_lapse_while_a_send_trickles() -> None:
    server = TricklingServer()
    said = Said()
    try:
        with client(server.url) as c:
            keeper = c.heartbeat(interval=0.2, deadline=1.0, on_lapse=said.lapse).start()
            began = time.monotonic()
            while keeper.poll() is None:
                assert time.monotonic() - began < 5, "no lapse from the clock"
                time.sleep(0.02)
            assert time.monotonic() - began < 1.0 + 0.5  # at the deadline, not after the send
            assert len(said.lapses) == 1 and "no heartbeat accepted" in str(said.lapses[0])
            with pytest.raises(HeartbeatLapsedError):
                keeper.check()
            stopping = time.monotonic()
            keeper.stop(timeout=0.2)  # the send is still trickling: not waited for
            assert time.monotonic() - stopping < 1
    finally:
        server.close()
    # The first, and the trickling one; the attempt's own deadline (the time left) may end that
    # one in time for one more, itself cut at the lapse.
    assert 2 <= server.heartbeats <= 3


def test_a_mismatch_naming_nothing_on_an_armed_chain_is_the_servers_lapse(
    quick_server: Any,
) -> None:
    quick_server.reset()
    said = Said()
    with client(quick_server.url) as c:
        keeper = c.heartbeat(
            interval=0.2, deadline=30, on_failure=said.failure, on_lapse=said.lapse
        ).start()
        quick_server.set_faults({"operations": ["send_heartbeat"], "status": 500})
        time.sleep(1.2)  # the server's 0.6 s deadline passes; the keeper's 30 s does not
        quick_server.set_faults({})
        with pytest.raises(HeartbeatLapsedError, match="the server declared the lapse"):
            keeper.wait(timeout=10)
        keeper.stop()
    assert len(said.lapses) == 1
    state = quick_server.heartbeats()[ACCOUNT.api_key]
    assert state["lapses"] == 1 and not state["armed"]  # not re-armed past the lapse


def test_another_keeper_on_the_key_is_no_alarm() -> None:
    said = Said()
    with (
        mock.MockServer(heartbeat_timeout=5) as server,
        client(server.url) as one,
        client(server.url) as other,
    ):
        with (
            one.heartbeat(interval=0.2, deadline=5, on_failure=said.failure) as first,
            other.heartbeat(interval=0.13, deadline=5, on_failure=said.failure) as second,
        ):
            time.sleep(2)
        assert first.lapse is None and second.lapse is None
    assert said.failures == []


def test_a_mismatch_that_persists_is_reported() -> None:
    sent = 0
    lock = threading.Lock()

    def moving_chain(request: httpx.Request) -> httpx.Response:
        nonlocal sent
        with lock:
            sent += 1
            if sent == 1:
                return httpx.Response(200, json={"heartbeat_id": "hb1"})
            return httpx.Response(
                400, json={"error_msg": "Invalid Heartbeat ID", "heartbeat_id": f"other{sent}"}
            )

    said = Said()
    transport = httpx.MockTransport(moving_chain)
    with (
        client("https://clob.test", httpx_client_kwargs={"transport": transport}) as c,
        c.heartbeat(interval=0.1, deadline=1.0, on_failure=said.failure) as keeper,
    ):
        time.sleep(0.5)
        assert keeper.lapse is None
    assert said.failures  # three immediate resends missed: said
    assert all(isinstance(e, HeartbeatMismatchError) for e in said.failures)


@pytest.mark.parametrize("deadline", [math.inf, math.nan])
def test_a_deadline_must_be_finite(deadline: float) -> None:
    with client("https://clob.test") as c, pytest.raises(ValueError, match="finite"):
        c.heartbeat(interval=1, deadline=deadline)
