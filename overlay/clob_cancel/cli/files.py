"""Files the CLI reads: text named by an option, and the KEY=VALUE file of --env-file."""

from __future__ import annotations

import re

from .exits import UsageError


def read_text(path: str, option: str) -> str:
    """The UTF-8 text of ``path``; a UsageError naming ``option`` when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise UsageError(f"{option}: cannot read {path}: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise UsageError(f"{option} {path}: not UTF-8 text (at byte {e.start})") from None


def read_env_file(path: str) -> dict[str, str]:
    """The variables of a .env file, read as ``. FILE`` in a shell (or python-dotenv) would set
    them, for the subset of the syntax it accepts: ``KEY=VALUE`` lines, an optional ``export``
    before the key, blank lines and ``#`` comment lines skipped. A value is either unquoted, ended
    by a ``#`` comment after whitespace (``URL=http://127.0.0.1:1  # local mock``) and stripped, or
    in single or double quotes, taken as it is (no escapes, no ``$VAR`` expansion) with an optional
    comment after the closing quote. No multi-line values."""
    values: dict[str, str] = {}
    for number, raw in enumerate(read_text(path, "--env-file").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--env-file {path}, line {number}: expected KEY=VALUE")
        values[key.strip()] = _env_value(value)
    return values


_QUOTED = re.compile(r"""\s*(['"])(.*?)\1\s*(?:#.*)?""")
_INLINE_COMMENT = re.compile(r"\s#")


def _env_value(text: str) -> str:
    """The value after ``=``: the quoted text, or the text before an inline comment."""
    if quoted := _QUOTED.fullmatch(text):
        return quoted.group(2)
    return _INLINE_COMMENT.split(text, maxsplit=1)[0].strip()
