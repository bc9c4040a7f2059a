"""Shared fixtures (the spec as data, so tests assert against the contract itself), and the one
list of what is slow: ``make test-fast`` runs ``-m "not slow"``."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from clob_cancel.spec import spec_path

TESTS = Path(__file__).resolve().parent

SLOW = (
    "broken_servers/",  # the conformance suite run against ~85 servers
    "conformance/test_shipped.py",  # the wheel installed into a fresh venv
    "conformance/test_contract.py",  # schemathesis against the mock (make test runs it apart)
    "official_ts/",  # npm install, then the official TypeScript client
    "bench/",  # the benchmark harness end to end
    "project/",  # README examples, make demo, the generator
    "client/test_rate_limited.py",  # 2,500 ids paced by a real token bucket
    "client/test_heartbeat_mock.py",  # real heartbeat deadlines
    "cli/test_heartbeat_cli.py",  # real deadlines, processes and signals
    "mock/test_heartbeat.py",  # real deadlines and lapses
    "mock/test_cli.py",  # the mock's command started as a process, many times
    "packaging/test_ci_job.py",  # make dist, a fresh venv and the README's CI job
    "plugin/test_plugin.py",  # pytest sessions in subprocesses, each with its own mocks
    "tier/test_tier_mock.py",  # 300 ids paced by the mock's real bucket
    "summary/test_interrupts.py",  # real processes interrupted mid-cancel
    "summary/test_deadline.py",  # trickling servers held to real deadlines
    "heartbeat_wrapper/test_safety_path.py",  # real lapses, hanging sends, real processes
    "heartbeat_wrapper/test_lapses_and_usage.py",  # real lapses and processes
    "fleet/test_heartbeat_cli.py",  # real deadlines, processes and signals
)
"""Test paths (under tests/) marked ``slow``: they install, run whole suites or wait out real
deadlines. Everything else runs in ``make test-fast``."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.relative_to(TESTS).as_posix().startswith(SLOW):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    with spec_path().open(encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
    return loaded
