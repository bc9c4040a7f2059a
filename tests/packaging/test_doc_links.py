"""Every document a user reads links only inside the repository or to public URLs: a user of
the checkout, the sdist or the wheel cannot follow a path that leaves the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE_PATH = re.compile(r"`(\.\./[^`\s]+)`")


def _documents() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.md"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    return [REPO / name for name in listed if not name.startswith("generated/")]


def test_relative_links_stay_in_the_repository_and_exist() -> None:
    broken = []
    for doc in _documents():
        text = doc.read_text(encoding="utf-8")
        targets = LINK.findall(text) + CODE_PATH.findall(text)
        for target in targets:
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue  # a URL (https:, mailto:) or an anchor
            path = (doc.parent / target.split("#", 1)[0]).resolve()
            if not path.is_relative_to(REPO) or not path.exists():
                broken.append(f"{doc.relative_to(REPO)}: {target}")
    assert not broken, broken


def test_the_facts_page_is_linked_from_both_readmes() -> None:
    assert "(docs/clob-cancel-today.md)" in (REPO / "README.md").read_text()
    assert "(../docs/clob-cancel-today.md)" in (REPO / "openapi" / "README.md").read_text()
