"""The request-authentication checks: valid L2 auth over a request's exact bytes is never refused
with 401, and the same request with its auth wrong in any way (bound to another body, path, method
or time; another passphrase, api key or address; a near-miss or forged signature; a quote-swapped
replay) is refused with 401 and changes nothing.

The probes cover every operation the spec secures with L2 auth (contract.l2_operations), so an
operation added to the spec is probed with no edit here.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

import httpx
from schemathesis import Case, CheckContext, Response

from clob_cancel_conformance import (
    contract,
    findings,
    live,
    live_checks,
    seeding,
    signatures,
    target,
)
from clob_cancel_conformance.contract import Sent
from clob_cancel_conformance.findings import ContractViolation
from clob_cancel_conformance.target import Target


def _l2_request(response: Response) -> Sent | None:
    """The request behind ``response`` if its path has an L2 operation in the spec, else None."""
    request = contract.sent(response.request)
    return request if request.path in target.current().l2_operations() else None


def correctly_signed_request_is_not_refused(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """A request (a cancel or a heartbeat) with valid L2 auth over its exact bytes must never
    get 401.

    The spec documents 401 for every cancel and the heartbeat, so without this check a server (or
    a suite) that gets signing wrong would turn every case into a "documented" 401 and the run
    would go green.
    """
    request = _l2_request(response)
    if request is None or response.status_code != 401:
        return None
    if contract.is_correctly_signed(request, target.current()):
        raise ContractViolation(
            "correctly_signed_request_is_not_refused",
            case,
            "A correctly signed request was refused with 401: the signature over "
            "timestamp + method + path + the exact body bytes is valid for the account "
            f"(request: {request.describe()}; answer: {response.text[:200]})",
        )
    return None


# Ways to get the auth wrong; a correct server refuses each with 401 and cancels nothing.
OTHER_PATH = {
    contract.ORDER: contract.ORDERS,
    contract.ORDERS: contract.ORDER,
    contract.CANCEL_ALL: contract.CANCEL_MARKET,
    contract.CANCEL_MARKET: contract.CANCEL_ALL,
    contract.HEARTBEAT: "/heartbeats",  # the legacy heartbeat, which the real CLOB also serves
}
# Another method to sign a probe for (the L2 operations' own methods come from the spec).
OTHER_METHOD = {"DELETE": "POST", "POST": "DELETE", "GET": "POST", "PUT": "POST", "PATCH": "POST"}


def _other_path(t: Target, path: str) -> str:
    """Another path to sign a probe for: the known pairs, else another L2 operation's path."""
    if path in OTHER_PATH:
        return OTHER_PATH[path]
    return next((other for other in t.l2_operations() if other != path), path + "/other")


OTHER_ADDRESS = "0x000000000000000000000000000000000000dEaD"
DAY = 86_400


def quote_swapped(path: str, body: bytes) -> bytes | None:
    """Another valid body for ``path`` that reads as ``body`` once every ' is taken as ", or None.

    The replay a server opens up when it also accepts a signature over the quote-replaced form
    of the body (the official Python clients sign that form; the spec, "L2 authentication"):
    ``["a","b"]`` becomes ``["a','b"]`` (one id, ``a','b``) and ``{"market":"M","asset_id":"A"}``
    becomes ``{"market":"M','asset_id':'A"}`` (one market filter, ``M','asset_id':'A``). Both
    replays are valid requests that name nothing that exists, so even a server with the hole
    cancels nothing real with them (the spec's own example, ``{"market':'M','asset_id":""}``,
    parses with no filter and would cancel every order of the account).
    """
    if path == contract.ORDERS:
        replay = body.replace(b'","', b"','")
    elif path == contract.CANCEL_MARKET:
        replay = body.replace(b'","asset_id":"', b"','asset_id':'")
    else:
        return None
    if replay == body or replay.replace(b"'", b'"') != body.replace(b"'", b'"'):
        return None
    return replay


def _tampered(
    t: Target, path: str, body: bytes, other_body: bytes
) -> list[tuple[str, dict[str, str], bytes]]:
    """(what is wrong, headers, body sent) for each tampered form of the L2 request to ``path``
    with ``body``. Every one is refused by a correct server: the signature it carries is not the
    HMAC of this timestamp + method + path + exact body bytes under this account's secret, or the
    passphrase, key, address or timestamp is not this account's (fresh) one."""
    method = t.l2_operations()[path]
    good = t.signed_headers(method, path, body)
    forged = dict(good, POLY_SIGNATURE="A" * 43 + "=")
    probes = [
        ("no auth headers at all", {}),
        ("a signature over another body", {**t.signed_headers(method, path, other_body)}),
        ("a signature made for another path", t.signed_headers(method, _other_path(t, path), body)),
        (
            "a signature made for another method",
            t.signed_headers(OTHER_METHOD.get(method, "POST"), path, body),
        ),
        (
            "a stale timestamp (one day old)",
            t.signed_headers(method, path, body, timestamp=t.now() - DAY),
        ),
        (
            "a timestamp one day in the future",
            t.signed_headers(method, path, body, timestamp=t.now() + DAY),
        ),
        ("a wrong passphrase", dict(good, POLY_PASSPHRASE=t.creds.api_passphrase + "x")),
        ("an unknown api key", dict(good, POLY_API_KEY=str(uuid.UUID(int=uuid.uuid4().int)))),
        ("another account's api key", dict(good, POLY_API_KEY=t.other_owner or str(uuid.uuid4()))),
        ("another signer address", dict(good, POLY_ADDRESS=OTHER_ADDRESS)),
        ("a forged signature", forged),
    ]
    tampered = [(what, headers, body) for what, headers in probes]
    timestamp = good["POLY_TIMESTAMP"]
    for what, signature, sent_body in signatures.near_misses(
        t.creds, timestamp, method, path, body
    ):
        tampered.append(
            (f"a near-miss signature: {what}", dict(good, POLY_SIGNATURE=signature), sent_body)
        )
    replay = quote_swapped(path, body)
    if replay is not None:
        # `good` signs `body`; `replay` is other bytes, so its HMAC differs (a correct server
        # verifies the exact bytes and refuses it); only a server that also accepts the
        # quote-replaced form, where the two bodies are the same, takes it.
        shown = replay.decode() if len(replay) <= 40 else f"{replay[:37].decode()}…"
        tampered.append(
            (
                f"a quote-swapped replay (this request's signature on the body {shown}, the same "
                "bytes once every ' is read as \")",
                good,
                replay,
            )
        )
    return tampered


def _probe_bodies(
    client: httpx.Client, t: Target, path: str, sent: bytes
) -> tuple[bytes, bytes, list[str]]:
    """(body, another valid body, the seeded live ids they name) for the auth probes; on a mock
    or with a seed command the by-id probes name live orders (checked live afterwards). An
    L2 operation the suite has no rules for (one added to the spec) is probed with the body of
    the correctly signed request that reached it (``sent``), which the server accepted.

    A heartbeat probe carries an id nobody was given: were it wrongly let through, it would be
    refused as a mismatch (400) and arm nothing, instead of advancing the key's chain."""
    if path == contract.HEARTBEAT:
        probe, other = (f"conformance-probe-{uuid.uuid4().hex}" for _ in range(2))
        return (
            contract.compact_json({"heartbeat_id": probe}),
            contract.compact_json({"heartbeat_id": other}),
            [],
        )
    if path == contract.CANCEL_ALL:
        return b"", b"{}", []
    if path not in contract.CANCEL_PATHS:
        return sent, (b"{}" if sent != b"{}" else b"[]"), []
    if path == contract.CANCEL_MARKET:
        return (
            contract.compact_json(
                {"market": seeding.DEFAULT_MARKET, "asset_id": seeding.DEFAULT_ASSET}
            ),
            contract.compact_json({"market": seeding.OTHER_MARKET}),
            [],
        )
    seeded: list[str] = []
    if t.is_mock:
        ids = seeding.seed_live(client, t, 2, "auth")
    else:
        ids = [f"0xc0nf0rmance-absent-{uuid.uuid4().hex}" for _ in range(2)]
        if t.seeder is not None and live.keep_alive(t, client):
            with contextlib.suppress(live.NoOrders):
                ids = seeded = [o.id for o in live.fresh(t, 2)]
    if path == contract.ORDER:
        return (
            contract.compact_json({"orderID": ids[0]}),
            contract.compact_json({"orderID": ids[1]}),
            seeded,
        )
    return contract.compact_json(ids), contract.compact_json(ids[::-1]), seeded


class auth_covers_the_whole_request:
    """The same cancel (or heartbeat) with the signature bound to another body, path, method or
    time, or with another passphrase, api key or address, is refused with 401 and cancels nothing.

    Runs once per operation and run (the probes do not depend on the generated case). On a mock
    it seeds live orders for the probes to name and checks that none of them changed. A probe
    answered with a transient refusal (425, 429, 503) is inconclusive, not wrong: a server may
    refuse before it looks at the auth (the edge's per-IP limit, trading disabled); when every
    probe gets one, the operation is probed again on a later case.
    """

    def __init__(self) -> None:
        self.probed: set[str] = set()

    def after_response(self, ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        request = _l2_request(response)
        t = target.current()
        if (
            request is None
            or request.method != t.l2_operations()[request.path]
            or request.path in self.probed
        ):
            return None
        if request.path in contract.DESTRUCTIVE_PATHS and not t.allow_destructive:
            return None  # the hooks refuse to send these; never probe them either
        if response.status_code == 401:
            return None
        if not contract.is_correctly_signed(request, t):
            return None
        self.probed.add(request.path)
        path, method = request.path, request.method
        client = t.client()
        if t.is_mock and path in (contract.CANCEL_ALL, contract.CANCEL_MARKET):
            seeding.seed_live(client, t, 3, "auth")
        body, other_body, seeded = _probe_bodies(client, t, path, request.body)
        # The orders a cancel probe could change. Not for the heartbeat: its probes name no order,
        # and on a mock an armed key (the heartbeat cases arm it) may lapse meanwhile.
        track = t.is_mock and path in contract.CANCEL_PATHS
        before = t.admin_orders(client) if track else {}
        wrong = []
        conclusive = False
        for what, headers, sent_body in _tampered(t, path, body, other_body):
            if sent_body:
                headers = {**headers, "Content-Type": "application/json"}
            answer = client.request(method, path, content=sent_body, headers=headers)
            if answer.status_code in contract.TRANSIENT:
                continue
            conclusive = True
            if answer.status_code != 401:
                wrong.append(f"{what}: answered {answer.status_code} {answer.text[:120]}")
        if not conclusive:
            self.probed.discard(path)
        else:
            findings.completed("auth_covers_the_whole_request", f"{method} {path}")
        if not t.is_mock and path in (contract.CANCEL_ALL, contract.CANCEL_MARKET):
            live.forget_pool()  # a hole would have canceled our pooled orders too
        if seeded and conclusive:
            with contextlib.suppress(live_checks.Inconclusive, live_checks.Broken):
                wrong += live_checks.still_live_after_probes(t, seeded)
        changed = seeding.changed_ids(before, t.admin_orders(client)) if track else []
        if wrong or changed:
            lines = [f"{method} {path} with broken auth was not refused with 401 (expected 401):"]
            lines += [f"  - {line}" for line in wrong]
            if changed:
                lines.append(f"  and it changed orders: {contract.shorten(changed)}")
            raise ContractViolation("auth_covers_the_whole_request", case, "\n".join(lines))
        return None
