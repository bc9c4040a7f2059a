"""Fail when a module of the given packages imports an underscore name from another module (its
siblings included): what a module shares is a named, documented internal, not a private name.
``python -m tools.private_imports overlay/clob_cancel`` (make lint)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def private_imports(root: Path) -> list[str]:
    """``file:line: name`` for each ``from X import _name`` under ``root`` (dunders allowed)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append(f"{path}:{node.lineno}: {alias.name}")
    return found


def main(argv: list[str]) -> int:
    found = [line for root in argv for line in private_imports(Path(root))]
    for line in found:
        print(f"{line} (an underscore name imported across modules: give it a public name)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
