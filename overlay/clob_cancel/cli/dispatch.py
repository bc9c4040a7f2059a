"""``main``: parse the command line and run the command it names (imported only then)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from .exits import ExitCode, UsageError
from .output import PipeSafeStdout
from .parser import COMMAND_ALIASES, build_parser, wants_fleet


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command; returns the exit code (the console script exits with it)."""
    stdin, out, err = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    args = build_parser().parse_args(argv)  # exits 2 on bad usage, as argparse does
    args.command = COMMAND_ALIASES.get(args.command, args.command)
    try:
        if args.command == "derive-creds":
            from .support import derive_creds_command

            return derive_creds_command(args, out, err)
        if args.command == "time":
            from .support import time_command

            return time_command(args, out, err)
        if args.command == "doctor":
            from .doctor import doctor_command

            return doctor_command(args, out, err)
        if args.command == "heartbeat":
            from .heartbeat import heartbeat_command

            return heartbeat_command(args, out, err)
        if wants_fleet(args):
            from .fleet import fleet_command

            return fleet_command(args, stdin, out, err)
        from .cancel import cancel_command

        return cancel_command(args, stdin, out, err)
    except UsageError as e:
        print(f"clob-cancel: {e}", file=err)
        return ExitCode.USAGE


def run() -> None:
    """Console-script entry point."""
    out = PipeSafeStdout(sys.stdout)
    code = main(stdout=out)  # type: ignore[arg-type]
    out.flush()
    sys.exit(code)
