"""The heartbeat command: arm the server's dead-man's switch and keep it armed, alone or around
a command (run by :func:`~clob_cancel.cli.supervisor.run_armed`)."""

from __future__ import annotations

import argparse
from typing import TextIO

from .connect import environment, make_client
from .exits import ExitCode, UsageError
from .output import describe_error
from .supervisor import run_armed


def heartbeat_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..errors import CancelError, HeartbeatLapsedError

    command = args.wrapped[1:] if args.wrapped[:1] == ["--"] else args.wrapped
    deadline = args.deadline
    if not 0 < args.interval < deadline:
        raise UsageError(f"--interval must be above 0 and below the deadline ({deadline:g} s)")
    client = make_client(args, environment(args))  # the keeper reports its own failures
    if args.dry_run:
        print(f"dry run: POST {client.base_url}/v1/heartbeats every {args.interval:g} s", file=out)
        return ExitCode.OK

    def say(text: str) -> None:
        print(f"clob-cancel: {text}", file=err, flush=True)

    def failed(error: CancelError, left: float) -> None:
        left_text = f"{max(0.0, left):.1f} s before the server's deadline"
        say(f"heartbeat failed: {describe_error(error)}; {left_text}")

    def lapsed(error: HeartbeatLapsedError) -> None:
        say(f"DEAD-MAN'S SWITCH LAPSED: {describe_error(error)}")

    with client:
        keeper = client.heartbeat(
            interval=args.interval, deadline=deadline, on_failure=failed, on_lapse=lapsed
        )
        try:
            keeper.start()
        except CancelError as e:
            say(f"the first heartbeat failed, nothing is armed: {describe_error(e)}")
            if command:
                say(f"{command[0]} not started")
            return ExitCode.FAILED
        say(
            f"dead-man's switch armed for the API key (a heartbeat every {args.interval:g} s; "
            f"the server cancels every open order of the key {deadline:g} s after the last "
            "accepted one)"
        )
        code = run_armed(command, keeper, say)
        keeper.stop()
        if args.cancel_on_exit:
            try:
                answer = client.cancel_all()
                say(f"stopped; canceled all: {len(answer.canceled)} orders")
            except CancelError as e:
                say(
                    f"stopped; cancel-all failed ({describe_error(e)}): the server cancels after "
                    "the deadline"
                )
                code = code or ExitCode.FAILED
        else:
            say(
                "heartbeats stopped: the server cancels every open order of the API key within "
                f"{deadline:g} s"
            )
    return code
