"""The pytest plugin as a user's project gets it: test projects made by pytester, run in a pytest
subprocess (its own plugin loading, as in a user's CI), against real mock servers and processes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

# A bot as a user would write it: it knows nothing of the mock or the plugin.
BOT = """
import asyncio

from clob_cancel import AsyncCancelClient, CancelClient


def cancel_these(client: CancelClient, ids: list[str]) -> list[str]:
    return client.cancel_orders(ids).canceled


def kill_switch() -> int:
    with CancelClient.from_env() as client:
        return len(client.cancel_all().canceled)


async def cancel_each(client: AsyncCancelClient, ids: list[str]) -> list[str]:
    answers = await asyncio.gather(*(client.cancel(i) for i in ids))
    return [i for a in answers for i in a.canceled]
"""

# Each test is the user's whole test code: under ~10 lines with the plugin's fixtures.
TESTS = """
import pytest

import bot
from clob_cancel import HeartbeatLapsedError, RateLimitedError


def test_sync_bot(clob_mock, clob_client):
    ids = clob_mock.add_orders(3)
    assert sorted(bot.cancel_these(clob_client, ids)) == sorted(ids)
    assert clob_mock.live_ids() == set()


def test_bot_from_env(clob_mock, clob_env):
    clob_mock.add_orders(4)
    assert bot.kill_switch() == 4


@pytest.mark.asyncio
async def test_async_bot(clob_mock, clob_async_client):
    ids = clob_mock.add_orders(5)
    assert sorted(await bot.cancel_each(clob_async_client, ids)) == sorted(ids)


@pytest.mark.clob_mock(heartbeat_timeout=1.0)
def test_heartbeat_lapse(clob_mock, clob_client):
    ids, lapses = clob_mock.add_orders(2), []
    with pytest.raises(HeartbeatLapsedError):
        with clob_mock.heartbeat(clob_client, on_lapse=lapses.append) as keeper:
            clob_mock.set_faults(status=500, operations=["send_heartbeat"])
            keeper.wait(30)
    assert lapses
    clob_mock.wait_for(lambda: clob_mock.live_ids().isdisjoint(ids))  # the server canceled


def test_state_left_by_a_test(clob_mock):
    clob_mock.add_orders(7)
    clob_mock.set_tier("Standard")


def test_is_reset_for_the_next(clob_mock, clob_client):
    assert clob_mock.live_ids() == set() and clob_mock.set_faults() == {}
    clob_client.cancel_all()  # no rate limit left over either


def test_tier(clob_mock, clob_client):
    clob_mock.set_tier("Standard")
    clob_client.cancel_all()
    assert clob_client.rate_limit is not None and clob_client.rate_limit.tier == "Standard"
"""


def _project(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(bot=BOT, test_bot=TESTS)


@pytest.fixture(autouse=True)
def _user_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A user's environment: no CLOB_* of ours, plugin autoload on (the default)."""
    for name in [n for n in os.environ if n.startswith("CLOB_") or n == "PK"]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """A pytest subprocess in the test project."""
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=240)


def test_a_project_tests_sync_async_and_heartbeat_with_the_plugin_alone(
    pytester: pytest.Pytester,
) -> None:
    _project(pytester)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=7)


def test_autoload_off_with_dash_p(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plugin autoload off (pytest-asyncio then needs its -p too): -p pytest_clob_cancel."""
    _project(pytester)
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    on = _run(pytester, "-p", "pytest_clob_cancel", "-p", "asyncio")
    on.assert_outcomes(passed=7)
    off = _run(pytester, "-p", "asyncio", "-k", "test_sync_bot")
    off.assert_outcomes(errors=1)  # the proof that autoload was off: no fixture without -p
    off.stdout.fnmatch_lines(["*fixture 'clob_mock' not found*"])


def test_autoload_and_dash_p_together_register_it_once(pytester: pytest.Pytester) -> None:
    _project(pytester)
    _run(pytester, "-p", "pytest_clob_cancel", "-k", "test_sync_bot").assert_outcomes(passed=1)


def test_the_mock_command_for_a_bot_in_another_language(pytester: pytest.Pytester) -> None:
    """clob_mock_process: a listening clob-cancel-mock, its env file read by another program
    (here the clob-cancel command), stopped after the test, its file and log in place."""
    outside = pytester.path / "seen.txt"
    pytester.makepyfile(
        test_command=f"""
        import json, os, subprocess, sys

        def test_other_language(clob_mock_process):
            mock = clob_mock_process("--orders", "6")
            command = os.path.join(os.path.dirname(sys.executable), "clob-cancel")
            done = subprocess.run(
                [command, "--env-file", str(mock.env_file), "all", "--json"],
                capture_output=True, text=True, timeout=60,
            )
            assert done.returncode == 0, done.stderr
            assert len(json.loads(done.stdout)["canceled"]) == 6
            seen = f"{{mock.process.pid}} {{mock.env_file}} {{mock.log}}"
            open({str(outside)!r}, "w").write(seen)
        """
    )
    _run(pytester).assert_outcomes(passed=1)
    pid, env_file, log = outside.read_text().split()
    assert not Path(env_file).exists()  # removed by the mock's clean stop
    assert "clob-cancel-mock: stopped" in Path(log).read_text()
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid), 0)


def test_a_mock_command_that_cannot_start_fails_in_bounded_time_with_its_log(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nclob_mock_start_timeout = 20\n")
    pytester.makepyfile(
        test_bad="""
        def test_bad_seed(clob_mock_process):
            clob_mock_process("--orders", "/nonexistent/seed.json")
        """
    )
    result = _run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*clob-cancel-mock did not listen within 20 s (exited 2)*", "*/nonexistent/seed.json*"]
    )


def test_the_readme_example_runs_with_the_plugin(pytester: pytest.Pytester) -> None:
    """The README's pytest example (its CI section), as a user's test file, unchanged."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    (example,) = [
        block
        for block in re.findall(r"^```python\n(.*?)^```", readme, re.S | re.M)
        if "clob_mock" in block
    ]
    pytester.makepyfile(test_readme_example=example)
    _run(pytester).assert_outcomes(passed=2)


def test_the_plugin_loads_without_importing_the_mock() -> None:
    """pytest loads the plugin wherever clob-cancel is installed, with or without the mock
    extra: importing it must not import the mock (nor the client)."""
    code = textwrap.dedent(
        """
        import sys, pytest_clob_cancel
        loaded = {m for m in sys.modules if m.startswith(("clob_cancel", "starlette", "uvicorn"))}
        assert not loaded, loaded
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
