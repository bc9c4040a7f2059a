"""The checks of requests the spec rejects (a body or parameter it does not allow, a method it
does not list), and whether a server's acceptance of one fails the run.

schemathesis' negative_data_rejection and unsupported_method report leniency and HTTP niceties
as failures. Only the cancel contract fails a run: these two wrap the built-ins (disabled in
schemathesis.toml, their settings still read from there) and keep a finding as a failure only
when it harms; otherwise it becomes a note (findings.py), printed and written after the run.
"""

from __future__ import annotations

from typing import Any

import httpx
from schemathesis import Case, CheckContext, Response
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.checks import negative_data_rejection, unsupported_method

from clob_cancel_conformance import contract, findings, target
from clob_cancel_conformance.contract import Sent
from clob_cancel_conformance.findings import ContractViolation


def _operation_label(request: Sent) -> str:
    return f"{request.method} {request.path}"


NULL_HEARTBEAT_NOTE = (
    '{"heartbeat_id": null} was accepted like "" (the chain started on an unarmed key): whether '
    "the CLOB accepts null is undocumented (connectors send it to restart the chain), and on an "
    "armed key the same server answers the mismatch, so this is a note, never a failure"
)


def null_heartbeat_id(request: Sent) -> bool:
    """Whether ``request`` is a heartbeat whose body is `{"heartbeat_id": null}`. Accepting it like
    "" is a leniency the docs neither allow nor forbid; and whether it is accepted at all depends
    on whether the key is armed at that moment, so a verdict on it would depend on timing."""
    body = request.json() if request.path == contract.HEARTBEAT else None
    return isinstance(body, dict) and "heartbeat_id" in body and body["heartbeat_id"] is None


def harm_of_accepted_invalid_request(request: Sent, response: Response | httpx.Response) -> str:
    """Why a server's acceptance of a request the spec rejects is a contract violation, or ""
    when it harms nothing (a strictness note).

    - DELETE /cancel-market-orders with a body that is not a readable filter (JSON `null`, an
      array, a non-string `market`): accepted, it cancels as if unfiltered, i.e. every order of
      the account (whether this run could see it or not).
    - POST /v1/heartbeats: an accepted heartbeat arms the dead-man's switch or moves the key's
      chain, whatever was wrong with it; but `{"heartbeat_id": null}` taken like "" is a note
      (null_heartbeat_id says why).
    - DELETE /order, /orders: the answer reports canceled an id the request does not name as a
      string id (an invalid request must not cancel what a valid one would not).
    Everything else (a by-id cancel that canceled nothing it was not asked to, /cancel-all with a
    stray body, which cancels no more than a valid /cancel-all, GET /time) is a note.
    """
    if not 200 <= response.status_code < 300:
        return ""  # refused, with another status: status_code_conformance judges the status
    if request.path == contract.CANCEL_MARKET and not contract.readable_market_filter(request):
        return (
            "it acted on a market filter it cannot have read; with no filter, "
            "/cancel-market-orders cancels every order of the account"
        )
    if request.path == contract.HEARTBEAT and not null_heartbeat_id(request):
        return "an accepted heartbeat arms the dead-man's switch (or moves the key's chain)"
    if request.path in contract.BY_ID_PATHS:
        answer = contract.cancel_answer(response.content)
        named = contract.requested_ids(request.path, request.json()) or []
        unnamed = [i for i in answer[0] if i not in named] if answer else []
        if unnamed:
            return f"it canceled orders the request does not name: {contract.shorten(unnamed)}"
    return ""


def accepted_invalid_request_harms_nothing(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """schemathesis' negative_data_rejection (a request the spec rejects is refused with a
    documented 4xx), as a violation only when the acceptance harms (see
    harm_of_accepted_invalid_request); a lenient server that accepts and does nothing gets a
    note. An accepted /cancel-market-orders body that is no readable filter is judged on the
    wire too, so the boundary examples (which carry no generation metadata for the built-in to
    go by) reach it."""
    request = contract.sent(response.request)
    if (
        request.path == contract.CANCEL_MARKET
        and 200 <= response.status_code < 300
        and not contract.readable_market_filter(request)
    ):
        raise ContractViolation(
            "accepted_invalid_request_harms_nothing",
            case,
            f"{request.describe(120)} was answered {response.status_code}: the body is not a "
            "market filter (a JSON object with string market/asset_id), so the server acted on a "
            "filter it cannot have read; with no filter, /cancel-market-orders cancels every "
            "order of the account. Expected 400.",
        )
    try:
        negative_data_rejection(ctx, response, case)
    except Failure as failure:
        harm = harm_of_accepted_invalid_request(request, response)
        if harm:
            failure.message = f"{failure.message}\n\nA contract violation, not a note: {harm}"
            raise
        findings.note(
            "accepted_invalid_request_harms_nothing",
            _operation_label(request),
            NULL_HEARTBEAT_NOTE
            if null_heartbeat_id(request)
            else f"a request the spec rejects was answered {response.status_code} and changed "
            "nothing (lenient, harmless)",
            request.describe(120),
        )
    return None


def unknown_method_is_not_accepted(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """schemathesis' unsupported_method (a method the spec does not list gets 405 with Allow).
    Accepting one (2xx) on a cancel path or the heartbeat is a violation: the server acted on a
    request no client sends. Any refusal other than 405 (404, no Allow header) is an HTTP nicety
    outside the cancel contract: a note."""
    try:
        unsupported_method(ctx, response, case)
    except Failure as failure:
        request = contract.sent(response.request)
        if request.path in target.current().l2_operations() and 200 <= response.status_code < 300:
            failure.message = (
                f"{failure.message}\n\nA contract violation, not a note: {request.method} "
                f"{request.path} was accepted"
            )
            raise
        findings.note(
            "unknown_method_is_not_accepted",
            _operation_label(request),
            f"a method the spec does not list was refused with {response.status_code}"
            + ("" if response.status_code == 405 else " rather than 405")
            + ("" if "allow" in response.headers else ", without an Allow header"),
        )
    return None
