"""The seed command's interface (seeder.py): what it is given, what it must print, and that a
seeder that fails fails the run with a one-line reason naming it, never a silent pass; and what
a run says about the checks that did not run (the summary line, the JUnit report, --strict)."""

from __future__ import annotations

import shlex
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from clob_cancel_conformance import cli
from clob_cancel_conformance.seeder import Seeder, SeederError
from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer
from tests.broken_servers import foreign

CREDS = DEFAULT_ACCOUNT.creds
ADDRESS = DEFAULT_ACCOUNT.address
LINE = '{"id": "0xabc", "market": "m1", "asset_id": "a1"}'


def seed(command: str, count: int = 1, owner: str = "self", timeout: float = 10.0) -> list[str]:
    orders = Seeder(command, timeout=timeout).seed(
        count, owner, "http://127.0.0.1:9", CREDS, ADDRESS
    )
    return [o.id for o in orders]


def test_the_command_gets_the_interface_environment(tmp_path: Path) -> None:
    """sh -c, with CLOB_API_URL, the CLOB_* credentials, SEED_COUNT and SEED_OWNER."""
    script = (
        'test "$SEED_COUNT" = 2 && test "$SEED_OWNER" = other && '
        'test "$CLOB_API_URL" = http://127.0.0.1:9 && test -n "$CLOB_SECRET" && '
        'test -n "$CLOB_PASS_PHRASE" && test "$CLOB_API_KEY" = '
        + shlex.quote(CREDS.api_key)
        + " && "
        'for n in 1 2; do printf \'{"id": "o%s", "market": "m", "asset_id": "a"}\\n\' $n; done'
    )
    assert seed(script, 2, "other") == ["o1", "o2"]


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("echo " + shlex.quote(LINE) + "; exit 3", "exited with status 3"),
        ("echo " + shlex.quote(LINE), "printed 1 orders, fewer than the 2 asked"),
        ("echo 'not json'; echo " + shlex.quote(LINE), "malformed line 1"),
        ('echo \'{"id": "x"}\'', "malformed line 1"),
        ("sleep 5", "did not finish within 0.5 s"),
    ],
)
def test_a_failing_seeder_is_one_line_naming_it(command: str, reason: str) -> None:
    with pytest.raises(SeederError) as e:
        seed(command, 2, timeout=0.5)
    message = str(e.value)
    assert reason in message and repr(command) in message and "\n" not in message


def test_its_stderr_is_shown_without_secrets() -> None:
    """The last line of its stderr is part of the reason, scrubbed: a seeder that prints the
    passphrase or the secret does not get them into the run's output."""
    with pytest.raises(SeederError) as e:
        seed('echo "login failed for $CLOB_PASS_PHRASE / $CLOB_SECRET" >&2; exit 1')
    message = str(e.value)
    assert "login failed for" in message
    assert CREDS.api_passphrase not in message and CREDS.api_secret.rstrip("=") not in message


@pytest.fixture(scope="module")
def staging() -> Iterator[str]:
    """A server that is not our mock (no /_mock/), with its own seed route."""
    from clob_cancel_conformance import run

    server = MockServer(accounts=(DEFAULT_ACCOUNT, run.second_account()))
    server.app = foreign.hide_admin_add_seed_route(server.app)
    with server:
        yield server.url


def run_cli(url: str, tmp_path: Path, *options: str) -> tuple[int, str, Path]:
    junit = tmp_path / "reports" / "conformance.xml"
    env = DEFAULT_ACCOUNT.client_env(url)
    args = ["--max-examples", "2", "--seed", "1", "--junit", str(junit), *options]
    code = cli.main(args, env)
    return code, "", junit


def skipped_cases(junit: Path) -> dict[str, str]:
    root = ET.parse(junit).getroot()
    return {
        case.get("name", ""): skipped.get("message", "")
        for case in root.iter("testcase")
        for skipped in case.iter("skipped")
    }


def test_a_failing_seed_command_fails_the_run(
    staging: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run_cli(staging, tmp_path, "--seed-command", "exit 7")
    out = capsys.readouterr().out
    assert code == 1
    assert "the seed command failed, so the run fails: seed command 'exit 7'" in out
    assert "exited with status 7" in out


def test_without_a_seeder_the_run_says_what_did_not_run(
    staging: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, junit = run_cli(staging, tmp_path)
    out = capsys.readouterr().out
    assert code == 0
    summary = [line for line in out.splitlines() if line.startswith("conformance: PASSED")]
    assert summary and "did not run" in summary[0] and "--seed-command" in summary[0], out[-2000:]
    skipped = skipped_cases(junit)
    assert "live_orders_cancel_as_reported on DELETE /order" in skipped
    assert "--seed-command" in skipped["live_orders_cancel_as_reported on DELETE /order"]
    assert "--allow-destructive" in skipped["dead_mans_switch_fires on POST /v1/heartbeats"]
    # --strict: what did not run fails the run
    code, _, _ = run_cli(staging, tmp_path, "--strict")
    assert code == 1


def test_with_a_seeder_the_live_order_checks_run(
    staging: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, junit = run_cli(staging, tmp_path, "--seed-command", foreign.SEED_COMMAND)
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    skipped = skipped_cases(junit)
    assert not any(
        name.startswith("live_orders_cancel_as_reported on DELETE /order") for name in skipped
    )
    assert "live_orders_cancel_as_reported on DELETE /cancel-all" in skipped  # not destructive
    assert sys.executable  # the seed command ran with this interpreter
