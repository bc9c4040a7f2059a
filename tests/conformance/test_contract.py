"""The conformance suite inside `make test`, through schemathesis' pytest integration: the same
schemathesis.toml, auth, checks and hooks as `make conformance`, against the embedded mock.

`make conformance` runs the same suite against another server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis import Case

import clob_cancel_conformance.hooks  # noqa: F401 - registers the auth, the checks and the hooks
from clob_cancel.spec import spec_path
from clob_cancel_conformance import contract, run, target
from clob_cancel_conformance.target import Target

# Fewer examples than `make conformance`: this runs on every `make test`.
PYTEST_MAX_EXAMPLES = 50


@pytest.fixture(scope="module")
def server() -> Iterator[Target]:
    """Always the embedded mock: `make test` must never reach a server named by CLOB_API_URL
    (use `make conformance` for that)."""
    with run.embedded_mock() as t, target.using(t):
        yield t
        target.close_clients()


def load_schema() -> Any:
    """The spec with the suite's schemathesis.toml (fewer examples: this runs in `make test`).

    Loaded at import, not through `schemathesis.pytest.from_fixture`: that lazy loader reads
    `node._nodeid`, which pytest 9 no longer has. The base URL comes at call time instead.
    """
    config = schemathesis.Config.from_path(run.CONFIG)
    # pytest writes its own JUnit (--junitxml); schemathesis' report writers in pytest also pull
    # in allure, which is not installed.
    config.reports.junit.enabled = False
    loaded = schemathesis.openapi.from_path(spec_path(), config=config)
    loaded.config.generation.update(max_examples=PYTEST_MAX_EXAMPLES)
    return loaded


schema = load_schema()


@schema.parametrize()  # type: ignore[untyped-decorator]  # loaded as Any
def test_cancel_contract(case: Case[Any], server: Target) -> None:
    notice = run.skip_notice(server)
    if notice and case.operation.path in contract.DESTRUCTIVE_PATHS:
        pytest.skip(notice)
    case.call_and_validate(base_url=server.base_url)
