"""The ids to cancel, from the command line or a file, checked before anything is sent.

The CLOB's order ids (and market condition ids) are ``0x`` + 64 hex digits, its asset ids
decimal token ids. Anything else is refused with where it came from (the argument, or the file
and line): a panicking operator's ``"0xa, 0xb"``, a quoted id, a CSV header or a JSON object
would otherwise each go as one bogus id and come back "not found or already canceled", read as
"already gone". ``--allow-odd-ids`` (or ``CLOB_CANCEL_ALLOW_ODD_IDS=1``, for a test server whose
ids differ) sends ids as given. The library stays permissive (any non-empty string): a server
may use other ids, and a program's ids are not typed by hand."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping, Sequence
from typing import TextIO

from .exits import UsageError
from .files import read_text

ALLOW_ODD_IDS_VARIABLE = "CLOB_CANCEL_ALLOW_ODD_IDS"
"""Set to 1 (or true/yes), the same as ``--allow-odd-ids``."""

_HASH = re.compile(r"0x[0-9a-fA-F]{64}")
_TOKEN_ID = re.compile(r"[0-9]{1,80}")
_ID_COLUMNS = ("id", "order_id", "orderid")  # a CSV's column of ids, by header (any case)


def allow_odd_ids(flag: bool, env: Mapping[str, str]) -> bool:
    return flag or env.get(ALLOW_ODD_IDS_VARIABLE, "").strip().lower() in ("1", "true", "yes")


def why_not_an_id(value: str, kind: str = "order id") -> str | None:
    """Why ``value`` is not a CLOB id of ``kind`` (None when it is one), in the words an
    operator can act on."""
    if kind == "asset id":
        return None if _TOKEN_ID.fullmatch(value) else "not an asset id (a decimal token id)"
    if _HASH.fullmatch(value):
        return None
    what = f"not {'a market' if kind == 'market' else 'an order'} id (0x + 64 hex digits)"
    stripped = value.strip().strip("\"'")
    if "," in value or len(value.split()) > 1:
        return f"{what}: several values in one (one id per argument or line)"
    if stripped != value:
        return f"{what}: remove the quotes or spaces around it"
    if _HASH.fullmatch("0x" + value):
        return f"{what}: the 0x is missing"
    if value.startswith("0x") and re.fullmatch(r"[0-9a-fA-F]*", value[2:]):
        return f"{what}: {len(value) - 2} hex digits, not 64 (cut short when copied?)"
    return what


def check_args(values: Sequence[str], kind: str, strict: bool, where: str) -> list[str]:
    """``values`` from the command line, each checked when ``strict``."""
    if strict:
        for number, value in enumerate(values, 1):
            if (why := why_not_an_id(value, kind)) is not None:
                place = f"{where} {number}" if len(values) > 1 else where
                raise UsageError(f"{place}: {value!r} is {why}; {_ODD_HINT}")
    return list(values)


_ODD_HINT = "--allow-odd-ids sends ids as given (for a server whose ids differ)"


def read_ids(path: str, stdin: TextIO, strict: bool = True) -> list[str]:
    """Ids from a file or stdin (``-``): a JSON array of strings, one id a line (blank and ``#``
    comment lines skipped), or a CSV whose header names an ``id`` column. A UTF-8 BOM is
    dropped. An empty file, a JSON object, and (when ``strict``) any line that is not an id are
    refused, naming the file and the line."""
    name = "stdin" if path == "-" else path
    try:
        text = stdin.read() if path == "-" else read_text(path, "--file")
    except UnicodeDecodeError as e:
        raise UsageError(f"--file -: stdin is not UTF-8 text (at byte {e.start})") from None
    text = text.removeprefix("\ufeff")
    body = text.strip()
    if not body:
        raise UsageError(f"--file {name}: empty, no order ids in it")
    if body.startswith("{"):
        raise UsageError(
            f"--file {name}: a JSON object; give a JSON array of ids, one id a line, or a CSV "
            "with an 'id' column"
        )
    if body.startswith("["):
        return _json_ids(body, name, strict)
    return _line_ids(text, name, strict)


def _json_ids(text: str, name: str, strict: bool) -> list[str]:
    try:
        ids = json.loads(text)
    except ValueError as e:
        raise UsageError(f"--file {name}: not a valid JSON array: {e}") from None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise UsageError(f"--file {name}: the JSON array must hold only strings")
    if not ids:
        raise UsageError(f"--file {name}: an empty JSON array, no order ids in it")
    if strict:
        for index, value in enumerate(ids):
            if (why := why_not_an_id(value)) is not None:
                raise UsageError(f"--file {name}, item {index}: {value!r} is {why}; {_ODD_HINT}")
    return ids


def _line_ids(text: str, name: str, strict: bool) -> list[str]:
    rows = [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.strip().startswith("#")
    ]
    if not rows:
        raise UsageError(f"--file {name}: only comments and blank lines, no order ids in it")
    first = rows[0][1]
    header = [cell.strip().lower() for cell in next(csv.reader([first]))]
    column = next((header.index(c) for c in _ID_COLUMNS if c in header), None)
    ids: list[tuple[int, str]]
    if column is not None:
        ids = []
        for number, line in rows[1:]:
            cells = next(csv.reader([line]))
            if len(cells) <= column or not cells[column].strip():
                raise UsageError(f"--file {name}, line {number}: no value in the id column")
            ids.append((number, cells[column].strip()))
        if not ids:
            raise UsageError(f"--file {name}: a CSV header and no rows, no order ids in it")
    else:
        ids = rows
    if strict:
        for number, value in ids:
            if (why := why_not_an_id(value)) is not None:
                if number == rows[0][0] and "," in value:
                    why += " (a CSV needs a header naming its 'id' column)"
                raise UsageError(f"--file {name}, line {number}: {value!r} is {why}; {_ODD_HINT}")
    return [value for _, value in ids]
