"""A total deadline per attempt and a cap on the answer: a trickling server cannot hold a call
past its timeout, a huge answer is not read whole; both leave the ids' fate unknown."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest

from clob_cancel import AsyncCancelClient, CancelClient, TransportError
from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

from .servers import HugeAnswerClob, TricklingClob, live_orders, order_ids

IDS = order_ids(40)  # an answer of ~2.8 kB: ~12 min at a byte every 0.25 s
BACKENDS: list[Literal["httpx", "aiohttp"]] = ["httpx", "aiohttp"]
TIMEOUT = 2.0
MARGIN = 4.0  # generous: the machine is shared


@pytest.fixture
def trickling() -> Iterator[MockServer]:
    with MockServer(orders=live_orders(IDS), clob_class=TricklingClob) as server:
        yield server


@pytest.fixture
def huge() -> Iterator[MockServer]:
    with MockServer(orders=live_orders(IDS), clob_class=HugeAnswerClob) as server:
        yield server


def sync_client(server: MockServer, timeout: float) -> CancelClient:
    return CancelClient.from_env(DEFAULT_ACCOUNT.client_env(server.url), timeout=timeout)


def test_a_trickled_answer_ends_the_sync_call_at_its_timeout(trickling: MockServer) -> None:
    with sync_client(trickling, timeout=TIMEOUT) as client:
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            client.cancel_orders(IDS)
        took = time.monotonic() - started
    assert took < TIMEOUT + MARGIN, took
    assert caught.value.fate_unknown
    assert sorted(caught.value.unknown_ids) == sorted(IDS)  # the server did cancel them
    assert "deadline" in str(caught.value)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_trickled_answer_ends_the_async_call_at_its_timeout(
    trickling: MockServer, backend: Literal["httpx", "aiohttp"]
) -> None:
    env = DEFAULT_ACCOUNT.client_env(trickling.url)
    async with AsyncCancelClient.from_env(env, timeout=TIMEOUT, backend=backend) as client:
        assert client.backend == backend
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            await client.cancel(IDS[0])
        took = time.monotonic() - started
    assert took < TIMEOUT + MARGIN, took
    assert caught.value.unknown_ids == (IDS[0],)


def test_the_cli_timeout_bounds_the_whole_call(trickling: MockServer) -> None:
    env = {**DEFAULT_ACCOUNT.client_env(trickling.url), "PATH": str(Path(sys.executable).parent)}
    started = time.monotonic()
    done = subprocess.run(
        ["clob-cancel", "order", IDS[0], "--timeout", str(TIMEOUT), "--json"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    took = time.monotonic() - started
    assert done.returncode == 3, done.stderr
    assert took < TIMEOUT + MARGIN + 2, took  # + the interpreter's start
    assert '"unknown": ["' + IDS[0] + '"]' in done.stdout


def test_the_timeout_help_says_what_it_bounds() -> None:
    from clob_cancel.cli import build_parser

    assert "whole answer" in " ".join(build_parser().format_help().split())


WHOLE = HugeAnswerClob.GAP * HugeAnswerClob.PADDING / HugeAnswerClob.CHUNK  # 10 s to send it all


def test_a_huge_answer_is_not_read_whole_sync(huge: MockServer) -> None:
    with sync_client(huge, timeout=60) as client:
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            client.cancel_orders(IDS)
        took = time.monotonic() - started
    assert caught.value.fate_unknown and not caught.value.retryable
    assert sorted(caught.value.unknown_ids) == sorted(IDS)
    assert "4 MiB" in str(caught.value)
    assert took < WHOLE / 2, took  # the client hung up after ~4 MB of 200


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_huge_answer_is_not_read_whole_async(
    huge: MockServer, backend: Literal["httpx", "aiohttp"]
) -> None:
    env = DEFAULT_ACCOUNT.client_env(huge.url)
    async with AsyncCancelClient.from_env(env, timeout=60, backend=backend) as client:
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            await client.cancel_orders(IDS)
        took = time.monotonic() - started
    assert sorted(caught.value.unknown_ids) == sorted(IDS)
    assert "4 MiB" in str(caught.value)
    assert took < WHOLE / 2, took


def test_a_heartbeat_send_keeps_to_the_deadline_too(trickling: MockServer) -> None:
    with sync_client(trickling, timeout=TIMEOUT) as client:
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            client.send_heartbeat("")  # a trickled answer of ~60 bytes: 15 s
    assert time.monotonic() - started < TIMEOUT + MARGIN
    assert "deadline" in str(caught.value)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_an_async_heartbeat_send_keeps_to_the_keepers_timeout(
    trickling: MockServer, backend: Literal["httpx", "aiohttp"]
) -> None:
    env = DEFAULT_ACCOUNT.client_env(trickling.url)
    async with AsyncCancelClient.from_env(env, backend=backend) as client:
        started = time.monotonic()
        with pytest.raises(TransportError):
            await client.send_heartbeat("", timeout=TIMEOUT)  # as the keeper sends
    assert time.monotonic() - started < TIMEOUT + MARGIN
