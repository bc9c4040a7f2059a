"""`python -m tools.specgate diff|drift`: the commands behind `make spec-diff` and `make drift`.

Exit status: 0 pass, 1 a breaking change not acknowledged (diff) or upstream stricter than ours
where it matters to a client (drift), 2 the inputs could not be read.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from tools.specgate.compare import (
    BOTH,
    CLIENTS,
    Change,
    breaking,
    compare,
    compare_common,
    only_in,
    operations,
)

REPO = Path(__file__).resolve().parents[2]
SPEC = Path("openapi/clob-cancel.yaml")
CHANGELOG = Path("CHANGELOG.md")
UPSTREAM_FIXTURE = Path("openapi/upstream/polymarket-clob-openapi.yaml")
REVIEWED = Path("openapi/drift-reviewed.yaml")


class InputError(Exception):
    """A document, ref or file could not be read: exit 2, nothing judged."""


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise InputError(f"{source} is not YAML: {e}") from None
    if not isinstance(doc, dict):
        raise InputError(f"{source} is not an OpenAPI document (no mapping at the top)")
    return doc


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True)


def spec_at(ref: str, spec: Path) -> dict[str, Any] | None:
    """The spec as committed at `ref` in the repository holding it; None when that commit has
    no such file (every operation then counts as added)."""
    folder = spec.resolve().parent
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise InputError(f"{spec} is not inside a git repository")
    root = Path(top.stdout.strip())
    rel = spec.resolve().relative_to(root.resolve()).as_posix()
    if _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise InputError(f"BASE={ref!r} is not a commit of {root}")
    shown = _git(root, "show", f"{ref}:{rel}")
    if shown.returncode != 0:
        return None
    return _parse(shown.stdout, f"{rel} at {ref}")


def _version(doc: dict[str, Any] | None) -> str:
    return str(((doc or {}).get("info") or {}).get("version", "none"))


def _major(version: str) -> int | None:
    match = re.match(r"(\d+)\.", version)
    return int(match.group(1)) if match else None


def changelog_has(changelog: Path, version: str) -> bool:
    """True when CHANGELOG.md has a section for `version` (a line "## 3.0.0 ...")."""
    if not changelog.is_file():
        return False
    heading = re.compile(rf"^##\s+\[?v?{re.escape(version)}\]?(\s|$)", re.MULTILINE)
    return bool(heading.search(changelog.read_text(encoding="utf-8")))


def run_diff(base_doc: dict[str, Any] | None, base_name: str, spec: Path, changelog: Path) -> int:
    new = _parse(_read(spec), str(spec))
    old = base_doc or {}
    changes = compare(old, new)
    old_v, new_v = _version(base_doc), _version(new)
    print(f"spec-diff: {_shown(spec)}, {base_name} (version {old_v}) -> working tree ({new_v})")
    if base_doc is None:
        print(f"  {base_name} has no {spec}: every operation counts as added")
    breaks = breaking(changes)
    for change in breaks:
        print(f"  BREAKING  {change.render()}")
    for change in changes:
        if not change.breaks:
            print(f"  ok        {change.render()}")
    if not changes:
        print("  no change to the contract")
        return 0
    if not breaks:
        if old_v == new_v:
            print(f"  {len(changes)} compatible change(s); consider a minor version bump")
        else:
            print(f"  {len(changes)} compatible change(s)")
        return 0
    old_major, new_major = _major(old_v), _major(new_v)
    bumped = old_major is not None and new_major is not None and new_major > old_major
    noted = changelog_has(changelog, new_v)
    if bumped and noted:
        print(
            f"  {len(breaks)} breaking change(s), acknowledged: info.version {old_v} -> {new_v}"
            f" and {_shown(changelog)} has a '## {new_v}' entry"
        )
        return 0
    target = new_v if bumped or old_major is None else f"{old_major + 1}.0.0"
    print(f"  {len(breaks)} breaking change(s), not acknowledged.")
    print("  If the break is intended (the CLOB changed), acknowledge it:")
    if not bumped:
        print(f"    - raise the major of info.version to {target} (now {new_v}, was {old_v})")
    if not changelog_has(changelog, target):
        print(f"    - add a '## {target}' entry to {_shown(changelog)}: what broke, and why")
    print("  Otherwise change the spec back. See openapi/README.md.")
    return 1


def _load_upstream(source: str) -> dict[str, Any]:
    if re.match(r"https?://", source):
        try:
            with urllib.request.urlopen(source, timeout=30) as answer:
                text = answer.read().decode("utf-8")
        except OSError as e:
            raise InputError(f"cannot fetch {source}: {e}") from None
        return _parse(text, source)
    return _parse(_read(Path(source)), source)


def _load_reviewed(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    entries = yaml.safe_load(_read(path)) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InputError(f"{path} must be a list of entries")
    for entry in entries:
        missing = {"operation", "path", "ours", "upstream", "why"} - entry.keys()
        if missing:
            raise InputError(f"{path}: an entry lacks {', '.join(sorted(missing))}: {entry}")
    return entries


def _glob(pattern: str, text: str) -> bool:
    """`*` matches any run of characters; everything else, brackets included, is literal."""
    return re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), text) is not None


def _matches(entry: dict[str, Any], change: Change) -> bool:
    """An entry covers a difference when it names its place (`*` allowed: a shared schema
    differs in every answer that uses it) and both of its values exactly: when upstream's value
    moves on, the entry no longer matches and the difference is judged afresh."""
    return (
        _glob(str(entry["operation"]), change.operation)
        and _glob(str(entry["path"]), change.path)
        and entry["ours"] == change.before
        and entry["upstream"] == change.after
    )


def run_drift(upstream_source: str, spec: Path, reviewed_path: Path) -> int:
    ours = _parse(_read(spec), str(spec))
    upstream = _load_upstream(upstream_source)
    reviewed = _load_reviewed(reviewed_path)
    changes = compare_common(ours, upstream)
    common = sorted(operations(ours).keys() & operations(upstream).keys())
    shown = upstream_source if "://" in upstream_source else _shown(Path(upstream_source))
    print(f"drift: {_shown(spec)} (ours) against {shown} (upstream)")
    print(f"  compared: {', '.join(common) if common else 'no operation in common'}")
    for name in only_in(ours, upstream):
        print(f"  only ours: {name}")
    upstream_only = only_in(upstream, ours)
    named = [name for name in upstream_only if _relevant(name)]
    for name in named:
        print(f"  only upstream: {name}")
    if len(upstream_only) > len(named):
        others = len(upstream_only) - len(named)
        print(f"  and {others} more upstream operation(s) this spec does not cover")
    stricter, known = [], []
    for change in changes:
        entry = next((e for e in reviewed if _matches(e, change)), None)
        if entry is not None:
            known.append((change, entry))
        elif change.breaks in (CLIENTS, BOTH):
            stricter.append(change)
    for change in stricter:
        print(f"  STRICTER  {change.render('ours', 'upstream')}")
    for entry in reviewed:
        covered = [change for change, e in known if e is entry]
        for change in covered:
            print(f"  reviewed  {change.render('ours', 'upstream')}")
        if covered:
            print(f"            why: {' '.join(str(entry['why']).split())}")
    for change in changes:
        if change not in stricter and all(change is not c for c, _ in known):
            print(f"  differs   {change.render('ours', 'upstream')}")
    stale = [e for e in reviewed if not any(_matches(e, c) for c in changes)]
    for entry in stale:
        print(
            f"  note: an entry of {_shown(reviewed_path)} matches no difference (update or remove):"
            f" {entry['operation']} {entry['path']} (ours {entry['ours']!r},"
            f" upstream {entry['upstream']!r})"
        )
    if stricter:
        print(
            f"  {len(stricter)} difference(s) where upstream is stricter than ours for a client"
            " (ours would send what upstream refuses, or expect what it does not send)."
        )
        print(
            "  Change the spec to match (then spec-diff, generate, tests), or, if ours is right,"
            f" add it with the reason to {_shown(reviewed_path)}. See openapi/README.md."
        )
        return 1
    print(f"  no unreviewed difference where upstream is stricter ({len(changes)} difference(s))")
    return 0


def _relevant(operation: str) -> bool:
    """An upstream-only operation worth naming: a cancel, heartbeat or credential operation."""
    method, path = operation.split(" ", 1)
    return method == "DELETE" or "heartbeat" in path or path.startswith("/auth/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.specgate", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    diff = commands.add_parser("diff", help="classify the spec's changes since a git ref")
    diff.add_argument("--base", default="HEAD", help="git ref to compare with (default HEAD)")
    diff.add_argument("--base-file", type=Path, help="compare with this file instead of a ref")
    diff.add_argument("--spec", type=Path, default=REPO / SPEC)
    diff.add_argument("--changelog", type=Path, default=REPO / CHANGELOG)
    drift = commands.add_parser("drift", help="compare the spec with Polymarket's document")
    drift.add_argument("--upstream", default=str(REPO / UPSTREAM_FIXTURE), help="file or URL")
    drift.add_argument("--spec", type=Path, default=REPO / SPEC)
    drift.add_argument("--reviewed", type=Path, default=REPO / REVIEWED)
    args = parser.parse_args(argv)
    try:
        if args.command == "diff":
            if args.base_file is not None:
                from_file = _parse(_read(args.base_file), str(args.base_file))
                return run_diff(from_file, str(args.base_file), args.spec, args.changelog)
            return run_diff(spec_at(args.base, args.spec), args.base, args.spec, args.changelog)
        return run_drift(args.upstream, args.spec, args.reviewed)
    except InputError as e:
        print(f"specgate: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
