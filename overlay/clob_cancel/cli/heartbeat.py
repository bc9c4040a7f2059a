"""The heartbeat command: arm the server's dead-man's switch and keep it armed, alone or around
a command (run by :func:`~clob_cancel.cli.supervisor.run_armed`).

Its stderr lines go through a :class:`StderrLines`, whose writes never block the caller nor
raise: stderr may be a closed pipe (``2>&1 | head``) or one nobody reads, and neither may keep
the wrapper from noticing a lapse or from stopping the command.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import queue
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from .connect import environment, make_client
from .exits import ExitCode, UsageError
from .output import describe_error
from .parser import MIN_HEARTBEAT_INTERVAL
from .supervisor import Ending, resolve, run_armed, signals_caught

if TYPE_CHECKING:
    from ..client import CancelClient
    from ..errors import HeartbeatLapsedError

_LINES_KEPT = 256  # lines waiting for a slow stderr; more are dropped, never waited for
_LAST_SEND_WAIT = 1.0  # seconds a send in flight may take to end, once the command ended
_LAST_LINES_WAIT = 2.0  # seconds the final lines may take to reach stderr before we exit


class StderrLines:
    """Lines for stderr, written by a daemon thread: ``say`` only queues (dropping when the
    queue is full) and write failures are ignored, so nothing on the safety path can block."""

    def __init__(self, err: TextIO) -> None:
        try:
            self._fd: int | None = err.fileno()
        except (OSError, ValueError, AttributeError):  # io.StringIO and the like
            self._fd = None
        self._err = err
        self._lines: queue.Queue[str | threading.Event] = queue.Queue(_LINES_KEPT)
        self._broken = False
        threading.Thread(target=self._write, name="clob-cancel-stderr", daemon=True).start()

    def say(self, text: str) -> None:
        with contextlib.suppress(queue.Full):
            self._lines.put_nowait(f"clob-cancel: {text}\n")

    def flush(self, timeout: float = _LAST_LINES_WAIT) -> None:
        """Wait (at most ``timeout``) for the queued lines to be written."""
        written = threading.Event()
        with contextlib.suppress(queue.Full):
            self._lines.put_nowait(written)
            written.wait(timeout)

    def _write(self) -> None:
        # A background process group writing to its terminal (TOSTOP) would be stopped by
        # SIGTTOU, the whole wrapper with it; blocked in this thread, the write goes through.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTTOU})
        while True:
            line = self._lines.get()
            if isinstance(line, threading.Event):
                line.set()
            elif not self._broken:
                try:
                    self._put(line)
                except (OSError, ValueError):
                    self._broken = True  # a closed pipe: the rest is dropped

    def _put(self, line: str) -> None:
        if self._fd is None:
            self._err.write(line)
            self._err.flush()
            return
        data = line.encode(errors="replace")
        while data:
            data = data[os.write(self._fd, data) :]


class _LogToLines(logging.Handler):
    """The library's log lines (a callback's bug) through :class:`StderrLines`, not the
    logging module's last-resort stderr writer, which can block."""

    def __init__(self, lines: StderrLines) -> None:
        super().__init__(logging.WARNING)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.say(record.getMessage().removeprefix("clob_cancel: "))


def check_timing(interval: float, deadline: float, grace: float) -> None:
    """Refuse --interval/--deadline/--grace values the keeper cannot keep (a usage error)."""
    if not all(math.isfinite(value) for value in (interval, deadline, grace)):
        raise UsageError("--interval, --deadline and --grace must be finite numbers of seconds")
    if interval < MIN_HEARTBEAT_INTERVAL:
        raise UsageError(f"--interval must be at least {MIN_HEARTBEAT_INTERVAL:g} s")
    if interval >= deadline:
        raise UsageError(f"--interval must be below the deadline ({deadline:g} s)")
    if grace < 0:
        raise UsageError("--grace must be 0 or more seconds")


def heartbeat_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..errors import CancelError

    command = args.wrapped[1:] if args.wrapped[:1] == ["--"] else args.wrapped
    deadline = args.deadline
    check_timing(args.interval, deadline, args.grace)
    program = resolve(command[0]) if command else None
    if command and program is None:  # before arming: a typo must not cancel the key's orders
        print(
            f"clob-cancel: {command[0]}: command not found or not executable; nothing armed",
            file=err,
        )
        return ExitCode.COMMAND_NOT_RUN
    client = make_client(args, environment(args))
    if args.dry_run:
        print(f"dry run: POST {client.base_url}/v1/heartbeats every {args.interval:g} s", file=out)
        return ExitCode.OK

    lines = StderrLines(err)
    say = lines.say

    def failed(error: CancelError, left: float) -> None:
        left_text = f"{max(0.0, left):.1f} s before the server's deadline"
        say(f"heartbeat failed: {describe_error(error)}; {left_text}")

    def lapsed(error: HeartbeatLapsedError) -> None:
        say(f"DEAD-MAN'S SWITCH LAPSED: {describe_error(error)}")

    library_log = logging.getLogger("clob_cancel")
    to_lines = _LogToLines(lines)
    library_log.addHandler(to_lines)
    try:
        with signals_caught() as caught, client:
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
                f"dead-man's switch armed for the API key (a heartbeat every {args.interval:g} "
                f"s; the server cancels every open order of the key {deadline:g} s after the "
                "last accepted one)"
            )
            ending = run_armed(command, program, keeper, say, args.grace, caught)
            keeper.stop(timeout=0 if keeper.lapse else _LAST_SEND_WAIT)  # no use after a lapse
            if keeper.lapse is not None:
                what = f"{ending.what}; {_lapse_words(keeper.lapse)}"
                ending = Ending(ExitCode.FAILED, what, lapsed=True)
            code = _end(client, ending, args.cancel_on_exit, deadline, say)
    finally:
        library_log.removeHandler(to_lines)
        lines.flush()
    return code


def _lapse_words(lapse: HeartbeatLapsedError) -> str:
    from ..errors import HeartbeatMismatchError

    if isinstance(lapse.__cause__, HeartbeatMismatchError):
        return "the switch lapsed: the server declared it and canceled every open order of the key"
    return "the switch lapsed: the server canceled, or is canceling, every open order of the key"


def _end(
    client: CancelClient,
    ending: Ending,
    cancel_on_exit: bool,
    deadline: float,
    say: Callable[[str], None],
) -> int:
    """The final line, what happened, and the exit code (after --cancel-on-exit if asked)."""
    from ..errors import CancelError

    if cancel_on_exit:
        try:
            answer = client.cancel_all()
        except CancelError as e:
            code = ExitCode.CANCEL_ON_EXIT_FAILED
            say(
                f"{ending.what}; cancel-all FAILED ({describe_error(e)}): the server cancels "
                f"within {deadline:g} s of the last heartbeat; exit {code:d}"
            )
            return code
        say(f"{ending.what}; canceled all: {len(answer.canceled)} orders; exit {ending.code:d}")
    elif ending.lapsed:  # the server has canceled: not "will cancel"
        say(f"{ending.what}; exit {ending.code:d}")
    else:
        say(
            f"{ending.what}; heartbeats stopped: the server cancels every open order of the API "
            f"key within {deadline:g} s; exit {ending.code:d}"
        )
    return ending.code
