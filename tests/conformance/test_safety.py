"""Against a server that is not the mock, the destructive cancels are skipped with a printed
reason unless CONFORMANCE_ALLOW_DESTRUCTIVE=1, and the hooks refuse to send them anyway."""

from __future__ import annotations

import pytest

import tests.conformance.hooks as hooks
from clob_cancel.signing import ApiCreds
from tests.conformance import run, target
from tests.conformance.target import Target
from tests.conformance.test_contract import schema

CREDS = ApiCreds("k", "c2VjcmV0LXNlY3JldC1zZWNyZXQ=", "p")
ADDRESS = "0x1111111111111111111111111111111111111111"


def foreign(allow: bool) -> Target:
    return Target("http://127.0.0.1:9", CREDS, ADDRESS, is_mock=False, allow_destructive=allow)


def test_destructive_operations_are_excluded_with_a_reason() -> None:
    args = run.cli_args(foreign(False), seed=1, max_examples=1, junit=run.DEFAULT_JUNIT)
    excluded = [args[i + 1] for i, a in enumerate(args) if a == "--exclude-operation-id"]
    assert excluded == ["cancel_all", "cancel_market_orders"]
    notice = run.skip_notice(foreign(False))
    assert notice is not None and "CONFORMANCE_ALLOW_DESTRUCTIVE=1" in notice


def test_destructive_operations_run_when_allowed() -> None:
    args = run.cli_args(foreign(True), seed=1, max_examples=1, junit=run.DEFAULT_JUNIT)
    assert "--exclude-operation-id" not in args
    assert run.skip_notice(foreign(True)) is None


@pytest.mark.parametrize("path", ["/cancel-all", "/cancel-market-orders"])
def test_hook_refuses_to_send_destructive_cancels(path: str) -> None:
    case = schema[path]["DELETE"].Case()
    with target.using(foreign(False)), pytest.raises(RuntimeError, match="refusing to send"):
        hooks.before_call(None, case, {})


def test_allow_destructive_from_env() -> None:
    env = {
        "CLOB_API_URL": "http://127.0.0.1:9",
        "CLOB_API_KEY": "k",
        "CLOB_PASS_PHRASE": "p",
        "CLOB_SECRET": "c2VjcmV0LXNlY3JldC1zZWNyZXQ=",
        "CLOB_ADDRESS": ADDRESS,
    }
    assert not target.from_env(env).allow_destructive
    assert target.from_env({**env, "CONFORMANCE_ALLOW_DESTRUCTIVE": "1"}).allow_destructive
    with pytest.raises(ValueError, match="CLOB_SECRET"):
        target.from_env({k: v for k, v in env.items() if k != "CLOB_SECRET"})
