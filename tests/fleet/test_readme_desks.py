"""The README's section for desks runs as written: its accounts file parses, its shell script
runs against the mock from a clean environment and prints the summary the section shows (its
Python example runs with the others, in tests/project/test_readme.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from clob_cancel.accounts import read_accounts_file

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def section_blocks(language: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## For desks with several accounts", 1)[1].split("\n## ", 1)[0]
    return [body for lang, body in BLOCK.findall(section) if lang == language]


def test_the_accounts_file_shown_parses(tmp_path: Path) -> None:
    (toml,) = section_blocks("toml")
    path = tmp_path / "desk.toml"
    path.write_text(toml, encoding="utf-8")
    os.chmod(path, 0o600)
    accounts = read_accounts_file(path)
    assert [a.name for a in accounts] == ["maker-btc", "maker-eth"]
    assert all(a.environ["CLOB_API_URL"] == "https://clob.polymarket.com" for a in accounts)


def test_the_script_runs_and_prints_the_summary_shown(tmp_path: Path) -> None:
    (script,) = section_blocks("shell")
    (shown,) = section_blocks("text")
    clean = {"PATH": f"{BIN}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert shown in done.stdout, done.stdout
    assert "[account-3] dry run: 1 request(s) would be sent" in done.stdout
    (line,) = [line for line in done.stdout.splitlines() if line.startswith('{"accounts"')]
    report = json.loads(line)
    assert report["exit_code"] == 1  # 0x0 is no order of account-3's
    assert report["accounts"]["account-3"]["not_canceled"].keys() == {"0x0"}
    assert "doctor: 2 accounts: 2 ok; the kill switch should work on every account" in done.stdout
    assert "the bot runs here, every account armed" in done.stdout
    assert "dead-man's switch armed on 3 accounts (account-1, account-2, account-3" in done.stderr
    assert "Traceback" not in done.stderr
