"""pytest fixtures for testing a bot against the mock CLOB: installed with clob-cancel (entry point
``pytest11``), or loaded with ``-p pytest_clob_cancel`` when plugin autoload is off.

Fixtures (all named ``clob_*``):

- ``clob_mock``: a :class:`ClobMock` around one mock server per test session, reset before each
  test (orders, faults, heartbeats); ``@pytest.mark.clob_mock(**options)`` gives a test its own
  server with those :class:`~clob_cancel_mock.MockServer` options instead (e.g.
  ``heartbeat_timeout=1``, ``orders=[...]``).
- ``clob_env``: the mock's ``CLOB_*`` client variables, also set in ``os.environ`` for the test
  (so ``CancelClient.from_env()`` in the bot under test finds it).
- ``clob_client`` / ``clob_async_client``: a ready ``CancelClient`` / ``AsyncCancelClient`` for
  the mock, closed after the test (the async one needs pytest-asyncio).
- ``clob_mock_process``: starts the ``clob-cancel-mock`` command (for bots in other languages):
  ``clob_mock_process("--orders", "5")`` waits at most ``clob_mock_start_timeout`` seconds for it
  to listen and stops it after the test.

This module imports neither the mock nor the client until a fixture is used: the plugin loads in
every pytest run where clob-cancel is installed, with or without its ``mock`` extra.
"""

from __future__ import annotations

import contextlib
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from clob_cancel import AsyncCancelClient, CancelClient, HeartbeatKeeper
    from clob_cancel.aio import AsyncHeartbeatKeeper
    from clob_cancel_mock import Account, MockServer

__all__ = ["ClobMock", "MockProcess"]

_DEFAULT_START_TIMEOUT = 30.0  # seconds: generous, a loaded CI runner starts Python slowly
_STOP_TIMEOUT = 10.0


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "clob_mock_start_timeout",
        f"seconds clob_mock_process waits for clob-cancel-mock to listen "
        f"(default {_DEFAULT_START_TIMEOUT:g})",
        default=str(_DEFAULT_START_TIMEOUT),
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "clob_mock(**options): give this test its own mock server, with these MockServer options "
        "(heartbeat_timeout=, orders=, accounts=, timestamp_window=, faults=, ...)",
    )


class ClobMock:
    """A running mock server and what a test needs from it: its URL and account, order and fault
    helpers, and clients and heartbeat keepers whose deadline is the server's."""

    def __init__(self, server: MockServer, account: Account, heartbeat_timeout: float) -> None:
        self.server = server
        self.account = account
        """The first account (the public development one unless the marker gave accounts)."""
        self.heartbeat_timeout = heartbeat_timeout
        """Seconds without an accepted heartbeat after which the mock cancels an armed key."""

    @classmethod
    @contextlib.contextmanager
    def started(cls, **options: Any) -> Iterator[ClobMock]:
        """A mock server with these :class:`~clob_cancel_mock.MockServer` options, running."""
        from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer
        from clob_cancel_mock.heartbeats import DEFAULT_HEARTBEAT_TIMEOUT

        (account, *_) = options.get("accounts", (DEFAULT_ACCOUNT,))
        timeout = options.get("heartbeat_timeout", DEFAULT_HEARTBEAT_TIMEOUT)
        with MockServer(**options) as server:
            yield cls(server, account, float(timeout))

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def env(self) -> dict[str, str]:
        """``CLOB_API_URL`` and the account's ``CLOB_*`` credentials."""
        return self.account.client_env(self.url)

    def add_orders(self, orders: int | Sequence[Mapping[str, Any]], **fields: str) -> list[str]:
        """Add live orders of the first account: ``count`` new ones (``fields`` such as
        ``market=``/``asset_id=`` set on each) or the given mappings; returns their ids."""
        if isinstance(orders, int):
            owner = self.account.api_key
            orders = [
                {"id": "0x" + secrets.token_hex(32), "owner": owner, **fields}
                for _ in range(orders)
            ]
        return [order.id for order in self.server.add_orders(orders)]

    def live_ids(self) -> set[str]:
        """The ids of the orders that are still live."""
        return {o["id"] for o in self.server.orders() if o["state"] == "live"}

    def wait_for(self, condition: Callable[[], object], timeout: float = 15.0) -> None:
        """Poll ``condition`` until true, or fail after ``timeout`` seconds: for what the mock
        does on its own clock (a heartbeat lapse cancels when the server's deadline passes, a
        moment after the keeper's)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"not true within {timeout:g} s: {condition}")
            time.sleep(0.02)

    def set_faults(self, faults: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """Replace the injected faults (as ``POST /_mock/faults`` takes them; mock/README.md);
        ``None`` and no fields: none. Returns the setting in force."""
        return self.server.set_faults({**(faults or {}), **fields} or None)

    def set_tier(self, tier: str, **fields: Any) -> dict[str, Any]:
        """Every signer's cancel token bucket as a documented tier (``"Silver"``...), replacing
        the other faults: the client sees that tier's headers, pacing and 429s."""
        return self.set_faults(rate_limit={"tier": tier, **fields})

    def client(self, **options: Any) -> CancelClient:
        """A new ``CancelClient`` for this mock (``options``: the constructor's); close it."""
        from clob_cancel import CancelClient

        return CancelClient(self.url, self.account.creds, self.account.address, **options)

    def async_client(self, **options: Any) -> AsyncCancelClient:
        """A new ``AsyncCancelClient`` for this mock; close it (``async with`` or ``aclose()``)."""
        from clob_cancel import AsyncCancelClient

        return AsyncCancelClient(self.url, self.account.creds, self.account.address, **options)

    def heartbeat_options(self) -> dict[str, float]:
        """``interval`` and ``deadline`` for a keeper that matches this mock's heartbeat timeout:
        a send every half deadline, as the real CLOB's 5 s of 10 s."""
        deadline = self.heartbeat_timeout
        return {"interval": deadline / 2, "deadline": deadline}

    def heartbeat(
        self, client: CancelClient | AsyncCancelClient, **options: Any
    ) -> HeartbeatKeeper | AsyncHeartbeatKeeper:
        """``client.heartbeat(...)`` with the deadline paired to this mock's (not started: use it
        as a context manager); ``options``: on_failure=, on_lapse=, or others to override."""
        return client.heartbeat(**{**self.heartbeat_options(), **options})


@pytest.fixture(scope="session")
def _clob_mock_session() -> Iterator[ClobMock]:
    with ClobMock.started() as mock:
        yield mock


@pytest.fixture
def clob_mock(request: pytest.FixtureRequest) -> Iterator[ClobMock]:
    """The mock, reset for this test (or this test's own, per ``@pytest.mark.clob_mock``)."""
    marker = request.node.get_closest_marker("clob_mock")
    if marker is None:
        shared: ClobMock = request.getfixturevalue("_clob_mock_session")
        shared.server.reset()
        yield shared
        return
    if marker.args:
        raise pytest.UsageError("@pytest.mark.clob_mock takes keyword options only")
    with ClobMock.started(**marker.kwargs) as own:
        yield own


@pytest.fixture
def clob_env(clob_mock: ClobMock, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The mock's client variables, set in ``os.environ`` for this test (``PK`` unset)."""
    env = clob_mock.env
    monkeypatch.delenv("PK", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def clob_client(clob_mock: ClobMock) -> Iterator[CancelClient]:
    with clob_mock.client() as client:
        yield client


# pytest-asyncio's fixture decorator when installed; without it, pytest itself fails a test that
# asks for the async client, saying an async plugin is needed.
try:
    from pytest_asyncio import fixture as _async_fixture
except ImportError:
    _async_fixture = pytest.fixture  # type: ignore[assignment]


@_async_fixture
async def clob_async_client(clob_mock: ClobMock) -> AsyncIterator[AsyncCancelClient]:
    async with clob_mock.async_client() as client:
        yield client


class MockProcess:
    """A ``clob-cancel-mock`` process that is listening: its URL, its client variables, and the
    file they are in (``env_file``, for other languages), its log (stdout and stderr)."""

    def __init__(self, process: subprocess.Popen[bytes], env_file: Path, log: Path) -> None:
        from clob_cancel.cli import read_env_file  # the reader of `clob-cancel --env-file`

        self.process, self.env_file, self.log = process, env_file, log
        self.env: dict[str, str] = read_env_file(str(env_file))
        self.url = self.env["CLOB_API_URL"]

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if it has not stopped in 10 s; its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait(_STOP_TIMEOUT)


def start_mock_process(args: Sequence[str], directory: Path, timeout: float) -> MockProcess:
    """Run ``clob-cancel-mock --port 0 --write-env FILE ARGS`` (this Python's) in ``directory``;
    wait for FILE at most ``timeout`` seconds, or stop it and fail with its log's end."""
    directory.mkdir(parents=True, exist_ok=True)
    env_file, log = directory / "mock.env", directory / "mock.log"
    command = [sys.executable, "-m", "clob_cancel_mock", "--port", "0", "--write-env"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, str(env_file), *args], stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + timeout
    while not (env_file.exists() and env_file.stat().st_size):
        if process.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.kill()
                process.wait(_STOP_TIMEOUT)
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            state = f"exited {process.returncode}" if process.returncode is not None else ""
            raise RuntimeError(
                f"clob-cancel-mock did not listen within {timeout:g} s ({state or 'killed'}); "
                f"its log ({log}) ends:\n{tail}"
            )
        time.sleep(0.05)
    return MockProcess(process, env_file, log)


@pytest.fixture
def clob_mock_process(
    request: pytest.FixtureRequest,
) -> Iterator[Callable[..., MockProcess]]:
    """``start(*args)``: a listening ``clob-cancel-mock`` with those extra arguments, stopped
    after the test; each start has its own directory for its env file and log."""
    timeout = float(request.config.getini("clob_mock_start_timeout"))
    tmp: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    started: list[MockProcess] = []

    def start(*args: str) -> MockProcess:
        directory = tmp.mktemp("clob-cancel-mock")
        started.append(start_mock_process(args, directory, timeout))
        return started[-1]

    yield start
    for mock in started:
        mock.stop()
