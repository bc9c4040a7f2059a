"""Request bodies as JSON: UTF-8 without a BOM, no NaN or Infinity, nesting bounded before the
parser recurses."""

from __future__ import annotations

import json
import operator
import re
import string
from collections.abc import Iterable
from itertools import accumulate, count
from typing import Any

MAX_JSON_DEPTH = 100
"""The deepest nesting of arrays and objects a body may have."""


def json_value(body: bytes) -> Any:
    """The JSON value of a request body (UTF-8, at most :data:`MAX_JSON_DEPTH` deep, no NaN or
    Infinity), else ValueError saying what is wrong."""
    if not json_depth_ok(body):
        raise ValueError(f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(utf8_text(body), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
        raise ValueError(f"the body is not valid JSON ({e})") from None


def go_struct_fields(
    value: dict[str, Any], body: bytes, names: Iterable[str]
) -> dict[str, tuple[str, Any]]:
    """What Go's encoding/json decodes from the JSON object ``value`` (parsed from ``body``)
    into a struct whose fields have the (ASCII) json names ``names``: name -> (the key as sent,
    its value). A key matches a name whatever its case (:func:`go_fold`); of several keys
    matching one name the last in the body wins, as each overwrites the field (a dict keeps a
    repeated key where it first came, so only then is the body read again, for the order);
    keys matching no name are left out."""
    folded = {go_fold(name): name for name in names}
    keys = [key for key in value if go_fold(key) in folded]
    if len({go_fold(key) for key in keys}) < len(keys):
        last = _last_positions(body)
        keys.sort(key=lambda key: last.get(key, -1))
    return {folded[go_fold(key)]: (key, value[key]) for key in keys}


def _last_positions(body: bytes) -> dict[str, int]:
    """Where each key of the JSON object ``body`` last occurs among its members."""
    members: list[tuple[str, Any]] = []

    def keep(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        members[:] = pairs  # the outermost object is the last one parsed
        return dict(pairs)

    json.loads(utf8_text(body), object_pairs_hook=keep)
    return {key: i for i, (key, _) in enumerate(members)}


def go_fold(key: str) -> str:
    """``key`` folded as Go's encoding/json folds an object key to match a struct field's json
    name (fold.go: ASCII letters to upper case, any other rune to the smallest of its Unicode
    case-fold set). Exact for matching ASCII names: the only non-ASCII runes whose fold set
    holds an ASCII letter, U+017F LATIN SMALL LETTER LONG S and U+212A KELVIN SIGN, fold to S
    and K; every other non-ASCII rune is kept, as it cannot match an ASCII name anyway."""
    return key.translate(_GO_FOLD)


_GO_FOLD = str.maketrans(
    {**{c: c.upper() for c in string.ascii_lowercase}, "\u017f": "S", "\u212a": "K"}
)


def json_depth_ok(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``body`` nests arrays/objects at most ``limit`` deep. Checked before parsing:
    the json module recurses per level, and once something raises the recursion limit (py_ecc,
    which eth-account imports, sets it to 100000) a deeply nested body overflows the C stack
    and kills the server instead of raising RecursionError."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return True  # every real body: a few brackets, no need to scan
    # In C, not a Python loop per byte (which held the event loop 0.33 s per MiB): drop the
    # strings, keep the brackets, open -> 2 and close -> 0; the running sum minus the count so
    # far is the depth after each bracket.
    brackets = _JSON_STRING.sub(b"", body).translate(_DEPTH_STEP, _NOT_BRACKETS)
    return max(map(operator.sub, accumulate(brackets), count(1)), default=0) <= limit


# A JSON string (escapes consumed whole); an unterminated one runs to the end, so a body of
# many unterminated starts is still one linear pass.
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def utf8_text(body: bytes) -> str:
    """The body as text: JSON exchanged between systems is UTF-8 without a byte order mark
    (RFC 8259 section 8.1). json.loads(bytes) would also take UTF-16/32 and a BOM; a UTF-16/32
    body without a BOM decodes here (NULs are valid UTF-8) and then fails as JSON."""
    if body.startswith(b"\xef\xbb\xbf"):
        raise ValueError("a byte order mark: JSON bodies are UTF-8 without one")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8 at byte {e.start}: JSON bodies are UTF-8") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
