"""`clob-cancel`: the kill switch from a shell.

Exit codes: 0 every requested order canceled (for ``all``/``market``: nothing left not canceled),
1 the server answered but some orders were not canceled, 2 usage or credential error (nothing
sent), 3 server or transport error (what is known to be canceled is printed first).

Only the standard library is imported until a command runs, and eth-account only when a private
key is used, so ``--help`` and a cancel start fast.
"""

from __future__ import annotations

from .dispatch import main, run
from .exits import ExitCode, UsageError
from .files import read_env_file
from .parser import RETRIED, build_parser

__all__ = ["RETRIED", "ExitCode", "UsageError", "build_parser", "main", "read_env_file", "run"]
