"""A total deadline per attempt and a cap on the answer: a trickling server cannot hold a call
past its timeout, a huge answer is not read whole; both leave the ids' fate unknown."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from starlette.responses import Response

from clob_cancel import AsyncCancelClient, CancelClient, TransportError
from clob_cancel.cli.exits import ExitCode
from clob_cancel.l1 import create_or_derive_api_key
from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

from .servers import HugeAnswerClob, TricklingClob, live_orders, order_ids

IDS = order_ids(40)  # an answer of ~2.8 kB: ~12 min at a byte every 0.25 s
BACKENDS: list[Literal["httpx", "aiohttp"]] = ["httpx", "aiohttp"]
TIMEOUT = 2.0
MARGIN = 4.0  # generous: the machine is shared
# Hardhat/Anvil development account 0: public, never holds real funds.
HARDHAT_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


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


def test_a_caller_given_httpx_transport_keeps_to_the_deadline(trickling: MockServer) -> None:
    """A transport passed in httpx_client_kwargs (here httpx's own, with connect retries) is
    put on the budget-keeping backend like the client's default one."""
    env = DEFAULT_ACCOUNT.client_env(trickling.url)
    options = {"transport": httpx.HTTPTransport(retries=1)}
    with CancelClient.from_env(env, timeout=TIMEOUT, httpx_client_kwargs=options) as client:
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            client.cancel(IDS[0])
        took = time.monotonic() - started
    assert took < TIMEOUT + MARGIN, took
    assert caught.value.unknown_ids == (IDS[0],)
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


class TricklingSupport(TricklingClob):
    """GET /time and the L1 calls trickled a byte a second: each read is within the
    per-read timeout, the whole answer is not (the /time answer alone takes 10 s)."""

    GAP = 1.0

    def op_get_server_time(self, *args: Any) -> Response:
        return self.trickled(super().op_get_server_time(*args))

    def op_create_api_key(self, *args: Any) -> Response:
        return self.trickled(super().op_create_api_key(*args))

    def op_derive_api_key(self, *args: Any) -> Response:
        return self.trickled(super().op_derive_api_key(*args))


@pytest.fixture
def trickling_support() -> Iterator[MockServer]:
    with MockServer(clob_class=TricklingSupport) as server:
        yield server


def test_the_time_command_is_held_to_its_timeout(trickling_support: MockServer) -> None:
    env = {"CLOB_API_URL": trickling_support.url, "PATH": str(Path(sys.executable).parent)}
    started = time.monotonic()
    done = subprocess.run(
        ["clob-cancel", "time", "--timeout", str(TIMEOUT)],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    took = time.monotonic() - started
    assert done.returncode == ExitCode.FAILED, (done.stdout, done.stderr)
    assert took < TIMEOUT + MARGIN + 2, took  # + the interpreter's start
    assert "/time failed" in done.stderr


def test_an_l1_call_is_held_to_its_timeout(trickling_support: MockServer) -> None:
    started = time.monotonic()
    with pytest.raises(TransportError) as caught:
        create_or_derive_api_key(trickling_support.url, HARDHAT_0, timeout=TIMEOUT)
    took = time.monotonic() - started
    assert took < TIMEOUT + MARGIN, took
    assert "deadline" in str(caught.value)
