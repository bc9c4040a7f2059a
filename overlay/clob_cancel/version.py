"""The two versions a user may need to log: the package's and the spec's it implements.

They are numbered apart (RELEASING.md says why): the package's version is its Python API and
commands, the spec's ``info.version`` is the wire contract. ``--version`` prints both.
"""

from __future__ import annotations

import re

from .spec import spec_path

__version__ = "0.1.0"
"""The package's version: the one home of it (pyproject.toml reads it from here)."""

# The spec's `info:` block, then its own `version:` line (two-space indent, the spec's style).
# A regular expression, not PyYAML: `clob-cancel --version` must work without the mock extra.
_INFO_VERSION = re.compile(r"^info:\n(?:(?:  .*|\s*#.*|)\n)*?  version:\s*['\"]?([^'\"\s#]+)", re.M)


def spec_version() -> str:
    """``info.version`` of the spec shipped with this package."""
    text = spec_path().read_text(encoding="utf-8")
    match = _INFO_VERSION.search(text)
    if match is None:
        raise RuntimeError(f"{spec_path()}: no info.version")
    return match.group(1)


def version_line(prog: str) -> str:
    """What ``PROG --version`` prints, e.g. ``clob-cancel-mock 0.1.0 (OpenAPI spec 2.1.0)``."""
    return f"{prog} {__version__} (OpenAPI spec {spec_version()})"
