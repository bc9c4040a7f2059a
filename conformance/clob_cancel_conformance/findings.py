"""Findings that do not fail a run: strictness notes.

A contract violation fails the run (schemathesis reports it, the exit code is 1). A strictness note
is something a correct-enough server may do because it harms nothing: it accepts input the spec
rejects but acts on none of it, or answers an HTTP nicety outside the cancel contract its own way
(404 instead of 405 for an unknown method). Notes are printed after the run and written to a
JSON file; they never change the exit code. Which finding is which is decided in
invalid_request_checks.py, each with its reason, and listed in conformance/README.md.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
from schemathesis.core.failures import Failure


@attrs.frozen
class Note:
    """One strictness note: the check that found it, where, and what it saw."""

    check: str
    operation: str  # e.g. "DELETE /orders"
    summary: str  # what was seen, without per-case details, so repeats collapse
    example: str = attrs.field(eq=False, default="")  # one request that showed it

    def line(self) -> str:
        return f"NOTE {self.check} on {self.operation}: {self.summary}"


_notes: dict[Note, Note] = {}
_completed: set[tuple[str, str]] = set()
_not_run: dict[tuple[str, str], str] = {}


def note(check: str, operation: str, summary: str, example: str = "") -> None:
    """Record a note (the same check, operation and summary once per run)."""
    found = Note(check, operation, summary, example)
    _notes.setdefault(found, found)


def collected() -> list[Note]:
    return list(_notes.values())


def clear() -> None:
    _notes.clear()
    _completed.clear()
    _not_run.clear()


def completed(check: str, operation: str) -> None:
    """A check that may not get to run (it needs live orders, a conclusive answer, ...) ran to
    its verdict on ``operation`` (e.g. "DELETE /order")."""
    _completed.add((check, operation))
    _not_run.pop((check, operation), None)


def was_completed(check: str, operation: str) -> bool:
    return (check, operation) in _completed


def not_run(check: str, operation: str, reason: str) -> None:
    """Why a check did not run on ``operation`` (said in the summary and the JUnit report)."""
    if (check, operation) not in _completed:
        _not_run[(check, operation)] = reason


def reason_not_run(check: str, operation: str) -> str | None:
    return _not_run.get((check, operation))


def write(path: Path) -> None:
    """The notes as a JSON array (an empty one when there are none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = [attrs.asdict(n) for n in collected()]
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def listed(headline: str, problems: Sequence[str], limit: int | None = None) -> str:
    """A failure's message: ``headline`` (ending in a colon), then one ``  - `` line per
    problem; past ``limit`` of them, the count of them all instead of the rest."""
    shown = problems if limit is None else problems[:limit]
    more = len(problems) - len(shown)
    return (
        headline
        + "\n  - "
        + "\n  - ".join(shown)
        + (f"\n  … ({len(problems)} in all)" if more else "")
    )


class ContractViolation(Failure):
    """A failure of one of the suite's own checks. schemathesis keys a bare AssertionError in a
    --baseline file by the file and line that raised it (for an installed wheel an absolute
    site-packages path), so a baseline recorded in one venv, or before a release moved a line,
    did not match; this one's identity is the operation and the check's name only."""

    def __init__(self, check: str, case: Any, message: str) -> None:
        operation = getattr(getattr(case, "operation", None), "label", None)
        super().__init__(
            operation=operation, title=f"Custom check failed: `{check}`", message=message
        )

    @property
    def _unique_key(self) -> str:
        return self.title
