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
    """A server or transport error (what is known to be canceled is printed first)."""
    INTERRUPTED = 130
    """SIGINT (Ctrl-C), 128 + 2 as a shell says it: what became of each id is printed first."""
    TERMINATED = 143
    """SIGTERM (``timeout``, a CI runner), 128 + 15: what became of each id is printed first."""


class UsageError(Exception):
    """Bad arguments or credentials: exit 2, nothing sent."""
