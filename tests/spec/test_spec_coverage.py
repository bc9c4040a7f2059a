"""tools/spec_coverage (run by `make lint`): an operation added to the spec without a mock
handler, or neither called by the overlay nor excluded, fails lint in one line naming it."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import yaml

from tools.spec_coverage import REPO, main

NEW_PATH = "/v1/orders/{order_id}"


def _spec_with_new_operation(spec: dict[str, Any], tmp_path: Path) -> Path:
    """A copy of the spec with one more operation, as a maintainer would add it."""
    copy = {**spec, "paths": {**spec["paths"]}}
    copy["paths"][NEW_PATH] = {
        "get": {
            "operationId": "get_order",
            "summary": "One order",
            "parameters": [
                {"name": "order_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {"200": {"description": "the order"}},
        }
    }
    path = tmp_path / "clob-cancel.yaml"
    path.write_text(yaml.safe_dump(copy, sort_keys=False), encoding="utf-8")
    return path


def test_make_lint_fails_at_once_in_one_line_naming_the_operation(
    spec: dict[str, Any], tmp_path: Path
) -> None:
    copy = _spec_with_new_operation(spec, tmp_path)
    started = time.monotonic()
    done = subprocess.run(
        ["make", "--no-print-directory", "lint", f"SPEC={copy}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    seconds = time.monotonic() - started
    assert done.returncode != 0
    ours = [line for line in done.stderr.splitlines() if line.startswith("spec-coverage:")]
    assert len(ours) == 1, done.stderr
    assert f"get_order (GET {NEW_PATH}): no mock handler MockClob.op_get_order" in ours[0]
    assert "neither called by overlay/clob_cancel nor listed in" in ours[0]
    assert "ruff" not in done.stdout  # it stopped there: ruff and mypy never ran
    print(f"make lint failed on the new operation in {seconds:.1f} s")


def test_the_repository_is_covered() -> None:
    assert main([]) == 0


def test_an_exclusion_or_an_overlay_call_covers_the_overlay_side(
    spec: dict[str, Any], tmp_path: Path, capsys: Any
) -> None:
    copy = _spec_with_new_operation(spec, tmp_path)
    excluded = tmp_path / "overlay-excluded.yaml"
    entries = yaml.safe_load((REPO / "openapi" / "overlay-excluded.yaml").read_text()) or {}
    entries["get_order"] = "read-only; a cancel client has no use for it"
    excluded.write_text(yaml.safe_dump(entries))  # the repository's entries stay true
    assert main(["--spec", str(copy), "--excluded", str(excluded)]) == 1
    err = capsys.readouterr().err
    assert "no mock handler MockClob.op_get_order" in err and "neither called" not in err

    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "orders.py").write_text("from clob_cancel_client.api.orders import get_order\n")
    for module in (REPO / "overlay" / "clob_cancel").glob("*.py"):
        (overlay / module.name).write_text(module.read_text())
    assert main(["--spec", str(copy), "--overlay", str(overlay)]) == 1
    err = capsys.readouterr().err
    assert "no mock handler" in err and "neither called" not in err
    # Called and listed at once: the list must stay true.
    assert main(["--spec", str(copy), "--overlay", str(overlay), "--excluded", str(excluded)]) == 1
    assert (
        "get_order (GET /v1/orders/{order_id}): no mock handler MockClob.op_get_order, called "
        "by overlay/clob_cancel: remove it from openapi/overlay-excluded.yaml"
        in capsys.readouterr().err
    )


def test_a_stale_or_reasonless_exclusion_fails(tmp_path: Path, capsys: Any) -> None:
    excluded = tmp_path / "overlay-excluded.yaml"
    excluded.write_text("list_markets: not ours\n")
    assert main(["--excluded", str(excluded)]) == 1
    assert "lists list_markets, which the spec has no more" in capsys.readouterr().err
    excluded.write_text("cancel_all: \n")
    assert main(["--excluded", str(excluded)]) == 2
    assert "each with a reason" in capsys.readouterr().err
