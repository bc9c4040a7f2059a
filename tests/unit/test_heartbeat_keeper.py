"""The heartbeat keepers against misbehaving servers (httpx.MockTransport, real time on a short
scale: interval 0.1 s, deadline 1 s): every failed send is reported, the chain recovers from a
mismatch, and when the deadline can no longer be met the keeper says so and stops, never
silently."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from clob_cancel import (
    AsyncCancelClient,
    CancelClient,
    CancelError,
    HeartbeatLapsedError,
    HeartbeatMismatchError,
    TransportError,
    UnavailableError,
)

from .client_fakes import ADDRESS, BASE_URL, CREDS, Server

INTERVAL, DEADLINE = 0.1, 1.0
Handler = Callable[[httpx.Request], httpx.Response]


class HeartbeatServer:
    """A correct heartbeat chain (ids hb1, hb2, ...), with ``faults`` served first: each a
    status code, an exception to raise, or "hang" (wait out the request's timeout)."""

    def __init__(self, *faults: int | Exception | str, expected: str = "") -> None:
        self.faults = list(faults)
        self.expected = expected
        self.sent: list[str] = []
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/heartbeats" and request.method == "POST"
        assert Server().signature_ok(request)
        sent = json.loads(request.content)["heartbeat_id"]
        with self.lock:
            self.sent.append(sent)
            fault = self.faults.pop(0) if self.faults else None
            if fault is None and sent != self.expected:
                return httpx.Response(
                    400, json={"error_msg": "Invalid Heartbeat ID", "heartbeat_id": self.expected}
                )
            if fault is None:
                self.count += 1
                self.expected = f"hb{self.count}"
                return httpx.Response(200, json={"heartbeat_id": self.expected})
        if fault == "hang":
            time.sleep(request.extensions["timeout"]["read"])
            raise httpx.ReadTimeout("timed out", request=request)
        if isinstance(fault, Exception):
            raise fault
        assert isinstance(fault, int)
        return httpx.Response(fault, json={"error": "Internal server error"})


def client(server: Handler) -> CancelClient:
    transport = httpx.MockTransport(server)
    return CancelClient(BASE_URL, CREDS, ADDRESS, httpx_client_kwargs={"transport": transport})


class Reports:
    def __init__(self) -> None:
        self.failures: list[tuple[CancelError, float]] = []
        self.lapses: list[HeartbeatLapsedError] = []

    def failure(self, error: CancelError, left: float) -> None:
        self.failures.append((error, left))

    def lapse(self, error: HeartbeatLapsedError) -> None:
        self.lapses.append(error)


def test_one_send_returns_the_next_id_and_a_mismatch_names_the_expected_one() -> None:
    server = HeartbeatServer()
    with client(server) as c:
        assert c.send_heartbeat() == "hb1"
        assert c.send_heartbeat("hb1") == "hb2"
        with pytest.raises(HeartbeatMismatchError) as raised:
            c.send_heartbeat("hb1")
    assert raised.value.expected_id == "hb2" and raised.value.status == 400
    assert "expects heartbeat id 'hb2'" in str(raised.value)
    assert server.sent == ["", "hb1", "hb1"]  # sent once each, never retried


def test_the_keeper_chains_ids_every_interval_and_stops_when_told() -> None:
    server = HeartbeatServer()
    reports = Reports()
    with (
        client(server) as c,
        c.heartbeat(interval=INTERVAL, deadline=DEADLINE, on_failure=reports.failure) as keeper,
    ):
        time.sleep(6 * INTERVAL)
    sent = list(server.sent)
    assert sent[:4] == ["", "hb1", "hb2", "hb3"]
    assert sent == ["", *(f"hb{n}" for n in range(1, len(sent)))]
    assert reports.failures == [] and keeper.lapse is None
    time.sleep(3 * INTERVAL)
    assert server.sent == sent  # stopped: nothing more is sent


@pytest.mark.parametrize(
    "faults",
    [
        (500, 503),
        (httpx.RemoteProtocolError("dropped"), httpx.ConnectError("refused")),
        ("hang",),
        ("mismatch",),
    ],
    ids=["5xx", "dropped", "hang-within-deadline", "mismatch"],
)
def test_every_failed_send_is_reported_and_the_keeper_recovers(
    faults: tuple[int | Exception | str, ...], caplog: pytest.LogCaptureFixture
) -> None:
    mismatch = faults == ("mismatch",)
    server = HeartbeatServer()
    reports = Reports()
    with (
        caplog.at_level(logging.WARNING, "clob_cancel"),
        client(server) as c,
        c.heartbeat(interval=INTERVAL, deadline=DEADLINE, on_failure=reports.failure) as keeper,
    ):
        with server.lock:
            if mismatch:
                server.expected = "moved-on"  # another process sent one: the chain moved
            else:
                server.faults = list(faults)
        time.sleep(1.5 * DEADLINE)
    expected = 0 if mismatch else len(faults)  # a mismatch resent at once is no alarm
    assert len(reports.failures) == expected
    assert all(0 < left <= DEADLINE for _, left in reports.failures)
    kinds = {
        "5xx": UnavailableError,
        "dropped": TransportError,
        "hang": TransportError,
        "mismatch": HeartbeatMismatchError,
    }
    assert all(isinstance(e, tuple(kinds.values())) for e, _ in reports.failures)
    assert "heartbeat failed" not in caplog.text  # said once: to the callback, not the log too
    assert keeper.lapse is None
    assert server.count >= 4  # kept going after the failures
    if mismatch:
        assert "moved-on" in server.sent  # resent with the id the server named


def test_a_lapse_is_said_loudly_and_raised_where_the_caller_waits(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = HeartbeatServer()
    reports = Reports()
    with caplog.at_level(logging.WARNING, "clob_cancel"), client(server) as c:
        keeper = c.heartbeat(
            interval=INTERVAL, deadline=DEADLINE, on_failure=reports.failure, on_lapse=reports.lapse
        ).start()
        with server.lock:
            server.faults = [500] * 1000  # the server fails every send from now on
        with pytest.raises(HeartbeatLapsedError) as raised:
            keeper.wait(timeout=5)
    assert reports.lapses == [raised.value]
    assert "every open order of the API key" in str(raised.value)
    assert len(reports.failures) >= 3
    assert "no heartbeat accepted" in str(reports.lapses[0])
    assert "no heartbeat accepted" not in caplog.text  # said once, to on_lapse
    sent = len(server.sent)
    time.sleep(3 * INTERVAL)
    assert len(server.sent) == sent  # stopped after the lapse


def test_a_hang_longer_than_the_deadline_lapses_and_the_with_block_raises() -> None:
    server = HeartbeatServer()
    reports = Reports()
    with (
        pytest.raises(HeartbeatLapsedError),
        client(server) as c,
        c.heartbeat(interval=INTERVAL, deadline=DEADLINE, on_lapse=reports.lapse),
    ):
        with server.lock:
            server.faults = ["hang"] * 100
        time.sleep(DEADLINE + 6 * INTERVAL)
    assert len(reports.lapses) == 1


def test_start_raises_and_arms_nothing_when_the_first_send_fails() -> None:
    server = HeartbeatServer(httpx.ConnectError("refused"))
    with client(server) as c, pytest.raises(TransportError):
        c.heartbeat(interval=INTERVAL, deadline=DEADLINE).start()
    assert threading.active_count() == 1 or all(
        t.name != "clob-cancel-heartbeat" for t in threading.enumerate()
    )


def test_start_joins_a_chain_armed_by_another_process() -> None:
    server = HeartbeatServer(expected="theirs")
    with client(server) as c, c.heartbeat(interval=INTERVAL, deadline=DEADLINE) as keeper:
        assert keeper.heartbeat_id == "hb1"
    assert server.sent[:2] == ["", "theirs"]


def test_a_callback_that_raises_is_logged_and_the_keeper_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = HeartbeatServer()

    def broken(error: CancelError, left: float) -> None:
        raise RuntimeError("bug in the callback")

    with caplog.at_level(logging.WARNING, "clob_cancel"), client(server) as c:
        with c.heartbeat(interval=INTERVAL, deadline=DEADLINE, on_failure=broken) as keeper:
            with server.lock:
                server.faults = [500]
            time.sleep(1.5 * DEADLINE)
        assert keeper.lapse is None
    assert "a heartbeat callback failed" in caplog.text
    assert server.count >= 4


def test_interval_must_be_below_the_deadline() -> None:
    with client(HeartbeatServer()) as c, pytest.raises(ValueError, match="interval"):
        c.heartbeat(interval=10, deadline=10)


def test_the_async_keeper_chains_reports_and_lapses() -> None:
    server = HeartbeatServer()
    reports = Reports()

    async def run() -> None:
        transport = httpx.MockTransport(server)
        async with (
            AsyncCancelClient(
                BASE_URL, CREDS, ADDRESS, httpx_client_kwargs={"transport": transport}
            ) as c,
        ):
            async with c.heartbeat(
                interval=INTERVAL, deadline=DEADLINE, on_failure=reports.failure
            ):
                await asyncio.sleep(4 * INTERVAL)
                with server.lock:
                    server.faults = [500]
                await asyncio.sleep(4 * INTERVAL)
            keeper = await c.heartbeat(
                interval=INTERVAL, deadline=DEADLINE, on_lapse=reports.lapse
            ).start()
            with server.lock:
                server.faults = [500] * 1000
            with pytest.raises(HeartbeatLapsedError):
                await asyncio.wait_for(keeper.wait(), 5)

    asyncio.run(run())
    assert len(reports.failures) == 1 and len(reports.lapses) == 1
    assert server.count >= 6
