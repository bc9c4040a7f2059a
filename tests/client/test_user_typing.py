"""What a user's own code sees under mypy --strict: the answer's ``not_canceled`` is typed as a
read-only ``Mapping[str, str]`` and ``from_env`` takes the constructor's typed options. The user
file below is checked by mypy with the project's configuration; each line marked ``# E: code``
must be reported with that code, and no other line may be."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

USER_CODE = """\
import json
from collections.abc import Mapping

from clob_cancel import AsyncCancelClient, CancelClient, CancelOrdersResponse


def report(answer: CancelOrdersResponse) -> dict[str, str]:
    reasons: Mapping[str, str] = answer.not_canceled
    if answer.not_canceled:
        count: int = len(answer.not_canceled)
        print(count, sorted(answer.not_canceled))
    for order_id, reason in answer.not_canceled.items():
        print(order_id.upper(), reason.lower())
    first: str | None = answer.not_canceled.get("0xa")
    ids: list[str] = [*answer.canceled, *answer.not_canceled.keys()]
    text: str = json.dumps(answer.to_dict())
    print(reasons, first, ids, text, "0xa" in answer.not_canceled)
    answer.not_canceled["0xa"] = "edited"  # E: index
    wrong: int | None = answer.not_canceled.get("0xa")  # E: assignment
    return dict(answer.not_canceled)


def clients() -> None:
    CancelClient.from_env(timeout=10.0, retries=2, sync_clock=True).close()
    CancelClient.from_env({}, max_ids_per_request=500).close()
    CancelClient.from_env(timeout="ten")  # E: arg-type
    CancelClient.from_env(tiemout=10.0)  # E: call-arg
    AsyncCancelClient.from_env(retries="3")  # E: arg-type
    AsyncCancelClient.from_env(max_concurrency=4, backend="httpx", timeout=2.0)
    AsyncCancelClient.from_env(backend="curl")  # E: arg-type
    CancelClient.from_env(max_concurrency=4)  # E: call-arg
"""


def test_user_code_type_checks_as_documented(tmp_path: Path) -> None:
    user = tmp_path / "user_code.py"
    user.write_text(USER_CODE)
    expected = {
        (number, code)
        for number, line in enumerate(USER_CODE.splitlines(), 1)
        for code in re.findall(r"# E: ([a-z-]+)", line)
    }
    assert len(expected) == 7
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(ROOT / ".mypy_cache" / "user-typing"), "--no-error-summary",
         "--show-error-codes", str(user)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    reported = {
        (int(m[1]), m[2])
        for m in re.finditer(r"user_code\.py:(\d+): error: .*\[([a-z-]+)\]$", run.stdout, re.M)
    }
    assert reported == expected, run.stdout + run.stderr
    assert run.returncode == 1
