"""The mock (tests/mock's fixtures) and the official TypeScript clients, installed once a
session."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from ..mock.conftest import api, server
from . import node

__all__ = ["api", "official_ts", "server"]

Runner = Callable[..., node.Report]


@pytest.fixture(scope="session")
def official_ts() -> Runner:
    """``official_ts(env, plan, throw_on_error=False, script="run.cjs")`` runs a pinned client
    (``script="run-client.mjs"``: @polymarket/client); the install (or the reason there is none)
    is found once, and a missing install fails each test that needs it."""
    if os.environ.get(node.SKIP_ENV) == "1":
        pytest.skip(f"{node.SKIP_ENV}=1: the official TypeScript client is not tested")
    try:
        prefix: Path | str = node.ensure_installed()
    except node.Unavailable as e:
        prefix = str(e)

    def run(
        env: Mapping[str, str],
        plan: Sequence[Sequence[Any]],
        *,
        throw_on_error: bool = False,
        script: str = "run.cjs",
    ) -> node.Report:
        if isinstance(prefix, str):
            pytest.fail(prefix, pytrace=False)
        return node.run(prefix, env, plan, throw_on_error=throw_on_error, script=script)

    return run
