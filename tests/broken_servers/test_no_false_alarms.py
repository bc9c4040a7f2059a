"""No false alarms: servers that differ from the mock only in ways the contract allows pass the
whole suite with zero failures.

Each run also asserts, from the server's own record of its answers, that the difference really
showed during the run (429s did happen, the warning header was sent, ...): a run that silently
stopped exercising it would prove nothing.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from starlette.requests import Request
from starlette.responses import Response

from clob_cancel_conformance import contract
from clob_cancel_mock import MockClob
from clob_cancel_mock.app import ApiError, json_response
from clob_cancel_mock.contract import Operation
from tests.broken_servers import proof
from tests.broken_servers.proof import Answer, AppWrapper
from tests.broken_servers.variants import HeartbeatChain, LenientById

CANCELS = ("cancel_order", "cancel_orders", "cancel_all", "cancel_market_orders")
RATE_LIMIT_HEADERS = ("poly-ratelimit-remaining", "poly-ratelimit-reset", "poly-ratelimit-tier")


class EdgeLimited(MockClob):
    """The mock behind an edge proxy with a per-IP limit: every tenth cancel request is refused
    with 429 and Retry-After before the CLOB sees it (before auth and validation, with none of
    the Poly-RateLimit-* headers)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._edge = itertools.count(1)

    async def handle(self, operation: Operation, request: Request) -> Response:
        # Every tenth, not fifth: each refusal is waited out (Retry-After: 1), 35 s -> ~15 s.
        if operation.operation_id in CANCELS and next(self._edge) % 10 == 0:
            await self.read_body(request)
            return self.error_response(ApiError(429, "Too Many Requests", {"Retry-After": "1"}))
        return await super().handle(operation, request)


class CharsetAndExtraFields(MockClob):
    """Every JSON answer as `application/json; charset=utf-8`, and every JSON object answer
    (cancels, errors, heartbeats) with a field the spec does not name (`request_id`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._serial = itertools.count(1)
        super().__init__(*args, **kwargs)

    async def handle(self, operation: Operation, request: Request) -> Response:
        response = await super().handle(operation, request)
        if not response.headers.get("content-type", "").startswith("application/json"):
            return response
        data = json.loads(bytes(response.body))
        if isinstance(data, dict):
            data["request_id"] = f"req-{next(self._serial)}"
        kept = {
            name: value
            for name, value in response.headers.items()
            if name.lower() not in ("content-length", "content-type")
        }
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        return Response(body, response.status_code, kept, "application/json; charset=utf-8")


def unknown_methods_404(app: Any) -> Any:
    """Routing in front of the mock that answers 404 (not 405) to a method the spec does not list
    on a path outside the cancel paths and the heartbeat (`PUT /time`), as many routers do."""
    listed = {
        path: {method.upper() for method in item} | {"HEAD"}
        for path, item in contract.spec()["paths"].items()
    }

    async def routed(scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] == "http"
            and path in listed
            and path not in contract.l2_operations()
            and scope["method"] not in listed[path]
        ):
            await json_response(404, {"error": "Not Found"})(scope, receive, send)
            return
        await app(scope, receive, send)

    return routed


def charset_and_extra_fields(answers: list[Answer]) -> str | None:
    """Cancels and heartbeats answered with the charset parameter and the extra field."""
    shown = [
        a
        for a in answers
        if a.operation_id != "get_server_time"
        and a.headers.get("content-type") == "application/json; charset=utf-8"
    ]
    operations = {a.operation_id for a in shown}
    if not {*CANCELS, "send_heartbeat"} <= operations:
        return f"charset answers only from {sorted(operations)}"
    return None


def nothing_to_see(answers: list[Answer]) -> str | None:
    """For differences shown by the notes instead (`noted`)."""
    return None


class OtherHeartbeats(HeartbeatChain):
    """A correct heartbeat chain that differs from the mock's as the spec allows: ids in other
    formats (a base64 token with its `=` padding, and every second one a decimal counter, where the
    mock uses uuid4s); extra fields in both answers (the mismatch also carries an ErrorResponse
    `error` and `code`); and an edge 429 with Retry-After on every twelfth heartbeat request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._ids = itertools.count(1)
        self._edge = itertools.count(1)
        super().__init__(*args, **kwargs)

    async def handle(self, operation: Operation, request: Request) -> Response:
        if operation.operation_id == "send_heartbeat" and next(self._edge) % 12 == 2:
            await self.read_body(request)
            return self.error_response(ApiError(429, "Too Many Requests", {"Retry-After": "1"}))
        return await super().handle(operation, request)

    def heartbeat_new_id(self) -> str:
        n = next(self._ids)
        return str(1000 + n) if n % 2 == 0 else base64.b64encode(os.urandom(10)).decode()

    def heartbeat_accepted(self, following: str) -> Response:
        return json_response(200, {"heartbeat_id": following, "status": "ok", "timeout_ms": 10000})

    def heartbeat_mismatch(self, sent: str, expected: str) -> Response:
        body = {
            "error_msg": "Invalid Heartbeat ID",
            "heartbeat_id": expected,
            "error": "Invalid Heartbeat ID",
            "code": "INVALID_HEARTBEAT_ID",
        }
        return json_response(400, body)


class HeartbeatNullLikeEmpty(HeartbeatChain):
    """Takes `{"heartbeat_id": null}` like `""` (what connectors send to restart the chain):
    accepted on an unarmed key, the mismatch on an armed one. Undocumented either way, so a note
    at most, and never a verdict that depends on whether the key happened to be armed."""

    def heartbeat_sent_id(self, op: Operation, request: Request, body: bytes) -> str:
        with contextlib.suppress(ValueError):
            if json.loads(body) == {"heartbeat_id": None}:
                return ""
        return super().heartbeat_sent_id(op, request, body)


def null_heartbeats(answers: list[Answer]) -> str | None:
    """A null heartbeat accepted (on an unarmed key) and one refused with the mismatch."""
    nulls = [
        a.status
        for a in answers
        if a.operation_id == "send_heartbeat" and a.body.replace(b" ", b"") == NULL_HEARTBEAT
    ]
    return None if 200 in nulls else f"null heartbeats answered {nulls}"


NULL_HEARTBEAT = b'{"heartbeat_id":null}'


def _heartbeat_ids(answers: list[Answer], status: int) -> list[str]:
    """The ids of the well-formed heartbeats that got ``status``."""
    ids = []
    for a in answers:
        if a.operation_id != "send_heartbeat" or a.status != status:
            continue
        try:
            sent = json.loads(a.body).get("heartbeat_id")
        except (ValueError, AttributeError):
            continue
        if isinstance(sent, str):
            ids.append(sent)
    return ids


def other_heartbeats(answers: list[Answer]) -> str | None:
    """Both id formats accepted, the check's invented id refused, and some edge 429s."""
    accepted = _heartbeat_ids(answers, 200)
    counters = [i for i in accepted if i.isdigit()]
    tokens = [i for i in accepted if i.endswith("=")]
    invented = [i for i in _heartbeat_ids(answers, 400) if i.startswith("conformance-invented-")]
    edge = [a for a in answers if a.operation_id == "send_heartbeat" and a.status == 429]
    if not (counters and tokens and invented and edge):
        return (
            f"{len(counters)} counter and {len(tokens)} token ids accepted, {len(invented)} "
            f"invented ids refused, {len(edge)} heartbeat 429s"
        )
    return None


def _cancels(answers: list[Answer], status: int) -> list[Answer]:
    return [a for a in answers if a.operation_id in CANCELS and a.status == status]


def limited_per_signer(answers: list[Answer]) -> str | None:
    """429s with Retry-After and the Poly-RateLimit-* headers, and admitted cancels too."""
    refused = [
        a
        for a in _cancels(answers, 429)
        if "retry-after" in a.headers and all(h in a.headers for h in RATE_LIMIT_HEADERS)
    ]
    admitted = [a for a in _cancels(answers, 200) if "poly-ratelimit-remaining" in a.headers]
    if len(refused) < 3 or not admitted:
        return f"{len(refused)} per-signer 429s and {len(admitted)} admitted cancels"
    return None


def warned(answers: list[Answer]) -> str | None:
    """Cancels admitted with Poly-RateLimit-Warning: true and a negative balance (no 429)."""
    warnings = [a for a in _cancels(answers, 200) if a.headers.get("poly-ratelimit-warning")]
    negative = [a for a in warnings if a.headers["poly-ratelimit-remaining"].startswith("-")]
    if len(negative) < 3 or _cancels(answers, 429):
        return f"{len(negative)} warnings below zero and {len(_cancels(answers, 429))} 429s"
    return None


def edge_limited(answers: list[Answer]) -> str | None:
    refused = _cancels(answers, 429)
    return None if len(refused) >= 5 else f"{len(refused)} 429s"


def disabled(answers: list[Answer]) -> str | None:
    got = {a.status for a in answers if a.operation_id in CANCELS and a.status != 401}
    return None if got == {503} else f"cancels answered {sorted(got)}"


def restarted(answers: list[Answer]) -> str | None:
    """425s with Retry-After, then cancels answered 200 (the post-only window)."""
    restarting = [a for a in _cancels(answers, 425) if "retry-after" in a.headers]
    after = _cancels(answers, 200)
    if len(restarting) < 10 or len(after) < 10:
        return f"{len(restarting)} 425s and {len(after)} cancels answered 200 after them"
    return None


@attrs.frozen
class Correct:
    """A correct server the suite must pass, and how to tell that its difference showed."""

    name: str
    difference: str
    exercised: Callable[[list[Answer]], str | None]  # what did not show, or None
    faults: dict[str, Any] | None = None
    clob_class: type[MockClob] = MockClob
    as_foreign: bool = False  # no seeding and no reset between cases: state carries over
    wrap_app: AppWrapper | None = None
    noted: tuple[str, ...] = ()  # checks whose strictness notes the run must have recorded
    may_note: bool = False  # notes allowed, not required (their presence depends on timing)


CORRECT = (
    Correct(
        "charset_and_extra_fields",
        "answers as application/json; charset=utf-8, each JSON object answer with a field the "
        "spec does not name",
        charset_and_extra_fields,
        clob_class=CharsetAndExtraFields,
    ),
    Correct(
        "unknown_methods_404",
        "404 instead of 405 for PUT/PATCH outside the cancel paths (PUT /time): a note, not a "
        "failure",
        nothing_to_see,
        wrap_app=unknown_methods_404,
        noted=("unknown_method_is_not_accepted",),
    ),
    Correct(
        "lenient_by_id",
        "invalid /order and /orders bodies answered 200 with nothing canceled: a note, not a "
        "failure",
        nothing_to_see,
        clob_class=LenientById,
        noted=("accepted_invalid_request_harms_nothing",),
    ),
    Correct(
        "tight_bucket",
        "a per-signer cancel bucket of 8 tokens refilled at 8/s (negative balance allowed): "
        "many cancels, and the checks' own follow-up cancels, get 429",
        limited_per_signer,
        # Each 429 is waited out (Retry-After, whole seconds): a bucket of 8 at 8/s refills whole
        # in that wait, so the run meets a 429 every ~8 cancels rather than every 2 (35 s -> ~10).
        {"rate_limit": {"rate": 8, "burst": 8, "negative_balance": True}},
    ),
    Correct(
        "standard_tier",
        "the documented Standard tier, never reset during the run (like a real server): the "
        "1000-id batch exceeds its burst and gets 429",
        limited_per_signer,
        {"rate_limit": {"tier": "Standard"}},
        as_foreign=True,
    ),
    Correct(
        "warning_mode",
        "the limiter in warning mode (and trading cancel-only): everything admitted, "
        "Poly-RateLimit-Warning: true, the balance below zero",
        warned,
        {
            "rate_limit": {"rate": 2, "burst": 4, "negative_balance": True, "warning": True},
            "cancel_only": True,
        },
        as_foreign=True,
    ),
    Correct(
        "edge_limited",
        "an edge proxy's per-IP 429 before auth and validation, on every tenth cancel",
        edge_limited,
        clob_class=EdgeLimited,
        as_foreign=True,
    ),
    Correct(
        "trading_disabled",
        "trading disabled: every signed cancel gets 503",
        disabled,
        {"trading_disabled": True},
        as_foreign=True,
    ),
    Correct(
        "engine_restart",
        "a matching-engine restart: 425 with Retry-After on the first 30 cancels, then the "
        "post-only window, in which cancels work",
        restarted,
        {"restarting": True, "count": 30},
        as_foreign=True,
    ),
    Correct(
        "heartbeat_other_ids",
        "heartbeat ids as base64 tokens and decimal counters, extra fields in both heartbeat "
        "answers, and an edge 429 on every twelfth heartbeat",
        other_heartbeats,
        clob_class=OtherHeartbeats,
    ),
    Correct(
        "heartbeat_null_like_empty",
        '{"heartbeat_id": null} taken like "": accepted on an unarmed key (a note), the mismatch '
        "on an armed one",
        null_heartbeats,
        clob_class=HeartbeatNullLikeEmpty,
        may_note=True,
    ),
    Correct(
        "heartbeat_other_ids_foreign",
        "the same heartbeat differences on a server the suite cannot reset: the key stays armed "
        "between cases, so the first heartbeat meets the mismatch and follows the id it names",
        other_heartbeats,
        clob_class=OtherHeartbeats,
        as_foreign=True,
    ),
)


@pytest.mark.parametrize("server", CORRECT, ids=[c.name for c in CORRECT])
def test_correct_server_passes(server: Correct, tmp_path: Path) -> None:
    clob_class, answers = proof.recording(server.clob_class)
    outcome = proof.run_suite(
        clob_class,
        tmp_path / "junit.xml",
        as_foreign=server.as_foreign,
        wrap_app=server.wrap_app,
        faults=server.faults,
    )
    assert outcome.failures == [], f"{server.difference}:\n\n" + "\n\n".join(outcome.failures)
    assert outcome.exit_code == 0
    missing = server.exercised(answers)
    assert missing is None, f"the run did not exercise {server.difference}: only {missing}"
    noted = {n.check for n in outcome.notes}
    assert set(server.noted) <= noted, f"{server.difference}: notes {outcome.notes}"
    if not server.noted and not server.may_note:
        assert outcome.notes == [], f"{server.difference}: unexpected notes {outcome.notes}"
