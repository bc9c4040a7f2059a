"""Where the OpenAPI contract lives, for the mock server and the conformance suite."""

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def spec_path() -> Path:
    """The spec shipped in the wheel, or openapi/ of the source checkout (editable installs)."""
    packaged = _HERE / "openapi" / "clob-cancel.yaml"
    if packaged.is_file():
        return packaged
    return _HERE.parent.parent / "openapi" / "clob-cancel.yaml"
