"""The suite's scrubber masks every signature it sent wherever it appears in a text, as the plain
alternation of them all did (leftmost, longest first), and forgets them at the next run."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clob_cancel_conformance import scrub

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/="


def signature(n: int) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(str(n).encode()).digest()).decode()


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    scrub.reset()
    yield
    scrub.reset()


def test_a_signature_is_masked_as_sent_unpadded_and_in_the_standard_alphabet() -> None:
    sig = next(s for n in range(100) if "-" in (s := signature(n)) or "_" in s)
    scrub.remember(sig)
    standard = sig.translate(str.maketrans("-_", "+/"))
    text = f'{{"echo": "{sig}", "bare": "{sig.rstrip("=")}", "std": {standard}}}'
    assert scrub.scrub_text(text, None) == (
        f'{{"echo": "{scrub.MASK}=", "bare": "{scrub.MASK}", "std": {scrub.MASK}=}}'
    )


def test_a_cut_probe_and_an_extended_one_are_masked_inside_longer_runs() -> None:
    sig = signature(1).rstrip("=")
    scrub.remember(sig)
    scrub.remember(sig[:12])  # a near-miss probe: the signature cut
    text = f"x{sig}AAAA {sig[:12]}zz {sig[:11]}"
    assert scrub.scrub_text(text, None) == f"x{scrub.MASK}AAAA {scrub.MASK}zz {sig[:11]}"


def test_short_values_are_not_remembered_and_a_new_run_forgets() -> None:
    scrub.remember("abc")
    scrub.remember(signature(2))
    assert scrub.scrub_text("abc", None) == "abc"
    scrub.reset()
    assert scrub.scrub_text(signature(2), None) == signature(2)


def alternation(values: set[str], text: str) -> str:
    """The former rule, as the oracle: one regex of every value, longest first."""
    forms = {v.rstrip("=") for v in values if len(v.rstrip("=")) >= 8}
    forms |= {f.translate(str.maketrans("-_", "+/")) for f in forms}
    if not forms:
        return text
    parts = [re.escape(v) for v in sorted(forms, key=len, reverse=True)]
    return re.sub("|".join(parts), scrub.MASK, text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(ALPHABET + "!.", min_size=6, max_size=16), max_size=8),
    st.lists(st.sampled_from(["", " ", "x", "=", '"', "A", "%2F", "é"]), max_size=20),
)
def test_it_masks_what_the_alternation_masked(values: list[str], glue: list[str]) -> None:
    scrub.reset()
    for value in values:
        scrub.remember(value)
    pieces = [*values, *[v[: len(v) // 2] for v in values], *[v[1:] for v in values]]
    text = "".join(p + g for p, g in zip(pieces * 2, glue * 3, strict=False))
    assert scrub.scrub_text(text, None) == alternation(set(values), text)
