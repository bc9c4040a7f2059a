"""The checks that need live orders, judged by the server's own answers (any server with a seed
command, or a mock), and the dead-man's switch firing.

`live_orders_cancel_as_reported`: once per cancel operation, a short sequence on freshly seeded
orders (ours and another account's): what is reported canceled was live and is not live
afterwards (a re-cancel lands in `not_canceled`); an order never named, or outside the filter,
is still live afterwards (a later cancel of it succeeds); another account's order never appears
in `canceled`; after /cancel-all none of ours is live; a refused request changes nothing. And on
every generated /order and /orders case into which the hooks put pooled live orders (a share of
them, duplicates included): the same judgments on those ids.

`dead_mans_switch_fires`: arm the heartbeat, keep it alive past the deadline (the orders must
stay live), stop, wait the deadline and half as much again (the documented buffer) plus a margin,
and the seeded orders must no longer be live.

checks.py registers both, with the suite's other checks, in the order they run.
"""

from __future__ import annotations

import time
from typing import Any

import attrs
import httpx
from schemathesis import Case, CheckContext, Response

from clob_cancel_conformance import contract, findings, live, target
from clob_cancel_conformance.contract import TRANSIENT, Sent
from clob_cancel_conformance.findings import ContractViolation
from clob_cancel_conformance.seeder import Seeded
from clob_cancel_conformance.target import Target

ATTEMPTS = 3  # inconclusive rounds (transient answers, an armed key not refreshed) per check


class Inconclusive(Exception):
    """Nothing can be said this time (a transient refusal, no live orders, a possible lapse)."""


class Broken(Exception):
    """The sequence cannot go on: the problems so far are the verdict."""


@attrs.frozen
class Substituted:
    """Pooled live orders the hooks put into a generated /order or /orders case."""

    ours: tuple[tuple[str, float], ...]  # (id, monotonic time seeded)
    others: tuple[str, ...]


SUBSTITUTED: dict[str, Substituted] = {}
_KEEP = 64


def substitute(case_id: str, path: str, body: Any, t: Target, serial: int) -> Any:
    """On a server that is not a mock, with a seed command: every third well-formed /order or
    /orders body gets pooled live orders of ours in place of generated ids (a duplicate, and
    another account's order, where the list is long enough); the body to send."""
    if t.is_mock or t.seeder is None or serial % 3 != 0:
        return body
    ids = contract.requested_ids(path, body)
    if not ids:
        return body
    try:
        count = 2 if len(ids) >= 3 else 1
        pooled = live.take(t, count)
        others = list(_others(t)) if len(ids) >= 4 else []
    except live.NoOrders:
        return body
    ours = [o.id for o, _ in pooled]
    ids = list(ids)
    ids[0] = ours[0]
    if len(ids) >= 3:
        ids[1], ids[2] = ours[0], ours[1]  # a duplicate of a live one, and a second one
    if others:
        ids[3] = others[0]
    SUBSTITUTED[case_id] = Substituted(tuple((o.id, at) for o, at in pooled), tuple(others[:1]))
    while len(SUBSTITUTED) > _KEEP:
        del SUBSTITUTED[next(iter(SUBSTITUTED))]
    if path == contract.ORDER:
        return {**body, "orderID": ids[0]}
    return ids


_other_orders: dict[str, list[Seeded]] = {}


def _others(t: Target) -> list[str]:
    """Another account's open orders, seeded once per run and target (never ours to cancel)."""
    if t.base_url not in _other_orders:
        _other_orders[t.base_url] = live.fresh(t, 2, "other")
    return [o.id for o in _other_orders[t.base_url]]


def reset() -> None:
    SUBSTITUTED.clear()
    _other_orders.clear()


class _Session:
    """Signed cancels sent by a check itself."""

    def __init__(self, t: Target) -> None:
        self.t = t
        self.client = t.client()

    def cancel(self, path: str, value: Any = None) -> tuple[list[str], dict[str, str]]:
        """(canceled, not_canceled) of a signed DELETE; Inconclusive on a transient answer."""
        body = b"" if value is None else contract.compact_json(value)
        headers = self.t.signed_headers("DELETE", path, body)
        if body:
            headers["Content-Type"] = "application/json"
        answer = self.client.request("DELETE", path, content=body, headers=headers)
        if answer.status_code in TRANSIENT:
            raise Inconclusive
        parsed = contract.cancel_answer(answer.content) if answer.status_code == 200 else None
        if parsed is None and answer.status_code == 200:
            raise Inconclusive  # malformed: response_schema_conformance reports it
        if parsed is None:
            shown = body.decode("utf-8", "replace")[:80]
            raise Broken(
                f"a valid, signed DELETE {path} {shown} was answered {answer.status_code}: "
                f"{answer.text[:120]}"
            )
        return parsed

    def status(self, path: str, value: Any) -> int:
        body = contract.compact_json(value)
        headers = {
            **self.t.signed_headers("DELETE", path, body),
            "Content-Type": "application/json",
        }
        return self.client.request("DELETE", path, content=body, headers=headers).status_code

    def still_live(self, ids: list[str], what: str) -> list[str]:
        """Problems if any of ``ids`` (ours, live as far as the suite knows) cannot be canceled
        now: it is not live any more."""
        if not ids:
            return []
        canceled, not_canceled = self.cancel(contract.ORDERS, ids)
        gone = [i for i in ids if i not in canceled]
        return [
            f"{what} {i!r} is no longer live: a cancel of it now answered "
            f"{not_canceled.get(i, 'nothing about it')!r}"
            for i in gone
        ]

    def not_live(self, ids: list[str], what: str) -> list[str]:
        """Problems if any of ``ids`` can still be canceled (it was still live)."""
        if not ids:
            return []
        canceled, _ = self.cancel(contract.ORDERS, ids)
        return [
            f"{what} {i!r} was still live (a second cancel canceled it)"
            for i in ids
            if i in canceled
        ]


def _missing(
    ids: list[str], canceled: list[str], not_canceled: dict[str, str], what: str
) -> list[str]:
    return [
        f"{what} {i!r} was not canceled ({not_canceled.get(i, 'not in the answer')!r})"
        for i in ids
        if i not in canceled
    ]


def _touched(ids: list[str], canceled: list[str], what: str) -> list[str]:
    return [f"{what} {i!r} was reported canceled" for i in ids if i in canceled]


def _other_ids(t: Target) -> list[str]:
    """An order of another account (seeded once per run: never ours to cancel, it stays
    reusable), or none where there is no other account (a mock with one account); with a seed
    command, it must provide them. On a mock, one fresh each time (the mock is reset)."""
    try:
        if t.is_mock:
            return [o.id for o in live.fresh(t, 1, "other")]
        return _others(t)[:1]
    except live.NoOrders:
        if t.seeder is not None:
            raise
        return []


def _by_id(s: _Session, t: Target) -> list[str]:
    a, b = (o.id for o in live.fresh(t, 2))
    others = _other_ids(t)
    problems = []
    canceled, not_canceled = s.cancel(contract.ORDER, {"orderID": a})
    problems += _missing([a], canceled, not_canceled, "our live order")
    canceled, _ = s.cancel(contract.ORDER, {"orderID": a})
    problems += _touched([a], canceled, "canceled again, our order")
    for x in others:
        canceled, _ = s.cancel(contract.ORDER, {"orderID": x})
        problems += _touched([x], canceled, "another account's order")
    problems += s.still_live([b], "our order, never named,")
    return problems


def _by_ids(s: _Session, t: Target) -> list[str]:
    a, b, c, d = (o.id for o in live.fresh(t, 4))
    others = _other_ids(t)
    problems = []
    canceled, not_canceled = s.cancel(contract.ORDERS, [a, a, b, *others])
    problems += _missing([a, b], canceled, not_canceled, "our live order")
    problems += _touched(others, canceled, "another account's order")
    if canceled.count(a) > 1 or (a in canceled and a in not_canceled):
        problems.append(f"the duplicated id {a!r} was answered more than once")
    canceled, _ = s.cancel(contract.ORDERS, [a, b])
    problems += _touched([a, b], canceled, "canceled again, our order")
    too_many = [c, *(f"0x{n:064x}" for n in range(1, contract.max_ids() + 1))]
    status = s.status(contract.ORDERS, too_many)
    if status in TRANSIENT:
        raise Inconclusive
    if 200 <= status < 300:
        problems.append(f"{len(too_many)} ids were accepted ({status}), more than the maximum")
    problems += s.still_live([c], f"our order, named in a request refused with {status},")
    problems += s.still_live([d], "our order, never named,")
    return problems


def _cancel_all(s: _Session, t: Target) -> list[str]:
    ours = [o.id for o in live.fresh(t, 4)]
    others = _other_ids(t)
    live.forget_pool()
    canceled, not_canceled = s.cancel(contract.CANCEL_ALL)
    problems = _missing(ours, canceled, not_canceled, "our live order")
    problems += _touched(others, canceled, "another account's order")
    problems += s.not_live(ours, "after /cancel-all, our order")
    return problems


def _cancel_market(s: _Session, t: Target) -> list[str]:
    ours = live.fresh(t, 4)
    others = _other_ids(t)
    market, asset_id = ours[0].market, ours[0].asset_id
    inside = [o.id for o in ours if (o.market, o.asset_id) == (market, asset_id)]
    outside = [o.id for o in ours if o.id not in inside]
    if not outside:
        findings.not_run(
            "live_orders_cancel_as_reported",
            "DELETE /cancel-market-orders",
            "the seed command put every order in one market and asset (spread them over at least "
            "two markets and two assets)",
        )
        return []
    live.forget_pool()
    canceled, not_canceled = s.cancel(
        contract.CANCEL_MARKET, {"market": market, "asset_id": asset_id}
    )
    problems = _missing(inside, canceled, not_canceled, "our live order inside the filter")
    problems += _touched(outside, canceled, "our order outside the filter")
    problems += _touched(others, canceled, "another account's order")
    problems += s.still_live(
        [i for i in outside if i not in canceled], "our order outside the filter"
    )
    problems += s.not_live(inside, "canceled by the filter, our order")
    return problems


def still_live_after_probes(t: Target, ids: list[str]) -> list[str]:
    """Problems if seeded orders of ours, named only by requests with broken auth, are gone."""
    return _Session(t).still_live(ids, "our order, named only in requests with broken auth,")


SEQUENCES = {
    contract.ORDER: _by_id,
    contract.ORDERS: _by_ids,
    contract.CANCEL_ALL: _cancel_all,
    contract.CANCEL_MARKET: _cancel_market,
}


def _generated_case_problems(
    s: _Session, t: Target, request: Sent, response: Response, record: Substituted
) -> list[str]:
    answer = contract.cancel_answer(response.content) if response.status_code == 200 else None
    canceled, not_canceled = answer or ([], {})
    problems = _touched(list(record.others), canceled, "another account's order")
    judged = [i for i, at in record.ours if not live.may_have_lapsed(t, at)]
    if answer is not None and contract.valid_cancel_request(request, t):
        problems += _missing(judged, canceled, not_canceled, "our live order")
    elif response.status_code >= 400 and response.status_code not in TRANSIENT:
        problems += s.still_live(
            list(dict.fromkeys(judged)),
            f"our order, named in a request refused with {response.status_code},",
        )
    return problems


class live_orders_cancel_as_reported:
    """Judged by the server's own answers, on orders the seed command (or a mock) created: a
    cancel cancels the live orders of ours it names or covers, and only those; another account's
    order never appears in `canceled`; what was reported canceled is not live afterwards; a
    refused request changes nothing. (The module docstring has the sequences.)"""

    def __init__(self) -> None:
        self.attempts: dict[str, int] = {}

    def after_response(self, ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        t = target.current()
        request = contract.sent(response.request)
        if request.path not in contract.CANCEL_PATHS or response.status_code in TRANSIENT:
            return None
        s = _Session(t)
        problems: list[str] = []
        record = SUBSTITUTED.pop(str(case.id), None) if case is not None else None
        try:
            if record is not None:
                problems += _generated_case_problems(s, t, request, response, record)
            problems += self.sequence(s, t, request.path)
        except (Inconclusive, live.NoOrders):
            pass
        except Broken as e:
            problems.append(str(e))
        if problems:
            raise ContractViolation(
                "live_orders_cancel_as_reported",
                case,
                findings.listed(
                    f"DELETE {request.path} on live orders did not do what it reported:",
                    problems,
                    8,
                ),
            )
        return None

    def sequence(self, s: _Session, t: Target, path: str) -> list[str]:
        """The operation's sequence, once per run (up to ATTEMPTS inconclusive tries)."""
        if not t.has_live_orders or self.attempts.get(path, 0) >= ATTEMPTS:
            return []
        if path in contract.DESTRUCTIVE_PATHS and not t.allow_destructive:
            return []
        self.attempts[path] = self.attempts.get(path, 0) + 1
        if not live.keep_alive(t, s.client):
            raise Inconclusive
        refreshed = time.monotonic()
        problems = SEQUENCES[path](s, t)
        armed = live.may_have_lapsed(t, refreshed)
        if armed and time.monotonic() - refreshed > t.heartbeat_deadline / 2:
            raise Inconclusive  # the switch may have fired meanwhile
        self.attempts[path] = ATTEMPTS
        findings.completed("live_orders_cancel_as_reported", f"DELETE {path}")
        return problems


# -- the dead-man's switch -------------------------------------------------------------------


def _send(s: _Session, heartbeat_id: str) -> tuple[httpx.Response, float]:
    body = contract.compact_json({"heartbeat_id": heartbeat_id})
    headers = {
        **s.t.signed_headers("POST", contract.HEARTBEAT, body),
        "Content-Type": "application/json",
    }
    started = time.monotonic()
    answer = s.client.post(contract.HEARTBEAT, content=body, headers=headers)
    if answer.status_code == 200:
        live.heartbeat_accepted(contract.heartbeat_next_id(answer.content), started)
    return answer, started


def _arm(s: _Session) -> tuple[str, float]:
    """Arm the key (send "", following a mismatch to the id it names): (next id, when sent)."""
    sent = ""
    for _ in range(3):
        answer, started = _send(s, sent)
        if answer.status_code == 200:
            next_id = contract.heartbeat_next_id(answer.content)
            if next_id is None:
                raise Inconclusive
            return next_id, started
        expected = (
            contract.heartbeat_expected_id(answer.content) if answer.status_code == 400 else None
        )
        if expected is None or expected == sent:
            raise Inconclusive  # the chain itself is heartbeat_accepts_only_the_expected_id's
        sent = expected
    raise Inconclusive


def _switch_problems(s: _Session, t: Target) -> list[str]:
    deadline = t.heartbeat_deadline
    orders = [o.id for o in live.fresh(t, 3)]
    next_id, last_ok = _arm(s)
    armed_at = last_ok
    interval = deadline / 4
    while time.monotonic() - armed_at < 1.5 * deadline + 0.5:
        time.sleep(max(0.0, last_ok + interval - time.monotonic()))
        answer, started = _send(s, next_id)
        if answer.status_code == 200:
            next_id = contract.heartbeat_next_id(answer.content) or ""
            last_ok = started
            if not next_id:
                raise Inconclusive
        elif answer.status_code not in TRANSIENT or time.monotonic() - last_ok > deadline / 2:
            raise Inconclusive  # another client took the chain, or it cannot be kept alive
    kept = time.monotonic() - armed_at
    canceled, not_canceled = s.cancel(contract.ORDER, {"orderID": orders[0]})
    live.forget_pool()
    if orders[0] not in canceled:
        return [
            f"the switch fired while heartbeats arrived on time: our order {orders[0]!r} was not "
            f"live after {kept:.1f} s of accepted heartbeats every {interval:g} s (deadline "
            f"{deadline:g} s; the cancel answered {not_canceled.get(orders[0], 'nothing')!r})"
        ]
    # A correct server fires between the deadline and half as much again: look once just past
    # the deadline (most fire then: done early), and if that order was still live, once more
    # at the end of the window.
    time.sleep(max(0.0, last_ok + deadline + 1 - time.monotonic()))
    canceled, _ = s.cancel(contract.ORDER, {"orderID": orders[1]})
    if orders[1] not in canceled:
        canceled, _ = s.cancel(contract.ORDER, {"orderID": orders[2]})
        if orders[2] in canceled:
            return [
                f"the switch canceled only some of our orders: {orders[2]!r} was still live "
                f"{time.monotonic() - last_ok:.1f} s after the last accepted heartbeat, "
                f"{orders[1]!r} was not"
            ]
        return []
    time.sleep(max(0.0, last_ok + live.lapse_window(t) - time.monotonic()))
    waited = time.monotonic() - last_ok
    canceled, _ = s.cancel(contract.ORDER, {"orderID": orders[2]})
    if orders[2] in canceled:
        return [
            f"the switch never fired: our orders were still live {waited:.1f} s after the last "
            f"accepted heartbeat (deadline {deadline:g} s, and half as much again is allowed): "
            f"{orders[1]!r} and {orders[2]!r}"
        ]
    return []


class dead_mans_switch_fires:
    """The order heartbeat's dead-man's switch: armed and kept alive past the deadline, the
    key's orders stay live; once the heartbeats stop, they are canceled within the deadline and
    half as much again (the documented "up to a 5-second buffer" on 10 s). Needs a seed command
    and destructive checks (--allow-destructive); --heartbeat-deadline for a server whose
    deadline is not 10 s. Takes about three deadlines."""

    def __init__(self) -> None:
        self.attempts = 0

    def after_response(self, ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        t = target.current()
        request = contract.sent(response.request)
        if request.path != contract.HEARTBEAT or self.attempts >= ATTEMPTS:
            return None
        if t.seeder is None or not t.allow_destructive or not t.check_switch:
            return None
        self.attempts += 1
        try:
            problems = _switch_problems(_Session(t), t)
        except (Inconclusive, live.NoOrders):
            return None
        except Broken as e:
            problems = [str(e)]
        self.attempts = ATTEMPTS
        findings.completed("dead_mans_switch_fires", f"POST {contract.HEARTBEAT}")
        if problems:
            raise ContractViolation("dead_mans_switch_fires", case, "\n".join(problems))
        return None
