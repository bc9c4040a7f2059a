"""Against a server that is not the mock, the destructive cancels and the order heartbeat are
skipped with a printed reason unless CONFORMANCE_ALLOW_DESTRUCTIVE=1, the hooks refuse to send
them anyway, and the checks that would send heartbeats of their own do nothing."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
import requests

import clob_cancel_conformance.hooks as hooks
from clob_cancel.signing import ApiCreds
from clob_cancel_conformance import auth_checks, contract, heartbeat_checks, run, seeding, target
from clob_cancel_conformance.target import Target
from tests.conformance.test_contract import schema

CREDS = ApiCreds("k", "c2VjcmV0LXNlY3JldC1zZWNyZXQ=", "p")
ADDRESS = "0x1111111111111111111111111111111111111111"


def foreign(allow: bool) -> Target:
    return Target("http://127.0.0.1:9", CREDS, ADDRESS, is_mock=False, allow_destructive=allow)


def test_destructive_operations_are_excluded_with_a_reason() -> None:
    args = run.cli_args(foreign(False), seed=1, max_examples=1, junit=run.DEFAULT_JUNIT)
    excluded = [args[i + 1] for i, a in enumerate(args) if a == "--exclude-operation-id"]
    assert excluded == ["cancel_all", "cancel_market_orders", "send_heartbeat"]
    notice = run.skip_notice(foreign(False))
    assert notice is not None and "CONFORMANCE_ALLOW_DESTRUCTIVE=1" in notice
    assert "POST /v1/heartbeats and the heartbeat checks" in notice
    assert run.arming_notice(foreign(False)) is None


def test_destructive_operations_run_when_allowed() -> None:
    args = run.cli_args(foreign(True), seed=1, max_examples=1, junit=run.DEFAULT_JUNIT)
    assert "--exclude-operation-id" not in args
    assert run.skip_notice(foreign(True)) is None
    arming = run.arming_notice(foreign(True))
    assert arming is not None and "cancels every open order of the api key" in arming


def test_no_arming_warning_for_the_mock() -> None:
    mock = Target("http://127.0.0.1:9", CREDS, ADDRESS, is_mock=True, allow_destructive=True)
    assert run.arming_notice(mock) is None


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/cancel-all"), ("DELETE", "/cancel-market-orders"), ("POST", "/v1/heartbeats")],
)
def test_hook_refuses_to_send_destructive_requests(method: str, path: str) -> None:
    case = schema[path][method].Case()
    with target.using(foreign(False)), pytest.raises(RuntimeError, match="refusing to send"):
        hooks.before_call(None, case, {})


def heartbeat_response(t: Target) -> SimpleNamespace:
    """What a check sees after a correctly signed heartbeat (never sent: the port is closed)."""
    body = b'{"heartbeat_id":""}'
    headers = {
        **t.signed_headers("POST", "/v1/heartbeats", body),
        "Content-Type": "application/json",
    }
    request = requests.Request(
        "POST", f"{t.base_url}/v1/heartbeats", data=body, headers=headers
    ).prepare()
    return SimpleNamespace(request=request, status_code=200, content=b"{}", text="{}")


@pytest.mark.parametrize(
    "check",
    [
        heartbeat_checks.heartbeat_accepts_only_the_expected_id,
        auth_checks.auth_covers_the_whole_request,
    ],
)
def test_heartbeat_checks_send_nothing_where_not_allowed(check: type) -> None:
    """The port is closed: a check that sent anything would raise a connection error."""
    t = foreign(False)
    response = heartbeat_response(t)
    assert contract.is_correctly_signed(contract.sent(response.request), t)
    with target.using(t):
        assert check().after_response(None, response, None) is None


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


def test_reset_before_seeding_disarms_the_mocks_switch() -> None:
    """On the mock, the suite resets before seeding each cancel; the reset disarms the heartbeat
    switch its heartbeat cases and checks armed, so a lapse never cancels seeded orders between
    the snapshots cancel_changes_exactly_what_it_reports compares. Without the reset (the
    control), the same armed key's orders are canceled by the switch."""
    body = b'{"heartbeat_id":""}'
    with run.embedded_mock(heartbeat_timeout=0.2) as t, target.using(t):
        client = t.client()

        def arm_and_seed(reset: bool) -> list[str]:
            headers = {
                **t.signed_headers("POST", contract.HEARTBEAT, body),
                "Content-Type": "application/json",
            }
            assert client.post(contract.HEARTBEAT, content=body, headers=headers).status_code == 200
            if reset:  # what the hooks do before each cancel case
                seeding.before_request("disarm", contract.CANCEL_ALL, None, t)
            else:
                seeding.seed_live(client, t, 2, "lapse")
            ours = [
                i
                for i, o in t.admin_orders(client).items()
                if o["owner"] == t.creds.api_key and o["state"] == "live"
            ]
            time.sleep(0.5)  # well past the deadline
            orders = t.admin_orders(client)
            return sorted({orders[i]["state"] for i in ours if i in orders})

        try:
            assert arm_and_seed(reset=True) == ["live"]
            assert arm_and_seed(reset=False) == ["canceled"]  # the control
        finally:
            target.close_clients()
