"""The CLI's exit codes and the error that ends a command with a usage error."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """What ``clob-cancel`` exits with (the epilog of ``--help`` says the same)."""

    OK = 0
    """Every requested order canceled (for ``all``/``market``: nothing left not canceled)."""
    NOT_ALL_CANCELED = 1
    """The server answered, but some orders were not canceled (a market cancel: none matched)."""
    USAGE = 2
    """Bad arguments or credentials: nothing was sent."""
    FAILED = 3
    """A server or transport error (what is known to be canceled is printed first); for
    ``heartbeat``, also: the switch lapsed (the command is then stopped)."""
    CANCEL_ON_EXIT_FAILED = 4
    """``heartbeat --cancel-on-exit``: the cancel-all at the end failed (the server still
    cancels after the deadline); it wins over the command's own exit code."""
    COMMAND_NOT_RUN = 127
    """``heartbeat``: the command was not found or could not be executed (as a shell says it)."""
    INTERRUPTED = 130
    """SIGINT (Ctrl-C), 128 + 2 as a shell says it: what became of each id is printed first."""
    TERMINATED = 143
    """SIGTERM (``timeout``, a CI runner), 128 + 15: what became of each id is printed first."""


class UsageError(Exception):
    """Bad arguments or credentials: exit 2, nothing sent."""
