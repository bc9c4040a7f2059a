"""No secret in any output: the passphrase, the secret, the private key and every signature the
suite sent are scrubbed (as they are, and encoded as a server or proxy may echo them, the
client's rule) from every report, message and cache the suite writes.

Signatures are many (one per request): every POLY_SIGNATURE value the suite sends is remembered
(`remember`), the near-miss probes' included, since a cut signature is part of a real one.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from clob_cancel._call import echo_pattern  # the client's pattern for an echoed secret (one rule)
from clob_cancel.signing import ApiCreds

MASK = "[Filtered]"
# A near-miss signature cut this short (8 characters) is still part of a real one; shorter
# values are not remembered (nothing shorter is sent). Found by these first characters.
_MIN_LENGTH = 8
_TO_STANDARD = str.maketrans("-_", "+/")


class _Signatures:
    """The signatures a run sent, in both base64 alphabets, found in a text by one pass.

    Not a regex alternation of them all: a run sends thousands (every probe is signed), and
    such a pattern is tried value by value at every position of every line printed. A text's
    runs of signature characters are looked up instead, position by position, by their first
    ``_MIN_LENGTH`` characters, and the longest remembered value there is masked: what the
    alternation did (leftmost, longest first), at the cost of a dict lookup per character."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.lengths_by_start: dict[str, tuple[int, ...]] = {}  # longest first
        self.characters: set[str] = set()
        self.runs: re.Pattern[str] | None = None  # a run of characters a value may contain

    def add(self, value: str) -> None:
        for form in (value, value.translate(_TO_STANDARD)):
            if form in self.values:
                continue
            self.values.add(form)
            # replaced, never changed in place: another thread may be scanning with it
            start = form[:_MIN_LENGTH]
            lengths = {len(form), *self.lengths_by_start.get(start, ())}
            self.lengths_by_start[start] = tuple(sorted(lengths, reverse=True))
            if not self.characters.issuperset(form):
                self.characters.update(form)
                chars = "".join(sorted(self.characters))
                self.runs = re.compile(f"[{re.escape(chars)}]{{{_MIN_LENGTH},}}")

    def mask(self, text: str) -> str:
        if self.runs is None:
            return text
        return self.runs.sub(lambda run: self._mask_run(run.group()), text)

    def _mask_run(self, run: str) -> str:
        out: list[str] = []
        plain = i = 0
        while i <= len(run) - _MIN_LENGTH:
            for length in self.lengths_by_start.get(run[i : i + _MIN_LENGTH], ()):
                if run[i : i + length] in self.values:
                    out += [run[plain:i], MASK]
                    i = plain = i + length
                    break
            else:
                i += 1
        return "".join([*out, run[plain:]]) if out else run


_sent = _Signatures()


def reset() -> None:
    """Forget the signatures of earlier runs in this process (a run's outputs hold only its own)."""
    global _sent
    _sent = _Signatures()


def remember(signature: str) -> None:
    """A POLY_SIGNATURE value the suite sent (without its padding, which an echo may drop)."""
    value = signature.rstrip("=")
    if len(value) >= _MIN_LENGTH:
        _sent.add(value)


@functools.lru_cache(maxsize=4)
def _own_secrets(creds: ApiCreds | None, private_key: str) -> re.Pattern[str] | None:
    """One pattern for the passphrase, the secret and the private key, as they are or encoded
    (%-, JSON- or HTML-escaped: the client's rule), longest first; None when there are none."""
    own = [creds.api_secret.rstrip("="), creds.api_passphrase] if creds is not None else []
    if private_key:
        own += [private_key, private_key.removeprefix("0x")]
    parts = [echo_pattern(v) for v in sorted(filter(None, own), key=len, reverse=True)]
    return re.compile("|".join(parts)) if parts else None


def scrub_text(text: str, creds: ApiCreds | None, private_key: str = "") -> str:
    """``text`` without any secret, as it is or encoded, nor any signature the run sent."""
    own = _own_secrets(creds, private_key)
    return _sent.mask(own.sub(MASK, text) if own is not None else text)


def scrub_file(path: Path, creds: ApiCreds | None, private_key: str = "") -> None:
    """Rewrite a text report in place without any secret (a binary file is left alone)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return
    cleaned = scrub_text(text, creds, private_key)
    if cleaned != text:
        path.write_text(cleaned, encoding="utf-8")


def scrub_tree(root: Path, creds: ApiCreds | None, private_key: str = "") -> None:
    """Every file under ``root`` (a report directory), or ``root`` itself if a file."""
    if root.is_file():
        scrub_file(root, creds, private_key)
        return
    for path in root.rglob("*") if root.is_dir() else ():
        if path.is_file():
            scrub_file(path, creds, private_key)
