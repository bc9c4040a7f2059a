"""No secret in any output: the passphrase, the secret, the private key and every signature the
suite sent are scrubbed (as they are, and encoded as a server or proxy may echo them, the
client's rule) from every report, message and cache the suite writes.

Signatures are many (one per request): every POLY_SIGNATURE value the suite sends is remembered
(`remember`), the near-miss probes' included, since a cut signature is part of a real one.
"""

from __future__ import annotations

import re
from pathlib import Path

from clob_cancel._call import echo_pattern  # the client's pattern for an echoed secret (one rule)
from clob_cancel.signing import ApiCreds

MASK = "[Filtered]"
# A near-miss signature cut this short (8 characters) is still part of a real one; shorter
# values are not remembered (nothing shorter is sent).
_MIN_LENGTH = 8
_sent: set[str] = set()


def remember(signature: str) -> None:
    """A POLY_SIGNATURE value the suite sent (without its padding, which an echo may drop)."""
    value = signature.rstrip("=")
    if len(value) >= _MIN_LENGTH:
        _sent.add(value)


_TO_STANDARD = str.maketrans("-_", "+/")
_compiled: dict[tuple[object, ...], re.Pattern[str]] = {}


def _pattern(creds: ApiCreds | None, private_key: str) -> re.Pattern[str]:
    """One pattern for every value to scrub: the signatures sent (url-safe, and in the standard
    base64 alphabet), and the passphrase, the secret and the private key as they are or encoded
    (%-, JSON- or HTML-escaped: the client's rule). Longest first, so no prefix leaves a tail."""
    key = (len(_sent), creds, private_key)
    if key not in _compiled:
        _compiled.clear()
        signatures = _sent | {s.translate(_TO_STANDARD) for s in _sent}
        own = [creds.api_secret.rstrip("="), creds.api_passphrase] if creds is not None else []
        if private_key:
            own += [private_key, private_key.removeprefix("0x")]
        parts = [re.escape(v) for v in sorted(signatures, key=len, reverse=True)]
        parts += [echo_pattern(v) for v in sorted(filter(None, own), key=len, reverse=True)]
        _compiled[key] = re.compile("|".join(parts) or r"(?!)")
    return _compiled[key]


def scrub_text(text: str, creds: ApiCreds | None, private_key: str = "") -> str:
    """``text`` without any secret, as it is or encoded."""
    return _pattern(creds, private_key).sub(MASK, text)


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
