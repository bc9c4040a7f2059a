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
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TextIO

from .connect import environment, make_client
from .exits import ExitCode, UsageError
from .output import describe_error
from .parser import MIN_HEARTBEAT_INTERVAL, wants_fleet
from .supervisor import Ending, resolve, run_armed, signals_caught

if TYPE_CHECKING:
    from ..client import CancelClient
    from ..errors import HeartbeatLapsedError
    from ..fleet import CancelFleet

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
    if wants_fleet(args):
        return fleet_heartbeat_command(args, command, program, out, err)
    client = make_client(args, environment(args))
    if args.dry_run:
        print(f"dry run: POST {client.base_url}/v1/heartbeats every {args.interval:g} s", file=out)
        return ExitCode.OK

    with said_on(err) as say, signals_caught() as caught, client:

        def failed(error: CancelError, left: float) -> None:
            left_text = f"{max(0.0, left):.1f} s before the server's deadline"
            say(f"heartbeat failed: {describe_error(error)}; {left_text}")

        def lapsed(error: HeartbeatLapsedError) -> None:
            say(f"DEAD-MAN'S SWITCH LAPSED: {describe_error(error)}")

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
        return _end(lambda: _cancel_all(client), ending, args.cancel_on_exit, deadline, say)


def fleet_heartbeat_command(
    args: argparse.Namespace, command: list[str], program: str | None, out: TextIO, err: TextIO
) -> int:
    """``heartbeat --accounts FILE [-- COMMAND]``: every account armed before COMMAND starts
    (``FleetHeartbeat``), the same supervision, a lapse on any account the wrapper's lapse."""
    from ..errors import CancelError
    from ..fleet import CancelFleet
    from ..fleet_heartbeat import FleetArmError, FleetHeartbeat
    from .fleet import account_clients, selected_accounts

    _, chosen = selected_accounts(args, err)
    clients = account_clients(args, chosen, lambda account, env: make_client(args, env))
    deadline = args.deadline
    with CancelFleet(clients) as fleet:
        if args.dry_run:
            for name, client in clients.items():
                print(
                    f"[{name}] dry run: POST {client.base_url}/v1/heartbeats every "
                    f"{args.interval:g} s",
                    file=out,
                )
            return ExitCode.OK
        with said_on(err) as say, signals_caught() as caught:

            def failed(name: str, error: CancelError, left: float) -> None:
                left_text = f"{max(0.0, left):.1f} s before the server's deadline"
                say(f"[{name}] heartbeat failed: {describe_error(error)}; {left_text}")

            def lapsed(name: str, error: HeartbeatLapsedError) -> None:
                say(f"[{name}] DEAD-MAN'S SWITCH LAPSED: {describe_error(error)}")

            switch = FleetHeartbeat(
                clients,
                interval=args.interval,
                deadline=deadline,
                on_failure=failed,
                on_lapse=lapsed,
            )
            try:
                switch.start()
            except FleetArmError as e:
                for name, error in e.errors.items():
                    say(f"[{name}] the first heartbeat failed, not armed: {describe_error(error)}")
                if e.armed:
                    say(
                        f"armed, then stopped again: {', '.join(e.armed)}: the server cancels "
                        f"every open order of their API keys within {deadline:g} s"
                    )
                if command:
                    say(f"{command[0]} not started")
                return ExitCode.FAILED
            say(
                f"dead-man's switch armed on {len(clients)} accounts ({', '.join(clients)}; a "
                f"heartbeat every {args.interval:g} s; the server cancels every open order of "
                f"an account's API key {deadline:g} s after its last accepted one)"
            )
            ending = run_armed(command, program, switch, say, args.grace, caught)
            lapses = switch.lapsed_accounts
            switch.stop(timeout=0 if lapses else _LAST_SEND_WAIT)
            if lapses:
                words = _lapse_words(switch.keepers[lapses[0]].lapse, f" on {lapses[0]}")
                others = f" (then on {', '.join(lapses[1:])})" if lapses[1:] else ""
                ending = Ending(ExitCode.FAILED, f"{ending.what}; {words}{others}", lapsed=True)
            cancel_all = lambda: _cancel_all_accounts(fleet)  # noqa: E731
            whose = "each account's API key"
            return _end(cancel_all, ending, args.cancel_on_exit, deadline, say, whose)


@contextlib.contextmanager
def said_on(err: TextIO) -> Iterator[Callable[[str], None]]:
    """``say`` for the wrapper's lines (a :class:`StderrLines` on ``err``, the library's log
    lines sent there too), their last lines flushed on the way out."""
    lines = StderrLines(err)
    library_log = logging.getLogger("clob_cancel")
    to_lines = _LogToLines(lines)
    library_log.addHandler(to_lines)
    try:
        yield lines.say
    finally:
        library_log.removeHandler(to_lines)
        lines.flush()


def _lapse_words(lapse: HeartbeatLapsedError | None, where: str = "") -> str:
    """What the lapse means; ``where`` says on which account (" on NAME") for a fleet."""
    from ..errors import HeartbeatMismatchError

    said = f"the switch lapsed{where}"
    if lapse is not None and isinstance(lapse.__cause__, HeartbeatMismatchError):
        return f"{said}: the server declared it and canceled every open order of the key"
    return f"{said}: the server canceled, or is canceling, every open order of the key"


def _cancel_all(client: CancelClient) -> tuple[bool, str]:
    """--cancel-on-exit on one account: whether it worked, and what it did."""
    from ..errors import CancelError

    try:
        return True, f"canceled all: {len(client.cancel_all().canceled)} orders"
    except CancelError as e:
        return False, f"cancel-all FAILED ({describe_error(e)})"


def _cancel_all_accounts(fleet: CancelFleet) -> tuple[bool, str]:
    """--cancel-on-exit on every account at once: whether every one worked, and what was done."""
    from ..errors import CancelError

    results = fleet.cancel_all()
    failed = {name: r for name, r in results.items() if isinstance(r, CancelError)}
    canceled = sum(len(r.canceled) for r in results.values() if not isinstance(r, CancelError))
    done = f"canceled all: {canceled} orders on {len(results) - len(failed)} accounts"
    if not failed:
        return True, done
    words = "; ".join(f"{name}: {describe_error(e)}" for name, e in failed.items())
    return False, f"{done}; cancel-all FAILED on {', '.join(failed)} ({words})"


def _end(
    cancel_all: Callable[[], tuple[bool, str]],
    ending: Ending,
    cancel_on_exit: bool,
    deadline: float,
    say: Callable[[str], None],
    whose: str = "the API key",
) -> int:
    """The final line, what happened, and the exit code (after --cancel-on-exit if asked:
    ``cancel_all`` does it and says whether it worked, and what it did); ``whose`` orders the
    server cancels."""
    if cancel_on_exit:
        worked, done = cancel_all()
        if not worked:
            code = ExitCode.CANCEL_ON_EXIT_FAILED
            say(
                f"{ending.what}; {done}: the server cancels within {deadline:g} s of the last "
                f"heartbeat; exit {code:d}"
            )
            return code
        say(f"{ending.what}; {done}; exit {ending.code:d}")
    elif ending.lapsed:  # the server has canceled: not "will cancel"
        say(f"{ending.what}; exit {ending.code:d}")
    else:
        say(
            f"{ending.what}; heartbeats stopped: the server cancels every open order of "
            f"{whose} within {deadline:g} s; exit {ending.code:d}"
        )
    return ending.code
