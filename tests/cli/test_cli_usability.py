"""`clob-cancel` as an operator meets it, against the real mock on loopback: options before or
after the command, hints in the CLI's own words (--sync-clock, the listed ids, the --json fields),
each retry said on stderr, a reader that stops early (`| head`) is not a failure, and every
command and argument explains itself in --help."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from clob_cancel.cli import RETRIED, build_parser

from .in_process import CLOB_NAMES, run, use_account

mock = pytest.importorskip("clob_cancel_mock")
ACCOUNT = mock.DEFAULT_ACCOUNT
PYTHON_WORDS = ("sync_clock=True", ".partial", ".unknown_ids", ".untouched_ids")
pytestmark = pytest.mark.usefixtures("short_ids_allowed")


@pytest.fixture
def clob(server: object, monkeypatch: pytest.MonkeyPatch) -> object:
    server.reset()  # type: ignore[attr-defined]
    server.add_orders([{"id": f"0xa{i}", "owner": ACCOUNT.api_key} for i in range(3)])  # type: ignore[attr-defined]
    use_account(monkeypatch, ACCOUNT, server.url)  # type: ignore[attr-defined]
    return server


def live(clob: object) -> list[str]:
    return [o["id"] for o in clob.orders() if o["state"] == "live"]  # type: ignore[attr-defined]


def test_options_go_before_or_after_the_command(
    clob: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = tmp_path / "dev.env"
    env.write_text(
        "".join(f"{k}={v}\n" for k, v in ACCOUNT.client_env(clob.url).items()),  # type: ignore[attr-defined]
        encoding="utf-8",
    )
    for name in CLOB_NAMES:
        monkeypatch.delenv(name, raising=False)
    code, out, err = run("--env-file", str(env), "--json", "order", "0xa0")
    assert (code, json.loads(out)["canceled"], err) == (0, ["0xa0"], "")
    code, out, err = run("order", "0xa1", "--env-file", str(env), "--json")
    assert (code, json.loads(out)["canceled"], err) == (0, ["0xa1"], "")
    # given on both sides, the one after the command wins; one given before is not undone
    args = build_parser().parse_args(["--retries", "1", "--timeout", "3", "all", "--retries", "2"])
    assert (args.retries, args.timeout, args.json) == (2, 3.0, False)


def test_a_401_hints_at_sync_clock_which_fixes_a_skewed_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with mock.MockServer(clock_offset=600.0) as skewed:
        skewed.add_orders([{"id": "0xa0", "owner": ACCOUNT.api_key}])
        for name, value in ACCOUNT.client_env(skewed.url).items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("PK", raising=False)
        code, _, err = run("order", "0xa0")
        assert code == 3
        assert "HTTP 401" in err and "clock more than a few seconds off" in err, err
        assert "(--sync-clock)" in err and not any(w in err for w in PYTHON_WORDS), err
        assert run("order", "0xa0", "--sync-clock") == (0, "canceled 1 of 1 orders\n", "")


def test_a_partial_failure_names_ids_or_json_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    from .broken_clob import InventsAnId

    with mock.MockServer(clob_class=InventsAnId) as broken:
        use_account(monkeypatch, ACCOUNT, broken.url)
        code, out, err = run("orders", "0xa0", "0xa1")
        assert code == 3
        assert "not canceled: 2\n  0xa0: Order not found" in out
        assert not any(word in err + out for word in PYTHON_WORDS), err
        code, out, err = run("orders", "0xa0", "0xa1", "--json")
    assert code == 3
    report = json.loads(out)
    assert '(see "canceled"/"not_canceled")' in report["error"] and '(see "unknown")' in err
    assert sorted(report["not_canceled"]) == ["0xa0", "0xa1"]
    assert not any(word in err + out for word in PYTHON_WORDS), err


@pytest.mark.parametrize(
    ("status", "said"),
    [(425, "the matching engine is restarting"), (429, "rate limited"), (503, "unavailable")],
)
def test_each_retry_is_said_with_its_reason_and_wait(clob: object, status: int, said: str) -> None:
    clob.set_faults({"status": status, "count": 2, "retry_after": 0})  # type: ignore[attr-defined]
    code, out, err = run("orders", "0xa0", "0xa1")
    assert (code, out) == (0, "canceled 2 of 2 orders\n")
    retries = [line for line in err.splitlines() if "retry" in line]
    assert retries == [
        f"clob-cancel: HTTP {status} ({said}) from DELETE /orders; retry {n} of 4 in 0.0 s"
        for n in (1, 2)
    ]
    # nothing else: the 429's Poly-RateLimit-Reset is "now" (Retry-After 0), no wait period
    assert err.splitlines() == retries, err


def test_a_refused_connection_is_retried_and_said(monkeypatch: pytest.MonkeyPatch) -> None:
    with mock.MockServer() as gone:
        url = gone.url
    monkeypatch.setenv("CLOB_API_URL", url)
    for name, value in ACCOUNT.client_env(url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PK", raising=False)
    code, _, err = run("order", "0xa0", "--retries", "2")
    lines = err.splitlines()
    assert code == 3 and len(lines) == 3, err
    for n, line in enumerate(lines[:2], 1):
        assert re.fullmatch(
            rf"clob-cancel: no answer from DELETE /order \(connection failed\); "
            rf"retry {n} of 2 in \d+\.\d s",
            line,
        ), line
    assert lines[2].startswith("clob-cancel: cancel_order: ") and "after 3 attempts" in lines[2]


def test_retries_help_lists_every_retried_condition() -> None:
    assert RETRIED == (
        "425 (matching engine restarting), 429 (rate limited), 503 (trading disabled or "
        "unavailable) and connection failures (refused, or dropped before an answer)"
    )
    shown = " ".join(build_parser().format_help().split())
    assert RETRIED in shown and "shown on stderr" in shown


def _commands() -> dict[str, argparse.ArgumentParser]:
    (group,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(group.choices)


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_command_and_argument_explains_itself(name: str) -> None:
    command = _commands()[name]
    assert command.description and len(command.description) > 40
    for action in command._actions:
        assert action.help, f"{name}: {action.dest} has no help text"
    for action in build_parser()._actions:
        assert action.help, f"clob-cancel: {action.dest} has no help text"


def _console(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The installed command with stdout a pipe whose reader has already gone, as after
    `| head` has read its lines."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(
            [str(Path(sys.executable).parent / "clob-cancel"), *argv],
            stdout=writer, stderr=subprocess.PIPE, text=True, env=env, timeout=60,
        )  # fmt: skip
    finally:
        os.close(writer)


@pytest.mark.parametrize("json_flag", [["--json"], []])
def test_a_reader_that_stops_early_is_not_a_failure(clob: object, json_flag: list[str]) -> None:
    clob.add_orders([{"id": f"0x{i:064x}", "owner": ACCOUNT.api_key} for i in range(3000)])  # type: ignore[attr-defined]
    env = {**os.environ, **ACCOUNT.client_env(clob.url)}  # type: ignore[attr-defined]
    env.pop("PK", None)
    done = _console(["all", *json_flag], env)
    assert (done.returncode, done.stderr) == (0, "")
    assert live(clob) == []
    # exit by what was canceled: some not canceled is still 1, not a pipe error
    clob.add_orders([{"id": "0xm", "owner": ACCOUNT.api_key, "state": "matched"}])  # type: ignore[attr-defined]
    done = _console(["orders", "0xm", *json_flag], env)
    assert (done.returncode, done.stderr) == (1, "")
