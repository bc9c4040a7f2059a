"""Interrupts are part of the contract: SIGINT/SIGTERM on a real `clob-cancel` process, task
cancellation on both async transports and KeyboardInterrupt in the sync client each end with
every id accounted for (canceled, unknown, untouched), checked against the server's state."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest

from clob_cancel import AsyncCancelClient, CancelClient, interruption_of
from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

from ..held import pipe_filled_by
from .servers import live_orders, order_ids

IDS = order_ids(5000)
SLOW = {"delay_seconds": 1.5}  # each request of 1000 ids answered 1.5 s late


@pytest.fixture
def slow() -> Iterator[MockServer]:
    with MockServer(orders=live_orders(IDS), faults=SLOW) as server:
        yield server


def canceled_on(server: MockServer) -> set[str]:
    return {o["id"] for o in server.orders() if o["state"] == "canceled"}


def wait_until(condition: object, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.02)


def assert_true_accounting(
    canceled: list[str], not_canceled: dict[str, str], unknown: list[str], untouched: list[str],
    server: MockServer,
) -> None:  # fmt: skip
    """Every id once; what the server canceled is reported canceled or unknown, never
    untouched; nothing reported canceled that the server did not cancel."""
    everything = [*canceled, *not_canceled, *unknown, *untouched]
    assert sorted(everything) == sorted(IDS)
    done = canceled_on(server)
    assert set(canceled) <= done
    assert done <= set(canceled) | set(unknown)
    assert not done & set(untouched)


def start_cli(server: MockServer, tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(IDS) + "\n")
    env = {**DEFAULT_ACCOUNT.client_env(server.url), "PATH": str(Path(sys.executable).parent)}
    return subprocess.Popen(
        ["clob-cancel", "orders", "--file", str(ids), *extra],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_cancel_prints_every_ids_fate_as_json(
    slow: MockServer, tmp_path: Path, signum: int, code: int
) -> None:
    cli = start_cli(slow, tmp_path, "--json")
    wait_until(lambda: len(canceled_on(slow)) >= 1000)  # the first request's answer is due
    time.sleep(0.3)  # the second request is in flight (1.5 s late)
    cli.send_signal(signum)
    out, err = cli.communicate(timeout=60)
    assert cli.returncode == code, err
    assert "Traceback" not in err
    report = json.loads(out)
    assert report["interrupted"] == signal.Signals(signum).name
    time.sleep(2)  # let the request in flight finish on the server
    assert_true_accounting(
        report["canceled"], report["not_canceled"], report["unknown"], report["untouched"], slow
    )
    assert len(report["canceled"]) >= 1000 and report["unknown"] and report["untouched"]


def test_sigterm_mid_cancel_prints_the_accounting_in_words(
    slow: MockServer, tmp_path: Path
) -> None:
    cli = start_cli(slow, tmp_path)
    wait_until(lambda: len(canceled_on(slow)) >= 1000)
    cli.send_signal(signal.SIGTERM)
    out, err = cli.communicate(timeout=60)
    assert cli.returncode == 143, err
    assert "interrupted (Interrupted)" not in err and "SIGTERM" in err
    assert "answered before the failure:" in out
    assert "certainly not canceled:" in out  # the chunks never sent


def test_sigterm_during_a_retry_wait_reports_the_ids_untouched(tmp_path: Path) -> None:
    restarting = {"restarting": True, "retry_after": 15}  # 425 until cleared, 15 s apart
    with MockServer(orders=live_orders(IDS), faults=restarting) as server:
        cli = start_cli(server, tmp_path, "--json", "--retries", "8")
        end = time.monotonic() + 60
        seen = ""
        assert cli.stderr is not None
        while "retry 1 of 8" not in seen and time.monotonic() < end:
            seen += cli.stderr.readline()
        cli.send_signal(signal.SIGTERM)
        out, err = cli.communicate(timeout=60)
        assert cli.returncode == 143, seen + err
        report = json.loads(out)
        assert sorted(report["untouched"]) == sorted(IDS)  # a 425 changed nothing
        assert report["canceled"] == [] and report["unknown"] == []
        assert not canceled_on(server)


def test_sigint_while_the_answer_is_written_reports_no_id_untouched(tmp_path: Path) -> None:
    """Held after the cancel ended, writing its --json answer (5000 ids: more than a pipe
    holds) to a stdout left unread: the interrupt is outside the call's accounting, and must
    not say the ids it canceled were never sent; it says to check the open orders."""
    with MockServer(orders=live_orders(IDS)) as server:
        cli = start_cli(server, tmp_path, "--json")
        pipe_filled_by(cli, cli.stdout)
        cli.send_signal(signal.SIGINT)
        out, err = cli.communicate(timeout=60)
        assert canceled_on(server) == set(IDS)
    assert cli.returncode == 130, err
    assert "before anything was sent" not in err and '"untouched"' not in out
    assert "after it ended" in err and "check the account's open orders" in err
    assert out.startswith('{"canceled": ["')  # the answer, cut short


@pytest.mark.parametrize("backend", ["httpx", "aiohttp"])
async def test_task_cancel_carries_the_accounting(
    slow: MockServer, backend: Literal["httpx", "aiohttp"]
) -> None:
    env = DEFAULT_ACCOUNT.client_env(slow.url)
    async with AsyncCancelClient.from_env(env, backend=backend, max_concurrency=2) as client:
        task = asyncio.create_task(client.cancel_orders(IDS))
        while len(canceled_on(slow)) < 1000:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)  # two requests in flight
        task.cancel()
        with pytest.raises(asyncio.CancelledError) as caught:
            await task
        assert task.cancelled()  # the cancellation propagated as a cancellation
    found = interruption_of(caught.value)
    assert found is not None and found.partial is not None
    await asyncio.sleep(2)  # the requests in flight finish on the server
    assert_true_accounting(
        found.partial.canceled, dict(found.partial.not_canceled),
        list(found.unknown_ids), list(found.untouched_ids), slow,
    )  # fmt: skip
    assert found.unknown_ids and found.untouched_ids


@pytest.mark.parametrize("backend", ["httpx", "aiohttp"])
async def test_wait_for_timeout_carries_the_accounting(
    slow: MockServer, backend: Literal["httpx", "aiohttp"]
) -> None:
    env = DEFAULT_ACCOUNT.client_env(slow.url)
    async with AsyncCancelClient.from_env(env, backend=backend) as client:
        with pytest.raises(TimeoutError) as caught:
            await asyncio.wait_for(client.cancel_orders(IDS), 2.5)
    found = interruption_of(caught.value)
    assert found is not None and found.partial is not None
    await asyncio.sleep(2)
    assert_true_accounting(
        found.partial.canceled, dict(found.partial.not_canceled),
        list(found.unknown_ids), list(found.untouched_ids), slow,
    )  # fmt: skip


@pytest.mark.usefixtures("sigint_raises")
def test_keyboard_interrupt_in_the_sync_client_carries_the_accounting(slow: MockServer) -> None:
    main = threading.main_thread().ident
    assert main == threading.get_ident()

    def interrupt_when_the_first_answer_is_in() -> None:
        wait_until(lambda: len(canceled_on(slow)) >= 1000)
        time.sleep(0.3)
        signal.pthread_kill(main, signal.SIGINT)

    with CancelClient.from_env(DEFAULT_ACCOUNT.client_env(slow.url)) as client:
        threading.Thread(target=interrupt_when_the_first_answer_is_in, daemon=True).start()
        with pytest.raises(KeyboardInterrupt) as caught:
            client.cancel_orders(IDS)
    found = interruption_of(caught.value)
    assert found is not None and found.partial is not None
    time.sleep(2)
    assert_true_accounting(
        found.partial.canceled, dict(found.partial.not_canceled),
        list(found.unknown_ids), list(found.untouched_ids), slow,
    )  # fmt: skip
    assert found.unknown_ids == tuple(IDS[1000:2000])  # the request in flight
