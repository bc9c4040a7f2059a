"""Run the conformance suite (the schemathesis CLI with schemathesis.toml and our hooks).

`python -m tests.conformance` (what `make conformance` runs): against CLOB_API_URL with the
CLOB_* credentials, or, when CLOB_API_URL is not set, against the embedded mock, started here on
a free port and stopped at the end. Exit code 0 only when every check passed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from clob_cancel.spec import spec_path
from tests.conformance import contract, target
from tests.conformance.target import Target

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "schemathesis.toml"
DEFAULT_SEED = 20261124
DEFAULT_MAX_EXAMPLES = 200
DEFAULT_JUNIT = REPO / "reports" / "conformance.xml"


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
        yield target.make_target(mock.url, DEFAULT_ACCOUNT.creds, DEFAULT_ACCOUNT.address)


def cli_args(
    t: Target, *, seed: int, max_examples: int, junit: Path, extra: Sequence[str] = ()
) -> list[str]:
    """`schemathesis run` arguments for a run against ``t``."""
    args = [
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        str(spec_path()),
        "--url",
        t.base_url,
        "--seed",
        str(seed),
        "--max-examples",
        str(max_examples),
        "--report",
        "junit",
        "--report-junit-path",
        str(junit),
    ]
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
        f"{contract.HEARTBEAT} and the heartbeat checks: {t.base_url} is not the mock, and these "
        "cancel every live order of the account (in a market), not only ids the suite names; "
        f"for the heartbeat, {contract.DESTRUCTIVE_EFFECT[contract.HEARTBEAT]}. Set "
        "CONFORMANCE_ALLOW_DESTRUCTIVE=1 to run them."
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
    """Run the schemathesis CLI in this process with ``t`` current; its exit code."""
    from schemathesis.cli import schemathesis as cli

    import tests.conformance.hooks  # noqa: F401 - registers auth, checks and hooks once

    with target.using(t):
        try:
            result = cli.main(args=list(args), prog_name="schemathesis", standalone_mode=False)
        except SystemExit as e:
            return e.code if isinstance(e.code, int) else 1
        finally:
            target.close_clients()
    return result if isinstance(result, int) else 0


def settings(env: Mapping[str, str]) -> tuple[int, int]:
    """(seed, max examples) from CONFORMANCE_SEED and CONFORMANCE_MAX_EXAMPLES."""
    values = []
    for name, default in (
        ("CONFORMANCE_SEED", DEFAULT_SEED),
        ("CONFORMANCE_MAX_EXAMPLES", DEFAULT_MAX_EXAMPLES),
    ):
        raw = env.get(name, "").strip()
        if not raw:
            values.append(default)
        elif raw.isdigit() and int(raw) > 0:
            values.append(int(raw))
        else:
            raise SystemExit(f"{name} must be a positive integer, got {raw!r}")
    return values[0], values[1]


def main(argv: Sequence[str] = ()) -> int:
    """Run against CLOB_API_URL, or against the embedded mock when it is not set."""
    env = os.environ
    seed, max_examples = settings(env)
    junit = Path(env.get("CONFORMANCE_JUNIT", "") or DEFAULT_JUNIT)
    junit.parent.mkdir(parents=True, exist_ok=True)

    def run(t: Target) -> int:
        for notice in (skip_notice(t), arming_notice(t)):
            if notice:
                print(notice, flush=True)
        if not t.is_mock:
            print(
                "SKIPPED check cancel_changes_exactly_what_it_reports and order seeding: "
                f"{t.base_url} has no mock admin surface to seed and inspect orders; the other "
                "checks use what the server answers.",
                flush=True,
            )
        args = cli_args(t, seed=seed, max_examples=max_examples, junit=junit, extra=argv)
        code = run_cli(t, args)
        print(
            f"conformance: {'PASSED' if code == 0 else 'FAILED'} against {t.base_url}; "
            f"JUnit report: {junit}",
            flush=True,
        )
        return code

    if env.get("CLOB_API_URL"):
        return run(target.from_env(env))
    with embedded_mock() as t:
        print(f"conformance: embedded mock at {t.base_url}", flush=True)
        return run(t)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
