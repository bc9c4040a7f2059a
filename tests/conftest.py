"""Shared fixtures (the spec as data, so tests assert against the contract itself), and the one
list of what is slow: ``make test-fast`` runs ``-m "not slow"``."""

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from clob_cancel.spec import spec_path

TESTS = Path(__file__).resolve().parent

SLOW = (
    # Heaviest first (wall time on 4 workers, measured): make test hands files to its workers in
    # this order, so that the long ones overlap instead of trailing at the end.
    "broken_servers/test_no_false_alarms_seeded.py",  # the suite against correct servers, seeded
    "conformance/test_shipped.py",  # the wheel installed into a fresh venv
    "broken_servers/test_rate_limited_verdict.py",  # one run waiting out every 429
    "broken_servers/test_no_false_alarms.py",  # the suite against correct servers
    "packaging/test_ci_job.py",  # make dist, a fresh venv and the README's CI job
    "broken_servers/",  # the conformance suite run against ~85 servers
    "summary/test_interrupts.py",  # real processes interrupted mid-cancel
    "bench/",  # the benchmark harness end to end
    "plugin/test_plugin.py",  # pytest sessions in subprocesses, each with its own mocks
    "summary/test_deadline.py",  # trickling servers held to real deadlines
    "client/test_rate_limited.py",  # 2,500 ids paced by a real token bucket
    "mock/test_cli.py",  # the mock's command started as a process, many times
    "tier/test_tier_mock.py",  # 300 ids paced by the mock's real bucket
    "heartbeat_wrapper/test_lapses_and_usage.py",  # real lapses and processes
    "cli/test_heartbeat_cli.py",  # real deadlines, processes and signals
    "heartbeat_wrapper/test_safety_path.py",  # real lapses, hanging sends, real processes
    "project/",  # README examples, make demo, the generator
    "fleet/test_heartbeat_cli.py",  # real deadlines, processes and signals
    "mock/test_heartbeat.py",  # real deadlines and lapses
    "client/test_heartbeat_mock.py",  # real heartbeat deadlines
    "official_ts/",  # npm install, then the official TypeScript client
    "conformance/test_contract.py",  # schemathesis against the mock (make test runs it apart)
)
"""Test paths (under tests/) marked ``slow``: they install, run whole suites or wait out real
deadlines. Everything else runs in ``make test-fast``."""


def slow_rank(item: pytest.Item) -> int:
    """The index of the first SLOW entry ``item``'s file falls under; len(SLOW) if none."""
    path = item.path.relative_to(TESTS).as_posix()
    return next((i for i, prefix in enumerate(SLOW) if path.startswith(prefix)), len(SLOW))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the slow tests, and run them first, heaviest first (make test passes xdist
    --no-loadscope-reorder, so its workers take files in this order). The sort is stable: a
    file's tests keep their order."""
    for item in items:
        if slow_rank(item) < len(SLOW):
            item.add_marker(pytest.mark.slow)
    items.sort(key=slow_rank)


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    with spec_path().open(encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
    return loaded


@pytest.fixture
def sigint_raises() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt in this process for the test, as in a terminal. A shell
    starts a background job (``make test &``) with SIGINT ignored, and Python keeps that, so a
    test that interrupts itself would otherwise see nothing happen."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
