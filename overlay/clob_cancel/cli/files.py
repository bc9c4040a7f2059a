"""Files the CLI reads: text named by an option, and the KEY=VALUE file of --env-file."""

from __future__ import annotations

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
    """KEY=VALUE lines (``export``, quotes and ``#`` comments allowed), like a .env file."""
    values: dict[str, str] = {}
    for number, raw in enumerate(read_text(path, "--env-file").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--env-file {path}, line {number}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values
