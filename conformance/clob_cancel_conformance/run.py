"""Run the conformance suite: the schemathesis CLI with the shipped schemathesis.toml and hooks.

The command line (`clob-cancel-conformance`, cli.py) decides the target and the options; this
module builds the schemathesis arguments and runs them in this process with the target current.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from clob_cancel.spec import spec_path
from clob_cancel_conformance import contract, findings, live, target
from clob_cancel_conformance.target import Target

CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
DEFAULT_SEED = 20261124
DEFAULT_MAX_EXAMPLES = 200
DEFAULT_JUNIT = Path("reports") / "conformance.xml"
# schemathesis waits out a 429 with Retry-After (up to 3 times, at most 60 s each) and judges the
# answer it then gets, so a rate-limited server gets the verdict an unlimited one would.
DEFAULT_RATE_LIMIT = "auto"


def second_account() -> Any:
    """A second development account for the embedded mock: its orders are the ones the suite
    checks the server never cancels (all values public, like the default account's)."""
    from clob_cancel_mock import Account

    return Account(
        api_key="00000000-0000-4000-8000-0000000000b2",
        secret="b3RoZXItYWNjb3VudC1zZWNyZXQtMDAwMDAwMDAwMDA=",
        passphrase="clob-cancel-mock-second-passphrase",
        # The second Hardhat/Anvil development address: public, never holds real funds.
        address="0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    )


@contextmanager
def embedded_mock(**options: Any) -> Iterator[Target]:
    """The mock with the default and a second account, on a free port, as the target."""
    from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

    with MockServer(accounts=(DEFAULT_ACCOUNT, second_account()), **options) as mock:
        yield target.make_target(
            mock.url, DEFAULT_ACCOUNT.creds, DEFAULT_ACCOUNT.address, started_here=True
        )


def cli_args(
    t: Target,
    *,
    seed: int,
    max_examples: int,
    junit: Path,
    html: Path | None = None,
    baseline: Path | None = None,
    rate_limit: str = DEFAULT_RATE_LIMIT,
    extra: Sequence[str] = (),
) -> list[str]:
    """`schemathesis run` arguments for a run against ``t``."""
    reports = "junit,html" if html else "junit"
    args = [
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        str(t.spec or spec_path()),
        "--url",
        t.base_url,
        "--seed",
        str(seed),
        "--max-examples",
        str(max_examples),
        "--report",
        reports,
        "--report-junit-path",
        str(junit),
    ]
    if html:
        args += ["--report-html-path", str(html)]
    if baseline:
        args += ["--baseline", str(baseline)]
    if rate_limit:
        args += ["--rate-limit", rate_limit]
    if not t.allow_destructive:
        for operation_id in contract.DESTRUCTIVE_OPERATION_IDS:
            args += ["--exclude-operation-id", operation_id]
    return [*args, *extra]


def skip_notice(t: Target) -> str | None:
    """Why the destructive operations are skipped, or None when they run."""
    if t.allow_destructive:
        return None
    return (
        f"SKIPPED DELETE {contract.CANCEL_ALL}, DELETE {contract.CANCEL_MARKET}, POST "
        f"{contract.HEARTBEAT} and the heartbeat checks: {t.base_url} is not a mock this run "
        "started, and these cancel every live order of the account (in a market), not only ids "
        "the suite names; "
        f"for the heartbeat, {contract.DESTRUCTIVE_EFFECT[contract.HEARTBEAT]}. Pass "
        "--allow-destructive (or set CONFORMANCE_ALLOW_DESTRUCTIVE=1) to run them."
    )


def arming_notice(t: Target) -> str | None:
    """The warning printed before a run that arms a real server's heartbeat switch, or None."""
    if t.is_mock or not t.allow_destructive:
        return None
    return (
        f"WARNING: this run sends order heartbeats to {t.base_url}: "
        f"{contract.DESTRUCTIVE_EFFECT[contract.HEARTBEAT]}. Place no orders with this api key "
        "until about 15 s after the run ends."
    )


def run_cli(t: Target, args: Sequence[str]) -> int:
    """Run the schemathesis CLI in this process with ``t`` current; its exit code. The notes of
    this run are in findings.collected() afterwards."""
    from schemathesis.cli import schemathesis as cli

    import clob_cancel_conformance.hooks  # noqa: F401 - registers auth, checks and hooks once
    from clob_cancel_conformance import live_checks

    findings.clear()
    live.reset()
    live_checks.reset()
    with target.using(t):
        try:
            result = cli.main(args=list(args), prog_name="schemathesis", standalone_mode=False)
        except SystemExit as e:
            return e.code if isinstance(e.code, int) else 1
        finally:
            target.close_clients()
    return result if isinstance(result, int) else 0
