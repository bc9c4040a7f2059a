"""The conformance suite inside `make test`, through schemathesis' pytest integration: the same
schemathesis.toml, auth, checks and hooks as `make conformance`, against the embedded mock.

`make conformance` runs the same suite against another server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import schemathesis.checks
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


# The suite's own checks, by the names users' reports, baselines and the README give them, in the
# order they run on each response (the active ones send requests of their own): renaming, dropping
# or reordering one changes the suite, whatever module it lives in.
OWN_CHECKS = (
    "live_orders_cancel_as_reported",
    "dead_mans_switch_fires",
    "correctly_signed_request_is_not_refused",
    "auth_covers_the_whole_request",
    "every_requested_id_answered_once",
    "too_many_ids_are_refused",
    "valid_signed_cancel_is_accepted",
    "cancel_changes_exactly_what_it_reports",
    "canceled_order_cannot_be_canceled_again",
    "cancels_work_in_cancel_only_mode",
    "rate_limited_answer_says_when_to_retry",
    "rate_limit_reset_is_a_unix_time",
    "valid_signed_heartbeat_is_accepted",
    "heartbeat_accepts_only_the_expected_id",
    "accepted_invalid_request_harms_nothing",
    "unknown_method_is_not_accepted",
)


def test_the_suites_own_checks_are_registered_in_their_order() -> None:
    registry = schemathesis.checks.CHECKS
    ours = [
        name
        for name, check in zip(registry.get_all_names(), registry.get_all(), strict=True)
        if getattr(check, "__module__", "").startswith("clob_cancel_conformance.")
    ]
    assert ours == list(OWN_CHECKS)
