"""The heartbeat keepers against misbehaving servers (httpx.MockTransport, on fake time: interval
0.1 s, deadline 1 s of a clock that moves only when the keeper waits or a send hangs, so that
each schedule is exact and no test sleeps): every failed send is reported, the chain recovers
from a mismatch, and when the deadline can no longer be met the keeper says so and stops, never
silently."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from clob_cancel import (
    AsyncCancelClient,
    AsyncHeartbeatKeeper,
    CancelClient,
    CancelError,
    HeartbeatKeeper,
    HeartbeatLapsedError,
    HeartbeatMismatchError,
    TransportError,
    UnavailableError,
)

from .client_fakes import ADDRESS, BASE_URL, CREDS, Server

INTERVAL, DEADLINE = 0.1, 1.0
Handler = Callable[[httpx.Request], httpx.Response]


class FakeTime:
    """Monotonic seconds that move only when the keeper waits (by the wait, at once) or a send
    hangs (by its timeout), up to ``until``: a wait that would pass it parks the keeper until
    it is stopped (``parked`` is then set)."""

    def __init__(self, until: float) -> None:
        self.now = 0.0
        self.until = until
        self.parked = threading.Event()

    def clock(self) -> float:
        return self.now

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        if not stop.is_set() and self.now + seconds > self.until:
            self.parked.set()
            return stop.wait()
        self.now += seconds
        return stop.is_set()

    async def async_wait(self, stop: asyncio.Event, seconds: float) -> bool:
        if not stop.is_set() and self.now + seconds > self.until:
            self.parked.set()
            await stop.wait()
            return True
        self.now += seconds
        await asyncio.sleep(0)
        return stop.is_set()


class HeartbeatServer:
    """A correct heartbeat chain (ids hb1, hb2, ...), with ``faults`` served once ``after``
    sends were accepted: each a status code, an exception to raise, "hang" (wait out the
    request's timeout: on ``time`` when given) or "mismatch" (another process moved the chain
    on to "moved-on")."""

    def __init__(
        self,
        *faults: int | Exception | str,
        expected: str = "",
        after: int = 0,
        time: FakeTime | None = None,
    ) -> None:
        self.faults = list(faults)
        self.expected = expected
        self.after = after
        self.time = time
        self.sent: list[str] = []
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/heartbeats" and request.method == "POST"
        assert Server().signature_ok(request)
        sent = json.loads(request.content)["heartbeat_id"]
        with self.lock:
            self.sent.append(sent)
            fault = self.faults.pop(0) if self.faults and self.count >= self.after else None
            if fault == "mismatch":
                fault, self.expected = None, "moved-on"
            if fault is None and sent != self.expected:
                return httpx.Response(
                    400, json={"error_msg": "Invalid Heartbeat ID", "heartbeat_id": self.expected}
                )
            if fault is None:
                self.count += 1
                self.expected = f"hb{self.count}"
                return httpx.Response(200, json={"heartbeat_id": self.expected})
        if fault == "hang":
            if self.time is None:
                time.sleep(request.extensions["timeout"]["read"])
            else:
                self.time.now += request.extensions["timeout"]["read"]
            raise httpx.ReadTimeout("timed out", request=request)
        if isinstance(fault, Exception):
            raise fault
        assert isinstance(fault, int)
        return httpx.Response(fault, json={"error": "Internal server error"})


def client(server: Handler) -> CancelClient:
    transport = httpx.MockTransport(server)
    return CancelClient(BASE_URL, CREDS, ADDRESS, httpx_client_kwargs={"transport": transport})


def keeper(c: CancelClient, fake: FakeTime, **callbacks: Any) -> HeartbeatKeeper:
    return HeartbeatKeeper(
        c,
        interval=INTERVAL,
        deadline=DEADLINE,
        clock=fake.clock,
        wait_for_stop=fake.wait,
        **callbacks,
    )


def wait_until(done: Callable[[], bool]) -> None:
    """Real time, for the keeper's thread to get there (on fake time it needs next to none)."""
    give_up = time.monotonic() + 10
    while not done():
        assert time.monotonic() < give_up, "the keeper's thread never got there"
        time.sleep(0.005)


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
    fake = FakeTime(until=6.5 * INTERVAL)
    server = HeartbeatServer()
    reports = Reports()
    with client(server) as c, keeper(c, fake, on_failure=reports.failure) as running:
        assert fake.parked.wait(10)
    assert server.sent == ["", "hb1", "hb2", "hb3", "hb4", "hb5", "hb6"]  # at 0, 0.1, ... 0.6
    assert reports.failures == [] and running.lapse is None
    assert running.heartbeat_id == "hb7"  # stopped (the thread joined): nothing more is sent


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
    fake = FakeTime(until=1.5 * DEADLINE)
    server = HeartbeatServer(*faults, after=1, time=fake)  # the first send accepted
    reports = Reports()
    with (
        caplog.at_level(logging.WARNING, "clob_cancel"),
        client(server) as c,
        keeper(c, fake, on_failure=reports.failure) as running,
    ):
        assert fake.parked.wait(10)
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
    assert running.lapse is None
    assert server.count >= 8  # kept going after the failures, every 0.1 s
    if mismatch:
        assert "moved-on" in server.sent  # resent with the id the server named


def test_a_lapse_is_said_loudly_and_raised_where_the_caller_waits(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeTime(until=60)
    server = HeartbeatServer(*[500] * 1000, after=1, time=fake)  # every send fails after the first
    reports = Reports()
    with caplog.at_level(logging.WARNING, "clob_cancel"), client(server) as c:
        running = keeper(c, fake, on_failure=reports.failure, on_lapse=reports.lapse).start()
        with pytest.raises(HeartbeatLapsedError) as raised:
            running.wait(timeout=10)
    assert reports.lapses == [raised.value]
    assert "every open order of the API key" in str(raised.value)
    assert len(reports.failures) >= 3
    assert "no heartbeat accepted" in str(reports.lapses[0])
    assert "no heartbeat accepted" not in caplog.text  # said once, to on_lapse
    assert not fake.parked.is_set()  # the thread ended at the lapse: it never waited again
    assert DEADLINE - 0.05 <= fake.now <= DEADLINE  # within _LAST_CHANCE of the deadline


def test_a_hang_longer_than_the_deadline_lapses_and_the_with_block_raises() -> None:
    fake = FakeTime(until=60)
    server = HeartbeatServer(*["hang"] * 100, after=1, time=fake)
    reports = Reports()
    with (
        pytest.raises(HeartbeatLapsedError),
        client(server) as c,
        keeper(c, fake, on_lapse=reports.lapse) as running,
    ):
        wait_until(lambda: running.lapse is not None)
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
    fake = FakeTime(until=1.5 * DEADLINE)
    server = HeartbeatServer(500, after=1)

    def broken(error: CancelError, left: float) -> None:
        raise RuntimeError("bug in the callback")

    with caplog.at_level(logging.WARNING, "clob_cancel"), client(server) as c:
        with keeper(c, fake, on_failure=broken) as running:
            assert fake.parked.wait(10)
        assert running.lapse is None
    assert "a heartbeat callback failed" in caplog.text
    assert server.count >= 8


def test_interval_must_be_below_the_deadline() -> None:
    with client(HeartbeatServer()) as c, pytest.raises(ValueError, match="interval"):
        c.heartbeat(interval=10, deadline=10)


def test_the_async_keeper_chains_reports_and_lapses() -> None:
    fake = FakeTime(until=8.5 * INTERVAL)
    server = HeartbeatServer(500, after=4)
    reports = Reports()

    def async_keeper(c: AsyncCancelClient, **callbacks: Any) -> AsyncHeartbeatKeeper:
        return AsyncHeartbeatKeeper(
            c,
            interval=INTERVAL,
            deadline=DEADLINE,
            clock=fake.clock,
            wait_for_stop=fake.async_wait,
            **callbacks,
        )

    async def run() -> None:
        transport = httpx.MockTransport(server)
        async with (
            AsyncCancelClient(
                BASE_URL, CREDS, ADDRESS, httpx_client_kwargs={"transport": transport}
            ) as c,
        ):
            async with async_keeper(c, on_failure=reports.failure):
                while not fake.parked.is_set():
                    await asyncio.sleep(0.001)
            fake.until, fake.now = 60, 0.0
            with server.lock:  # every send fails after the next keeper's first
                server.faults, server.after = [500] * 1000, server.count + 1
            running = await async_keeper(c, on_lapse=reports.lapse).start()
            with pytest.raises(HeartbeatLapsedError):
                await asyncio.wait_for(running.wait(), 10)

    asyncio.run(run())
    assert len(reports.failures) == 1 and len(reports.lapses) == 1
    assert server.count >= 8
