"""The accounts file: several signers' credentials in one TOML file, one table per account, for
:class:`~clob_cancel.fleet.CancelFleet` and ``clob-cancel --accounts FILE``::

    # desk.toml -- mode 0600, like every file that holds secrets
    CLOB_API_URL = "https://clob.polymarket.com"    # optional: every account's URL

    [maker-btc]                                     # the account's name
    CLOB_API_KEY = "..."
    CLOB_SECRET = "..."
    CLOB_PASS_PHRASE = "..."
    CLOB_ADDRESS = "0x..."                          # or PK = "0x..." (its address is derived)

    [maker-eth]
    CLOB_API_URL = "https://..."                    # optional: this account's own URL
    ...

Why TOML: it is the format Python tooling already uses for settings (pyproject.toml, read by the
standard library's ``tomllib``: no new dependency), a table per account gives each one a name in
the file itself, its strings are quoted without ambiguity (a secret holding ``=``, ``#`` or a
quote needs no shell rules), comments are allowed, and the keys are the variables ``--env-file``
and ``CancelClient.from_env`` read, so a desk's existing ``.env`` lines move over as they are,
quoted. A directory of ``.env`` files was the other candidate: one file per account is harder to
review and to keep at mode 0600 as a whole, and its names would be file names.

An account's variables are its table's only, with the top-level ``CLOB_API_URL`` as its URL
when it has none: nothing comes from the process environment, so a missing key is an error,
never another account's. Error messages name the file, the account and the key, never a value.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import tomllib
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence

ACCOUNT_KEYS = (
    "CLOB_API_URL",
    "CLOB_API_KEY",
    "CLOB_SECRET",
    "CLOB_PASS_PHRASE",
    "CLOB_ADDRESS",
    "PK",
)
"""The keys an account's table may hold (what ``CancelClient.from_env`` reads)."""
SHARED_KEYS = ("CLOB_API_URL",)
"""The keys the top level may hold, for every account without its own."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class AccountsFileError(ValueError):
    """The accounts file is unreadable or malformed; the message names the place, never a value."""


class AccountsFileWarning(UserWarning):
    """The accounts file can be read by other users of the machine."""


@dataclasses.dataclass(frozen=True)
class AccountEnv:
    """One account of an accounts file: its name and the variables ``CancelClient.from_env``
    reads for it (not shown by ``repr``: they hold the secret)."""

    name: str
    environ: Mapping[str, str] = dataclasses.field(repr=False)


def permission_warning(path: str | os.PathLike[str]) -> str | None:
    """What to say when ``path`` is readable or writable by its group or others (as ssh warns of
    a private key file), else None."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) and mode & 0o077:
        return (
            f"{os.fspath(path)} holds API secrets and is accessible to other users "
            f"(mode {stat.S_IMODE(mode):04o}): chmod 600 {os.fspath(path)}"
        )
    return None


def read_accounts_file(
    path: str | os.PathLike[str], *, warn: Callable[[str], None] | None = None
) -> list[AccountEnv]:
    """The accounts of ``path``, in the file's order. A file others can read is said to
    ``warn`` (default: an :class:`AccountsFileWarning`), and read all the same."""
    where = os.fspath(path)
    message = permission_warning(path)
    if message is not None:
        if warn is None:
            warnings.warn(message, AccountsFileWarning, stacklevel=2)
        else:
            warn(message)
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise AccountsFileError(f"{where}: cannot read ({e.strerror})") from None
    except tomllib.TOMLDecodeError as e:  # its message gives the place, not the text
        raise AccountsFileError(f"{where}: not valid TOML: {e}") from None
    except UnicodeDecodeError as e:
        raise AccountsFileError(f"{where}: not UTF-8 text (at byte {e.start})") from None
    shared = {key: value for key, value in data.items() if not isinstance(value, dict)}
    for key, value in shared.items():
        _check_entry(where, None, key, value, SHARED_KEYS)
    accounts = []
    for name, table in data.items():
        if not isinstance(table, dict):
            continue
        if not _NAME.fullmatch(name):
            raise AccountsFileError(
                f"{where}: account name {name!r}: use letters, digits, '_', '.' and '-' "
                "(at most 64, starting with a letter or digit)"
            )
        for key, value in table.items():
            _check_entry(where, name, key, value, ACCOUNT_KEYS)
        accounts.append(AccountEnv(name, {**shared, **table}))
    if not accounts:
        raise AccountsFileError(f"{where}: no account: give one [NAME] table per account")
    return accounts


def _check_entry(
    where: str, account: str | None, key: str, value: object, allowed: Sequence[str]
) -> None:
    place = f"{where}: " + (f"[{account}] " if account else "top level: ")
    if key not in allowed:
        raise AccountsFileError(f"{place}unknown key {key!r} (known: {', '.join(allowed)})")
    if not isinstance(value, str):
        raise AccountsFileError(f"{place}{key} must be a quoted string")


def select_accounts(
    accounts: Sequence[AccountEnv],
    only: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
) -> list[AccountEnv]:
    """The accounts named by ``only`` (all when None), less those in ``exclude``, in the
    file's order; a name the file does not have is a ValueError (a typo must not shrink the
    selection silently)."""
    known = [account.name for account in accounts]
    wanted = set(known) if only is None else set(only)
    dropped = set(exclude or ())
    unknown = sorted((wanted | dropped) - set(known))
    if unknown:
        raise ValueError(
            f"no account named {', '.join(unknown)} in the accounts file (it has: "
            f"{', '.join(known)})"
        )
    chosen = [account for account in accounts if account.name in wanted - dropped]
    if not chosen:
        raise ValueError("the selection leaves no account")
    return chosen
