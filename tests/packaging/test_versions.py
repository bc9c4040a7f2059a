"""Versions a CI job can log: the package's and the spec's, printed by each command's --version,
read from their one home each (overlay/clob_cancel/version.py, the spec's info.version)."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

from clob_cancel.spec import spec_path
from clob_cancel.version import __version__, spec_version, version_line

BIN = Path(sys.executable).parent


def _spec_info_version() -> str:
    loaded = yaml.safe_load(spec_path().read_text(encoding="utf-8"))
    return str(loaded["info"]["version"])


def test_spec_version_is_the_specs_info_version() -> None:
    assert spec_version() == _spec_info_version()


def test_the_installed_distribution_has_the_version_py_version() -> None:
    assert version("clob-cancel") == __version__


def test_clob_cancel_version_attribute_agrees() -> None:
    """clob_cancel.__version__ is version.py's (one home for the number)."""
    import clob_cancel

    assert clob_cancel.__version__ == __version__


def test_spec_version_survives_comments_and_quotes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader is a regular expression (no PyYAML needed): an info block laid out otherwise
    than ours today still reads as YAML does, and a `version:` elsewhere is not taken."""
    import clob_cancel.version as v

    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "openapi: 3.0.3\n"
        "components:\n  schemas:\n    X:\n      properties:\n        version: {type: string}\n"
        "info:\n  title: t\n  # version: 9.9.9 (a comment)\n\n  description: |\n    text\n"
        "  version: '3.4.5'  # quoted\npaths: {}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(v, "spec_path", lambda: spec)
    assert yaml.safe_load(spec.read_text())["info"]["version"] == "3.4.5"
    assert v.spec_version() == "3.4.5"


@pytest.mark.parametrize("command", ["clob-cancel", "clob-cancel-mock", "clob-cancel-conformance"])
def test_each_command_prints_both_versions(command: str) -> None:
    done = subprocess.run(
        [str(BIN / command), "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{command} {__version__} (OpenAPI spec {_spec_info_version()})\n"
    assert done.stdout == version_line(command) + "\n"
