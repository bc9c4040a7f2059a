"""The command the heartbeat keeps armed, run so that it never runs on unprotected.

- It runs in its own process group, and every signal we pass on goes to the whole group, so a
  launcher script's real bot and the workers it spawns get it too. When the command exits, what
  is left of its group is stopped: the wrapper's promise and exit code are the command's, and a
  worker left behind would trade on after the heartbeats stop.
- A stop is escalated to SIGKILL after ``grace`` seconds or at a second stop signal.
- It dies with the wrapper: PR_SET_PDEATHSIG kills the command (our direct child) even when the
  wrapper is SIGKILLed, and a watchdog process kills its whole group then (pdeathsig reaches the
  direct child only, not a launcher script's children).
- SIGINT/SIGTERM/SIGHUP/SIGQUIT ask the command to stop; SIGTSTP ends it with SIGTERM (the
  wrapper is never suspended: its heartbeats would stop while the bot trades on); SIGUSR1/SIGUSR2
  are passed on. A command that is suspended (Ctrl-Z, SIGTTIN, SIGSTOP) is ended with SIGTERM:
  a frozen bot's orders must not be kept alive by heartbeats it does not know about.
- In a terminal the command's group is given the foreground, so Ctrl-C and terminal reads reach
  it, and the wrapper takes it back at the end.
- The main loop reads the keeper's lapse from the clock (``keeper.poll()``), never waiting on
  the keeper's thread, and stops the command before saying anything; ``say`` must not block.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .exits import ExitCode

if TYPE_CHECKING:
    from ..errors import HeartbeatLapsedError

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
"""Passed on to the command's group as they are; the first starts the grace period."""
PASSED_SIGNALS = (signal.SIGUSR1, signal.SIGUSR2)
"""Passed on to the command's group; the command decides what they mean."""
HANDLED_SIGNALS = (*STOP_SIGNALS, *PASSED_SIGNALS, signal.SIGTSTP)
_TICK = 0.05  # seconds between the main loop's looks at the command, the signals and the clock
_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER = 1, 36
_WATCHDOG = """# clob-cancel heartbeat: the watchdog of a command's process group
import os, signal, sys
for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGTSTP", "SIGUSR1", "SIGUSR2"):
    signal.signal(getattr(signal, name), signal.SIG_IGN)
told = b""
while chunk := os.read(0, 64):
    told += chunk
words = told.split()
if words and words[-1] != b"done":
    try:
        os.killpg(int(words[0]), signal.SIGKILL)
    except ProcessLookupError:
        pass
"""
"""The watchdog: told the command's process group, it kills the group when the wrapper dies
before saying "done" (its pipe closes with the wrapper, however the wrapper ends)."""


class Switch(Protocol):
    """What the main loop watches: a keeper, or a fleet's keepers (``FleetHeartbeat``)."""

    def poll(self) -> HeartbeatLapsedError | None: ...


@dataclass
class Ending:
    """How the command ended: the exit code to return and the words for the final line."""

    code: int
    what: str
    lapsed: bool = False


def resolve(name: str) -> str | None:
    """The executable file ``name`` runs (PATH searched unless it has a slash), or None."""
    import shutil

    return shutil.which(name)


def _libc_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


def _foreground_terminal() -> int | None:
    """Our stdin, when it is a terminal whose foreground we hold (the command takes it)."""
    with contextlib.suppress(OSError):
        if os.isatty(0) and os.tcgetpgrp(0) == os.getpgrp():
            return 0
    return None


def _set_foreground(fd: int, group: int) -> None:
    """Give ``fd``'s terminal to ``group``; SIGTTOU blocked, as a background group must."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTTOU})
    try:
        with contextlib.suppress(OSError):
            os.tcsetpgrp(fd, group)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTTOU})


class Group:
    """The command's process group: started, signalled as a whole, reaped, and watched."""

    def __init__(self, argv: list[str], program: str, terminal: int | None) -> None:
        prctl = _libc_prctl()
        if prctl is not None:  # orphans of the group come to us, to be reaped, not to linger
            prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        parent = os.getpid()

        def in_the_child() -> None:
            if prctl is not None:
                prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
                if os.getppid() != parent:  # the wrapper died before that: no orphan bot
                    os._exit(1)
            if terminal is not None:
                _set_foreground(terminal, os.getpgrp())

        self.watchdog = _start_watchdog()
        try:
            self.process = subprocess.Popen(
                argv, executable=program, process_group=0, preexec_fn=in_the_child
            )
        except BaseException:
            self._dismiss_watchdog()  # nothing to watch
            raise
        self.pid = self.pgid = self.process.pid
        self.terminal = terminal
        self.status: int | None = None  # the command's exit code, once reaped
        self.stopped_by: int | None = None  # the signal that suspended it, when it did
        if self.watchdog.stdin is not None:
            with contextlib.suppress(OSError):
                self.watchdog.stdin.write(f"{self.pgid}\n".encode())
                self.watchdog.stdin.flush()

    def signal(self, number: int) -> None:
        """``number`` to every process of the group (and SIGCONT, so a suspended one gets it)."""
        for each in (number, signal.SIGCONT):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pgid, each)

    def alive(self) -> bool:
        """Whether any process of the group is left."""
        try:
            os.killpg(self.pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def reap(self) -> None:
        """Collect every child that ended (ours, and orphans handed to us as subreaper), and
        note whether the command ended or was suspended."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG | os.WUNTRACED)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.watchdog.pid:
                self.watchdog.returncode = os.waitstatus_to_exitcode(status)
            elif pid == self.pid and os.WIFSTOPPED(status):
                self.stopped_by = os.WSTOPSIG(status)
            elif pid == self.pid:
                code = os.waitstatus_to_exitcode(status)
                self.process.returncode = code
                self.status = code if code >= 0 else 128 - code

    def close(self) -> None:
        """The group is done: tell the watchdog so, take the terminal back."""
        self._dismiss_watchdog()
        if self.terminal is not None:
            _set_foreground(self.terminal, os.getpgrp())

    def _dismiss_watchdog(self) -> None:
        if self.watchdog.stdin is not None:
            with contextlib.suppress(OSError):
                self.watchdog.stdin.write(b"done\n")
                self.watchdog.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired, ChildProcessError):
            self.watchdog.wait(2)


def _start_watchdog() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", _WATCHDOG],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        process_group=0,  # a Ctrl-C or a hangup of our group does not end it with us
    )


@contextlib.contextmanager
def signals_caught() -> Iterator[list[int]]:
    """The handled signals, queued for the main loop (handlers do nothing else). Entered
    before arming, so that a signal during the first heartbeat is not lost."""
    caught: list[int] = []

    def on_signal(number: int, _frame: object) -> None:
        caught.append(number)

    previous = {number: signal.signal(number, on_signal) for number in HANDLED_SIGNALS}
    try:
        yield caught
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def run_armed(
    command: list[str],
    program: str | None,
    keeper: Switch,
    say: Callable[[str], None],
    grace: float,
    caught: list[int],
) -> Ending:
    """Run ``command`` (``program`` is its resolved executable) while ``keeper`` sends, or
    without one wait for a stop signal (``caught``: see :func:`signals_caught`); how it ended.
    A lapse stops the command: it must not run on without the switch it was promised."""
    if not command or program is None:
        return _until_signal(keeper, caught)
    if any(number not in PASSED_SIGNALS for number in caught):
        stop = signal.Signals(caught[0]).name
        return Ending(128 + caught[0], f"{command[0]} not started ({stop} came first)")
    try:
        group = Group(command, program, _foreground_terminal())
    except OSError as e:
        return Ending(ExitCode.COMMAND_NOT_RUN, f"cannot start {command[0]}: {e.strerror or e}")
    try:
        return _supervise(group, command[0], keeper, say, grace, caught)
    finally:
        if group.status is None:  # only a bug ends supervision early: no bot left unwatched
            group.signal(signal.SIGKILL)
        group.close()


def _until_signal(keeper: Switch, caught: list[int]) -> Ending:
    while True:
        if keeper.poll() is not None:
            return Ending(ExitCode.FAILED, "heartbeats stopped", lapsed=True)
        if caught:
            return Ending(ExitCode.OK, f"stopped by {signal.Signals(caught[0]).name}")
        time.sleep(_TICK)


def _supervise(
    group: Group,
    name: str,
    keeper: Switch,
    say: Callable[[str], None],
    grace: float,
    caught: list[int],
) -> Ending:
    stopping_since: float | None = None  # when the group was first asked to stop
    killed = False
    lapsed = False
    why = ""

    def stop(reason: str) -> None:
        nonlocal stopping_since, why
        if stopping_since is None:
            group.signal(signal.SIGTERM)
            stopping_since, why = time.monotonic(), reason
            say(f"stopping {name} ({reason})")

    def kill(reason: str) -> None:
        nonlocal killed
        if not killed:
            group.signal(signal.SIGKILL)
            killed = True
            say(f"killed {name}'s process group ({reason})")

    while True:
        if not lapsed and keeper.poll() is not None:
            lapsed = True
            stop("the switch lapsed: its orders are no longer protected")
        while caught:
            number = caught.pop(0)
            signame = signal.Signals(number).name
            if number in PASSED_SIGNALS:
                group.signal(number)
            elif stopping_since is not None:
                kill(f"a second stop signal, {signame}")
            elif number == signal.SIGTSTP:
                stop("SIGTSTP: the wrapper is not suspended while the command runs armed")
            else:
                group.signal(number)
                stopping_since, why = time.monotonic(), signame
        group.reap()
        if group.stopped_by is not None and stopping_since is None:
            stop(
                f"it was suspended by {signal.Signals(group.stopped_by).name}: a frozen bot is "
                "not kept armed"
            )
        if stopping_since is not None and time.monotonic() - stopping_since >= grace:
            kill(f"still running {grace:g} s after {why}")
        if group.status is not None:
            break
        time.sleep(_TICK)
    code, what = group.status, _ended(name, group.status)
    if group.alive():  # what the command left behind runs unprotected once we exit
        say(f"stopping what is left of {name}'s process group")
        group.signal(signal.SIGTERM)
        until = time.monotonic() + grace
        while group.alive() and time.monotonic() < until and not caught:
            group.reap()
            time.sleep(_TICK)
        if group.alive():
            group.signal(signal.SIGKILL)
            what += "; the rest of its process group killed"
        else:
            what += "; the rest of its process group stopped"
        until = time.monotonic() + 2
        while group.alive() and time.monotonic() < until:
            group.reap()
            time.sleep(_TICK)
    if lapsed:
        return Ending(ExitCode.FAILED, what, lapsed=True)
    return Ending(code, what)


def _ended(name: str, code: int) -> str:
    if code > 128 and code - 128 in signal.valid_signals():
        return f"{name} ended by {signal.Signals(code - 128).name} (exit {code})"
    return f"{name} exited {code}"
