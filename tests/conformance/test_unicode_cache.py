"""hypothesis' Unicode tables outlive the run's temporary cache directory (they cost about 4 s of
CPU to rebuild at each run's start), and nothing else of the run does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# In a fresh process: hypothesis' in-process memo would hide whether the tables were read back.
BUILD_TABLES = """
from hypothesis.internal import charmap
from clob_cancel_conformance import run
with run.caches_elsewhere():
    charmap.charmap()
    charmap.intervals_from_codec("utf-8")
"""


def test_the_unicode_tables_are_kept_and_nothing_else(tmp_path: Path) -> None:
    cache, work = tmp_path / "cache", tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "CONFORMANCE_CACHE_DIR": str(cache)}
    subprocess.run([sys.executable, "-c", BUILD_TABLES], cwd=work, env=env, check=True, timeout=120)
    kept = sorted(p.relative_to(cache).as_posix() for p in cache.rglob("*") if p.is_file())
    assert kept and all(p.startswith("hypothesis/unicode_data/") for p in kept), kept
    assert {Path(p).name for p in kept} >= {"charmap.json.gz", "codec-v2-utf-8.json.gz"}
    assert list(work.iterdir()) == []
    again = subprocess.run(
        [sys.executable, "-c", BUILD_TABLES], cwd=work, env=env, timeout=120, capture_output=True
    )
    assert again.returncode == 0, again.stderr
    assert sorted(p.relative_to(cache).as_posix() for p in cache.rglob("*") if p.is_file()) == kept


def test_the_cache_directory_follows_the_user_cache() -> None:
    from clob_cancel_conformance import run

    env = {"XDG_CACHE_HOME": "/x/cache"}
    assert run.unicode_table_cache(env) == Path("/x/cache/clob-cancel-conformance")
    assert run.unicode_table_cache({"CONFORMANCE_CACHE_DIR": "/y", **env}) == Path("/y")
    assert run.unicode_table_cache({}) == Path.home() / ".cache" / "clob-cancel-conformance"
