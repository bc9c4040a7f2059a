"""Run the conformance suite: the schemathesis CLI with the shipped schemathesis.toml and hooks.

The command line (`clob-cancel-conformance`, cli.py) decides the target and the options; this
module builds the schemathesis arguments and runs them in this process with the target current.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from clob_cancel.spec import spec_path
from clob_cancel_conformance import contract, findings, live, scrub, target
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


class _ScrubbedStream(io.TextIOBase):
    """A text stream that scrubs secrets (scrub.py) from what is written before passing it on:
    schemathesis prints failures with the server's answers, which may echo them."""

    def __init__(self, inner: TextIO, t: Target) -> None:
        self.inner, self.t = inner, t

    def write(self, text: str) -> int:
        self.inner.write(scrub.scrub_text(text, self.t.creds, self.t.private_key))
        return len(text)

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        return False


def unicode_table_cache(env: Mapping[str, str] = os.environ) -> Path:
    """Where hypothesis' Unicode tables are kept between runs: $CONFORMANCE_CACHE_DIR, else the
    user's cache directory ($XDG_CACHE_HOME or ~/.cache) / clob-cancel-conformance. They are
    derived from the Python build's Unicode data alone (no request, answer or secret), and
    rebuilding them costs about 4 s of CPU at every run's start."""
    if env.get("CONFORMANCE_CACHE_DIR"):
        return Path(env["CONFORMANCE_CACHE_DIR"])
    user_cache = env.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(user_cache) / "clob-cancel-conformance"


def _keep_unicode_tables(home: Path) -> None:
    """Link hypothesis' Unicode-table directories in the run's temporary ``home`` to the
    persistent cache (``tmp`` too: hypothesis writes a table there first and renames it into
    place, which must stay on one file system). Best effort: without the links, hypothesis
    rebuilds the tables in ``home`` and the run is only slower."""
    with contextlib.suppress(OSError):
        cache = unicode_table_cache() / "hypothesis"
        home.mkdir(parents=True, exist_ok=True)
        for name in ("unicode_data", "tmp"):
            (cache / name).mkdir(parents=True, exist_ok=True)
            (home / name).symlink_to(cache / name, target_is_directory=True)


@contextmanager
def caches_elsewhere() -> Iterator[None]:
    """schemathesis' crash cache (.schemathesis/, the failing requests and answers) and
    hypothesis' (.hypothesis/) go to a temporary directory removed after the run, never the
    working directory; only hypothesis' Unicode tables are kept (:func:`unicode_table_cache`)."""
    from hypothesis import configuration
    from schemathesis.core import storage

    root = storage.DEFAULT_ROOT
    with tempfile.TemporaryDirectory(prefix="clob-cancel-conformance-") as tmp:
        storage.DEFAULT_ROOT = Path(tmp) / ".schemathesis"
        _keep_unicode_tables(Path(tmp) / ".hypothesis")
        configuration.set_hypothesis_home_dir(Path(tmp) / ".hypothesis")
        try:
            yield
        finally:
            storage.DEFAULT_ROOT = root
            configuration.set_hypothesis_home_dir(None)


def run_cli(t: Target, args: Sequence[str], outputs: Sequence[Path] = ()) -> int:
    """Run the schemathesis CLI in this process with ``t`` current; its exit code. The notes of
    this run are in findings.collected() afterwards. What it prints, and the report files in
    ``outputs`` (files or directories), are scrubbed of every secret and signature."""
    from schemathesis.cli import schemathesis as cli

    import clob_cancel_conformance.hooks  # noqa: F401 - registers auth, checks and hooks once
    from clob_cancel_conformance import live_checks

    findings.clear()
    scrub.reset()
    live.reset()
    live_checks.reset()
    stdout, stderr = sys.stdout, sys.stderr
    with target.using(t), caches_elsewhere():
        sys.stdout, sys.stderr = _ScrubbedStream(stdout, t), _ScrubbedStream(stderr, t)
        try:
            result = cli.main(args=list(args), prog_name="schemathesis", standalone_mode=False)
        except SystemExit as e:
            result = e.code if isinstance(e.code, int) else 1
        finally:
            sys.stdout, sys.stderr = stdout, stderr
            target.close_clients()
            for path in outputs:
                scrub.scrub_tree(path, t.creds, t.private_key)
    return result if isinstance(result, int) else 0


# The checks that may not get to run, and why, by what they need (said in the summary line and as
# skipped test cases in the JUnit report; --strict makes them failures).
NEEDS_SEEDER = "needs live orders: give --seed-command (CONFORMANCE_SEED_COMMAND)"
NEEDS_DESTRUCTIVE = "destructive checks are off: give --allow-destructive"


def not_run(t: Target) -> list[tuple[str, str, str]]:
    """(check, operation, why) for each check that did not run to a verdict in the last run."""
    skipped = []

    def judge(check: str, operation: str, *, destructive: bool, needs: str | None) -> None:
        if findings.was_completed(check, operation):
            return
        if destructive and not t.allow_destructive:
            reason = NEEDS_DESTRUCTIVE
        elif needs:
            reason = needs
        else:
            reason = findings.reason_not_run(check, operation) or (
                "no conclusive answer (every one 401, 425, 429 or 503, or the heartbeat could "
                "not be armed and kept alive)"
            )
        skipped.append((check, operation, reason))

    for path, method in t.l2_operations().items():
        destructive = path in contract.DESTRUCTIVE_PATHS
        judge(
            "auth_covers_the_whole_request",
            f"{method} {path}",
            destructive=destructive,
            needs=None,
        )
        if path in contract.CANCEL_PATHS:
            judge(
                "live_orders_cancel_as_reported",
                f"{method} {path}",
                destructive=destructive,
                needs=None if t.has_live_orders else NEEDS_SEEDER,
            )
    heartbeat = f"POST {contract.HEARTBEAT}"
    judge("heartbeat_accepts_only_the_expected_id", heartbeat, destructive=True, needs=None)
    if t.check_switch:
        judge(
            "dead_mans_switch_fires",
            heartbeat,
            destructive=True,
            needs=None if t.seeder else NEEDS_SEEDER,
        )
    return skipped


def ran_summary(skipped: list[tuple[str, str, str]]) -> str:
    """E.g. "7 checks did not run: 4 need live orders (give --seed-command)"."""
    if not skipped:
        return "every check ran"
    reasons: dict[str, int] = {}
    for _, _, reason in skipped:
        reasons[reason] = reasons.get(reason, 0) + 1
    parts = [f"{n} {reason}" for reason, n in reasons.items()]
    return f"{len(skipped)} check(s) did not run: " + "; ".join(parts)


def add_skipped_to_junit(junit: Path, skipped: list[tuple[str, str, str]]) -> None:
    """A testsuite of the checks that did not run, each a skipped test case with its reason."""
    import xml.etree.ElementTree as ET

    tree = ET.parse(junit)
    root = tree.getroot()
    suite = ET.SubElement(
        root,
        "testsuite",
        name="clob-cancel-conformance: checks that did not run",
        tests=str(len(skipped)),
        skipped=str(len(skipped)),
        failures="0",
        errors="0",
    )
    for check, operation, reason in skipped:
        case = ET.SubElement(suite, "testcase", name=f"{check} on {operation}", classname=check)
        ET.SubElement(case, "skipped", message=reason)
    for name in ("tests", "skipped"):
        if root.tag == "testsuites":
            root.set(name, str(int(root.get(name, "0")) + len(skipped)))
    tree.write(junit, encoding="utf-8", xml_declaration=True)
