"""`python -m tools.spec_coverage [--spec FILE]`: run by `make lint`, it fails in one line when
an operation of the spec has no mock handler, or is neither called by the overlay nor excluded.

The couplings a new operation brings, checked before any test runs:

- the mock serves every operation of the spec by a method ``MockClob.op_<operationId>``, and
  refuses to start without one (which otherwise surfaces as every mock test failing at once);
- the overlay (``overlay/clob_cancel``) calls the generated function of each operation (it
  imports ``clob_cancel_client.api.<tag>.<operationId>``), or the operation is listed, with why,
  in ``openapi/overlay-excluded.yaml``. An entry there that names no operation of the spec, or
  one the overlay calls after all, fails too: the list stays true.

Exit status: 0 covered, 1 not, 2 the inputs could not be read.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "openapi" / "clob-cancel.yaml"
EXCLUDED = REPO / "openapi" / "overlay-excluded.yaml"
OVERLAY = REPO / "overlay" / "clob_cancel"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_API = "clob_cancel_client.api."


def spec_operations(spec: Path) -> dict[str, str]:
    """operationId -> ``METHOD /path`` for every operation of the spec."""
    loaded = yaml.safe_load(spec.read_text(encoding="utf-8"))
    found = {}
    for path, item in (loaded.get("paths") or {}).items():
        for method in _METHODS:
            if method in item:
                found[item[method]["operationId"]] = f"{method.upper()} {path}"
    return found


def overlay_calls(overlay: Path) -> set[str]:
    """The operations whose generated module the overlay imports (``from
    clob_cancel_client.api.<tag> import <operationId>``, or ``import`` of the module itself)."""
    called: set[str] = set()
    for source in overlay.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"), str(source))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(_API):
                called.update(alias.name for alias in node.names)
            elif isinstance(node, ast.Import):
                called.update(
                    alias.name.rsplit(".", 1)[1]
                    for alias in node.names
                    if alias.name.startswith(_API) and alias.name.count(".") == 3
                )
    return called


def excluded_operations(path: Path) -> dict[str, str]:
    """operationId -> why, from the exclusion list (a YAML mapping; empty: none)."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(loaded, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in loaded.items()
    ):
        raise ValueError(f"{path}: expected `operationId: why` lines, each with a reason")
    return loaded


def mock_handlers(operation_ids: Iterable[str]) -> set[str]:
    """Those of ``operation_ids`` the mock has a handler for."""
    from clob_cancel_mock import MockClob

    return {o for o in operation_ids if callable(getattr(MockClob, f"op_{o}", None))}


def problems(spec: Path, excluded_file: Path, overlay: Path) -> list[str]:
    operations = spec_operations(spec)
    handled = mock_handlers(operations)
    called = overlay_calls(overlay)
    excluded = excluded_operations(excluded_file)
    found = []
    listed = f"openapi/{excluded_file.name}"
    for op, where in operations.items():
        wrong = []
        if op not in handled:
            wrong.append(f"no mock handler MockClob.op_{op}")
        if op not in called and op not in excluded:
            wrong.append(f"neither called by overlay/clob_cancel nor listed in {listed}")
        if op in called and op in excluded:
            wrong.append(f"called by overlay/clob_cancel: remove it from {listed}")
        if wrong:
            found.append(f"{op} ({where}): {', '.join(wrong)}")
    found += [
        f"{listed} lists {op}, which the spec has no more"
        for op in excluded
        if op not in operations
    ]
    return found


def _shown(path: Path) -> str:
    return str(path.resolve().relative_to(REPO) if path.resolve().is_relative_to(REPO) else path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.spec_coverage", description=__doc__)
    parser.add_argument("--spec", type=Path, default=SPEC, help="the spec (default: ours)")
    parser.add_argument("--excluded", type=Path, default=EXCLUDED, help=argparse.SUPPRESS)
    parser.add_argument("--overlay", type=Path, default=OVERLAY, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        found = problems(args.spec, args.excluded, args.overlay)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError) as e:
        print(f"spec-coverage: cannot read the inputs: {e!r}", file=sys.stderr)
        return 2
    if found:  # one line, whatever the number: read it, then openapi/README.md
        print(
            f"spec-coverage: {args.spec}: {'; '.join(found)} (openapi/README.md)", file=sys.stderr
        )
        return 1
    print(
        f"spec-coverage: {_shown(args.spec)}: every operation has a mock handler and is "
        "called by the overlay or excluded"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
