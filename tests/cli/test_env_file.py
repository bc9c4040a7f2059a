"""The --env-file reader (clob-cancel's and the conformance suite's): within the subset it
documents, it reads what ``. FILE`` in bash sets, inline comments included."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from clob_cancel.cli import UsageError, read_env_file

# Each line is in the documented subset; bash is the judge of what each sets.
LINES = {
    "CLOB_API_URL": "CLOB_API_URL=http://127.0.0.1:1  # local mock",
    "TAB_COMMENT": "TAB_COMMENT=value\t# after a tab",
    "HASH_INSIDE": "HASH_INSIDE=a#b",
    "SINGLE": "SINGLE='two # words'  # the comment after the quote",
    "DOUBLE": 'DOUBLE="semi;colon"',
    "EXPORTED": "export EXPORTED=plain",
    "EMPTY": "EMPTY=",
    "ONLY_COMMENT": "ONLY_COMMENT= # nothing but a comment",
    "QUOTED_EMPTY": "QUOTED_EMPTY=''",
}


def bash_reads(path: Path, names: list[str]) -> dict[str, str]:
    script = f'. "{path}"; for n in {" ".join(names)}; do printf "%s=%s\\0" "$n" "${{!n}}"; done'
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
        env={},
    )
    assert done.returncode == 0, done.stderr
    return dict(item.split("=", 1) for item in done.stdout.split("\0") if item)


def test_reads_what_bash_sets_inline_comments_dropped(tmp_path: Path) -> None:
    path = tmp_path / "clob.env"
    path.write_text("# a whole-line comment\n\n" + "\n".join(LINES.values()) + "\n")
    read = read_env_file(str(path))
    assert read == bash_reads(path, list(LINES))
    assert read["CLOB_API_URL"] == "http://127.0.0.1:1"
    assert read["SINGLE"] == "two # words"


def test_a_line_without_a_key_is_a_usage_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "clob.env"
    path.write_text("CLOB_API_KEY=k\nnot a key value pair\n")
    with pytest.raises(UsageError, match=r"line 2: expected KEY=VALUE"):
        read_env_file(str(path))
