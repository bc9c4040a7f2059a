"""The doctor command: ``client.check()`` (clob_cancel.doctor) in an operator's words, or as one
JSON object with ``--json``. Exit 0 all good, 1 a warning, 3 a failure (2: usage, nothing sent)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, TextIO

from .connect import environment, make_client
from .exits import ExitCode
from .parser import wants_fleet

if TYPE_CHECKING:
    from ..doctor import CheckReport

EXIT_CODES = {"ok": ExitCode.OK, "warning": 1, "failure": ExitCode.FAILED}
"""The doctor's exit code for the report's status (1 is the cancels' NOT_ALL_CANCELED)."""

READS = (
    "GET /time",
    "GET /auth/api-keys",
    "GET /v1/user/rate-limit-tier",
)


def print_report(report: CheckReport, out: TextIO, account: str | None = None) -> None:
    """The report in words; ``account`` names the account of an accounts file it is about."""
    about = report.url if account is None else f"account {account}, {report.url}"
    print(f"clob-cancel doctor: {about}", file=out)
    for item in report.items:
        status = item.status.upper() if item.status in ("warning", "failure") else item.status
        print(f"  {status:<8} {item.name:<12} {item.summary}", file=out)
    code = EXIT_CODES[report.status]
    verdict = {
        "ok": "the kill switch should work",
        "warning": "the kill switch should work, but see the warnings",
        "failure": "THE KILL SWITCH WILL NOT WORK as configured",
    }[report.status]
    print(f"result: {report.status}: {verdict} (exit {int(code)})", file=out)


def doctor_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if wants_fleet(args):
        from .fleet import fleet_doctor_command

        return fleet_doctor_command(args, out, err)
    env = environment(args)
    private_key = env.get("PK") or None
    client = make_client(args, env)
    with client:
        if args.dry_run:
            reads = [*READS, "GET /auth/derive-api-key (L1, on a 401)"] if private_key else READS
            print(f"dry run: {', '.join(reads)} on {client.base_url}", file=out)
            return ExitCode.OK
        report = client.check(private_key=private_key)
    if args.json:
        print(json.dumps({**report.to_dict(), "exit": int(EXIT_CODES[report.status])}), file=out)
    else:
        print_report(report, out)
    return int(EXIT_CODES[report.status])
