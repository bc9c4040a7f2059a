"""Boundary inputs, added to the examples phase of every run.

schemathesis' generated strings are short and tame; the bugs that depend on length or encoding
(truncated or mangled ids, a 500 on non-ASCII, an off-by-one limit) need these explicitly.

A body given as a Python value goes out the way schemathesis' `requests` transport serializes
JSON (`", "` separators, non-ASCII as `\\u` escapes); a body given as bytes goes out as those
bytes. The official clients send compact JSON with non-ASCII as raw UTF-8, so a few bodies are
also sent that way: a server that verifies the signature over anything but the exact bytes (a
re-serialized or quote-replaced form) refuses them, and the suite reports it.
"""

from __future__ import annotations

from typing import Any

from clob_cancel_conformance import contract, seeding

LONG_ID = "0x" + "ab" * 5000  # 10 002 characters, far beyond any real order hash
UNICODE_ID = "ордер-✓-中文-𝄞-🙂"  # Cyrillic, CJK, and characters outside the BMP
QUOTED_ID = 'it\'s "quoted" \\ `back` $(x)'  # quotes (py-clob-client rewrites ' as "), backslash
DUPLICATE_ID = "0xc0nf0rmance-duplicate"
# The docs' example id in upper case: hex, but a different string (ids are not normalized).
UPPER_ID = "0x38A73EED1E6D177545E9AB027ABDDFB7E08DBE975FA777123B1752D203D6AC88"
seeding.ALWAYS_LIVE.update(
    {LONG_ID, UNICODE_ID, QUOTED_ID, DUPLICATE_ID, UPPER_ID, f"{UNICODE_ID} {QUOTED_ID}"}
)


def many_ids(count: int) -> list[str]:
    """``count`` distinct ids shaped like real order hashes."""
    return [f"0x{n:064x}" for n in range(1, count + 1)]


def bodies(path: str) -> list[Any]:
    """The boundary bodies for a cancel operation (NOT_SET-free: an omitted body is None;
    bytes: sent exactly so, as compact UTF-8 JSON)."""
    if path == contract.ORDER:
        return [
            *({"orderID": i} for i in (LONG_ID, UNICODE_ID, QUOTED_ID, UPPER_ID, "")),
            contract.compact_json({"orderID": f"{UNICODE_ID} {QUOTED_ID}"}),
        ]
    if path == contract.ORDERS:
        return [
            [LONG_ID, UNICODE_ID, QUOTED_ID, UPPER_ID, ""],
            contract.compact_json([UNICODE_ID, QUOTED_ID]),
            [DUPLICATE_ID, DUPLICATE_ID],
            [],
            many_ids(contract.max_ids()),
            many_ids(contract.max_ids() + 1),  # one past the maximum: must be refused
        ]
    if path == contract.CANCEL_MARKET:
        return [
            None,  # no body at all: the body is optional
            {},
            {"market": "", "asset_id": ""},  # what py-clob-client sends without filters
            {"market": seeding.DEFAULT_MARKET},
            {"asset_id": seeding.DEFAULT_ASSET},
            {"market": UNICODE_ID, "asset_id": QUOTED_ID},
            contract.compact_json({"market": UNICODE_ID, "asset_id": QUOTED_ID}),
            # Invalid: JSON null is not a filter. A server that reads it as "no body" cancels
            # every order of the account (accepted_invalid_request_harms_nothing: a violation).
            b"null",
        ]
    if path == contract.HEARTBEAT:
        # Invalid, but connectors send it to restart the chain: refused, or taken like "" (a note).
        return [b'{"heartbeat_id":null}']
    return []
