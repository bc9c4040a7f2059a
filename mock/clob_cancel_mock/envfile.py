"""``clob-cancel-mock --write-env FILE``: the file a CI job reads the mock's URL and credentials
from, as KEY=VALUE lines (``clob-cancel --env-file``, ``set -a; . FILE``) or, with ``--accounts``,
the TOML accounts file ``clob-cancel --accounts`` reads. Written atomically and safely in a
directory others can write to, and removed again only if it is still the file this mock wrote.
Apart from cli.py because writing a file that holds secrets, safely, is a job of its own."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .accounts import Account

# Values written bare: what needs no quoting in sh and reads back unchanged by --env-file.
_BARE = re.compile(r"[A-Za-z0-9._:/=+@%,\[\]-]+")


def env_file_text(values: dict[str, str]) -> str:
    """KEY=VALUE lines that sh's `.` and clob-cancel's --env-file read back to the same values."""
    lines = []
    for name, value in values.items():
        if _BARE.fullmatch(value):
            lines.append(f"{name}={value}")
        elif "'" not in value and "\n" not in value:
            lines.append(f"{name}='{value}'")
        else:  # never printed: it may be the secret
            raise ValueError(f"--write-env: {name} holds a quote or newline; it cannot be written")
    return "\n".join(lines) + "\n"


def accounts_file_text(url: str, accounts: Sequence[Account]) -> str:
    """The accounts file (TOML) of ``accounts``, named account-1 ... account-N, that
    ``clob-cancel --accounts`` reads: the URL at the top level, one table per account."""
    lines = ["# written by clob-cancel-mock --accounts: development accounts of this run only"]
    lines.append(f"CLOB_API_URL = {_toml_string('CLOB_API_URL', url)}")
    for number, account in enumerate(accounts, 1):
        lines += ["", f"[account-{number}]"]
        for name, value in account.client_env(url).items():
            if name != "CLOB_API_URL":
                lines.append(f"{name} = {_toml_string(name, value)}")
    return "\n".join(lines) + "\n"


def _toml_string(name: str, value: str) -> str:
    """``value`` as a TOML basic string: written only when no escape is needed."""
    if not _BARE.fullmatch(value):  # never printed: it may be the secret
        raise ValueError(f"--write-env: {name} holds a character the accounts file would escape")
    return f'"{value}"'


def write_env_file(path: Path, text: str) -> tuple[int, int]:
    """Write FILE atomically (a reader polling for it never sees half), readable by the owner
    only, safe in a directory others can write to: through a new file of a random name made with
    O_EXCL and O_NOFOLLOW (``mkstemp``), renamed over FILE (a symlink planted there is replaced,
    never followed). Returns the file's (st_dev, st_ino), to remove only that file later."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            written = os.fstat(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return written.st_dev, written.st_ino


def remove_stale_env_file(path: Path) -> None:
    """Remove FILE as a previous mock may have left it (SIGKILL): a job polling for FILE must
    not read a dead mock's URL before this one listens."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def remove_env_file(path: Path, identity: tuple[int, int], text: str) -> None:
    """Remove FILE if it is still the file this mock wrote, not one put there since: the same
    file (an inode number may be reused once ours is gone) with the same text."""
    with contextlib.suppress(OSError):
        st = path.lstat()
        if (st.st_dev, st.st_ino) == identity and path.read_text(encoding="utf-8") == text:
            path.unlink()
