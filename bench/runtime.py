"""Runtime installs for the start-up figure: each client in a venv of its own that holds only what
``pip install`` brings, with bytecode compiled at install time, as on a user's machine.

The dev venv distorts a start-up figure twice over: httpx imports its command-line module (click,
rich, pygments: ~40 ms) because the generator's tools installed them, and our packages are
installed editable, so where PYTHONDONTWRITEBYTECODE is set (as on this workplace's machines)
they are compiled from source in every new process (~35 ms). The venvs are made once, under
``~/.cache/clob-cancel-bench`` (or $XDG_CACHE_HOME), and remade when what they should hold
changes; ours is reinstalled from this checkout on every run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clob-cancel-bench"


def _pip(python: Path, *args: str) -> None:
    command = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*command, *args], check=True)


def _venv(path: Path, requirements: list[str], stamp: str) -> Path:
    """The venv at ``path`` with ``requirements`` installed; made again when ``stamp`` (what it
    should hold) differs from the one it was made for."""
    python = path / "bin" / "python"
    marker = path / "clob-cancel-bench.stamp"
    if not (python.exists() and marker.exists() and marker.read_text() == stamp):
        shutil.rmtree(path, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        _pip(python, *requirements)
        marker.write_text(stamp)
    return python


def runtime_pythons() -> dict[str, Path]:
    """The interpreter of each client's runtime install: py-clob-client at the version the
    benchmark compares against, and clob-cancel from this checkout (its dependencies are made
    again only when pyproject.toml changes; the package itself on every call)."""
    tag = f"py{sys.version_info.major}.{sys.version_info.minor}"
    official = f"py-clob-client=={metadata.version('py-clob-client')}"
    pythons = {
        "py-clob-client": _venv(CACHE / f"py-clob-client-{tag}", [official], official),
    }
    pyproject = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    ours = _venv(CACHE / f"clob-cancel-{tag}", [str(ROOT)], f"{ROOT} {pyproject}")
    _pip(ours, "--no-deps", "--force-reinstall", str(ROOT))
    pythons["ours"] = ours
    return pythons
