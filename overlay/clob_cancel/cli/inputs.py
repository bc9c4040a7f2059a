"""The ids to cancel, read from a file or stdin."""

from __future__ import annotations

import json
from typing import TextIO

from .exits import UsageError
from .files import read_text


def read_ids(path: str, stdin: TextIO) -> list[str]:
    """Ids from a file or stdin: a JSON array of strings, or one id a line (blank lines skipped)."""
    try:
        text = stdin.read() if path == "-" else read_text(path, "--file")
    except UnicodeDecodeError as e:
        raise UsageError(f"--file -: stdin is not UTF-8 text (at byte {e.start})") from None
    if text.lstrip().startswith("["):
        try:
            ids = json.loads(text)
        except ValueError as e:
            raise UsageError(f"--file {path}: not a valid JSON array: {e}") from None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise UsageError(f"--file {path}: the JSON array must hold only strings")
        return ids
    return [line.strip() for line in text.splitlines() if line.strip()]
