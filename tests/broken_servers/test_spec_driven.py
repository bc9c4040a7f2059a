"""Which operations the suite signs and auth-probes comes from the spec's security requirements:
an L2 operation added to a copy of the spec (with a mock handler for it) is signed with no edit
to the suite, and a server that answers it without auth fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.requests import Request
from starlette.responses import Response

from clob_cancel.spec import spec_path
from clob_cancel_conformance import cli, contract
from clob_cancel_mock import DEFAULT_ACCOUNT, Account, MockClob, MockServer
from clob_cancel_mock.app import json_response
from clob_cancel_mock.contract import Operation
from tests.broken_servers import proof

NEW_PATH = "/v1/orders/scoring"
L2_SECURITY: list[dict[str, list[str]]] = [
    {
        "polyAddress": [],
        "polyApiKey": [],
        "polyPassphrase": [],
        "polyTimestamp": [],
        "polySignature": [],
    }
]


def spec_with_new_operation(directory: Path, security: Any = L2_SECURITY) -> Path:
    """A copy of the spec with one more operation: POST /v1/orders/scoring, under a tag the suite
    has never heard of, secured by ``security`` (the L2 scheme by default)."""
    spec = yaml.safe_load(spec_path().read_text(encoding="utf-8"))
    responses = {
        "200": {
            "description": "Whether the order is scoring.",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["scoring"],
                        "properties": {"scoring": {"type": "boolean"}},
                    }
                }
            },
        },
        **{
            code: {"$ref": f"#/components/responses/{name}"}
            for code, name in (
                ("400", "BadRequest"),
                ("401", "Unauthorized"),
                ("425", "EngineRestarting"),
                ("429", "RateLimited"),
                ("500", "ServerError"),
                ("503", "Unavailable"),
            )
        },
    }
    spec["paths"][NEW_PATH] = {
        "post": {
            "operationId": "order_scoring",
            "tags": ["rewards"],
            "summary": "Is an order scoring",
            "security": security,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["order_id"],
                            "properties": {"order_id": {"type": "string"}},
                        }
                    }
                },
            },
            "responses": responses,
        }
    }
    path = directory / "clob-cancel-with-scoring.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


class ScoringClob(MockClob):
    """The mock with a handler for the new operation (auth by the mock, from the spec)."""

    def op_order_scoring(
        self, op: Operation, request: Request, body: bytes, account: Account
    ) -> Response:
        self.parse_body(op, request, body)
        return json_response(200, {"scoring": False})


class ScoringWithoutAuth(ScoringClob):
    """Answers the new operation without looking at the auth at all (the route was added outside
    the auth middleware)."""

    def authenticate(self, request: Request, body: bytes) -> Account:
        if request.scope["path"] == NEW_PATH:
            return self.accounts[0]
        return super().authenticate(request, body)


def test_the_new_l2_operation_is_signed_with_no_edit(tmp_path: Path) -> None:
    spec = spec_with_new_operation(tmp_path)
    assert contract.l2_operations(spec)[NEW_PATH] == "POST"
    clob_class, answers = proof.recording(ScoringClob)
    outcome = proof.run_suite(clob_class, tmp_path / "junit.xml", spec=spec)
    assert outcome.failures == [], "\n\n".join(outcome.failures)
    assert outcome.exit_code == 0
    statuses = [a.status for a in answers if a.operation_id == "order_scoring"]
    assert 200 in statuses, statuses  # signed: accepted, not 401 on every case


def test_a_server_answering_it_without_auth_fails(tmp_path: Path) -> None:
    spec = spec_with_new_operation(tmp_path)
    outcome = proof.run_suite(ScoringWithoutAuth, tmp_path / "junit.xml", spec=spec)
    assert outcome.exit_code == 1
    assert outcome.reports("auth_covers_the_whole_request", f"POST {NEW_PATH} with broken auth")
    assert outcome.reports("auth_covers_the_whole_request", "no auth headers at all")


def test_an_operation_it_cannot_sign_fails_loudly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A security requirement that is neither the L2 nor the L1 scheme: the suite refuses to run
    rather than send the operation unsigned and judge nothing."""
    spec = spec_with_new_operation(tmp_path, security=[{"polyApiKey": []}])
    with pytest.raises(contract.SpecError, match=f"POST {NEW_PATH}"):
        contract.l2_operations(spec)
    with MockServer() as server:
        env = DEFAULT_ACCOUNT.client_env(server.url)
        code = cli.main(["--spec", str(spec), "--junit", str(tmp_path / "junit.xml")], env)
    assert code == 2
    assert f"POST {NEW_PATH} has a security requirement the suite cannot sign" in (
        capsys.readouterr().err
    )
