"""The order heartbeat's checks: a valid, correctly signed heartbeat is accepted, or refused only
with the mismatch naming another id; and the ids chain as the spec says ("" first, then the id each
accepted answer names; any other id refused with the mismatch naming the one expected).

The chain check sends heartbeats of its own, which arm the key's dead-man's switch: it runs only
where heartbeats may be sent at all (a mock, or --allow-destructive).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from schemathesis import Case, CheckContext, Response

from clob_cancel_conformance import contract, findings, live, target
from clob_cancel_conformance.findings import ContractViolation
from clob_cancel_conformance.target import Target

MISMATCH_BODY = '400 {"error_msg": "Invalid Heartbeat ID", "heartbeat_id": <the id expected>}'


def valid_signed_heartbeat_is_accepted(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """A heartbeat that is valid per the spec as sent (a JSON object with a string
    `heartbeat_id`) and correctly signed is answered 200, a documented transient refusal
    (425/429/503), or the mismatch 400 (`HeartbeatMismatch`) naming an id other than the one sent;
    never a 400 `ErrorResponse`, nor anything else.

    Why no correct server trips it: whether a schema-valid id is accepted depends on the key's
    chain, and the one documented refusal of a wrong id is the mismatch body naming the id
    expected; the ErrorResponse 400 is for a malformed request, which this is not. One answer
    cannot refuse an id as not the expected one and name that very id as the expected one.
    (schemathesis' positive_data_acceptance accepts any 400 for this operation, schemathesis.toml
    says why; this check is the tight rule.)
    """
    request = contract.sent(response.request)
    sent_id = contract.heartbeat_request_id(request)
    if sent_id is None or response.status_code in (200, *contract.TRANSIENT):
        return None
    if not contract.is_correctly_signed(request, target.current()):
        return None
    expected = (
        contract.heartbeat_expected_id(response.content) if response.status_code == 400 else None
    )
    if expected is not None and expected != sent_id:
        return None
    if expected is not None:
        raise ContractViolation(
            "valid_signed_heartbeat_is_accepted",
            case,
            f"A heartbeat with the id {sent_id!r} was refused as a mismatch naming {sent_id!r} as "
            "the id expected: the very id it refused (request: "
            f"{request.describe()}; answer: {response.text[:200]})",
        )
    raise ContractViolation(
        "valid_signed_heartbeat_is_accepted",
        case,
        f"A valid, correctly signed heartbeat was answered {response.status_code}, expected 200 "
        f"or, for an id that is not the one expected, the mismatch body {MISMATCH_BODY} "
        f"(request: {request.describe()}; answer: {response.text[:200]})",
    )


class _Inconclusive(Exception):
    """A heartbeat answer that proves nothing: a transient refusal, a malformed answer (the
    response-schema check reports it), or a refusal a lapse of the deadline could explain."""


class _Broken(Exception):
    """The chain cannot be followed any further: the problems found so far are the verdict."""


class _ChainWalk:
    """One walk along the key's heartbeat chain: the signed heartbeats the check sends itself, and
    how long since the last accepted one. (Not the keepers' HeartbeatChain in clob_cancel.)"""

    def __init__(self, t: Target) -> None:
        self.t = t
        self.client = t.client()
        self.accepted_sent_at: float | None = None  # monotonic: when the last accepted send left
        self.age = 0.0  # seconds from that send to the last answer
        # Half the deadline: a server with a shorter one than the CLOB's (--heartbeat-deadline)
        self.lapse_free = min(contract.HEARTBEAT_LAPSE_FREE_SECONDS, t.heartbeat_deadline / 2)

    def send(self, heartbeat_id: str) -> httpx.Response:
        """POST the heartbeat; a transient refusal ends the round as inconclusive."""
        body = contract.compact_json({"heartbeat_id": heartbeat_id})
        headers = {
            **self.t.signed_headers("POST", contract.HEARTBEAT, body),
            "Content-Type": "application/json",
        }
        started = time.monotonic()
        answer = self.client.post(contract.HEARTBEAT, content=body, headers=headers)
        last = self.accepted_sent_at
        self.age = time.monotonic() - (started if last is None else last)
        if answer.status_code in contract.TRANSIENT:
            raise _Inconclusive
        if answer.status_code == 200:
            self.accepted_sent_at = started
            live.heartbeat_accepted(contract.heartbeat_next_id(answer.content), started)
        return answer

    @property
    def fresh(self) -> bool:
        """Whether the last answer came within the lapse-free window of the last accepted send:
        the id that send's answer named is then still the one expected."""
        return self.accepted_sent_at is not None and self.age <= self.lapse_free

    def learn_deadline(self) -> None:
        """On a mock, which may run with a shorter deadline than the CLOB's 10 s (its
        --heartbeat-timeout), judge only within half of what it has left right after a send."""
        view = self.t.admin_heartbeat(self.client) if self.t.is_mock else None
        left = view.get("seconds_left") if view else None
        if isinstance(left, int | float) and left > 0:
            self.lapse_free = min(self.lapse_free, left / 2)

    def next_id(self, answer: httpx.Response) -> str:
        """The id an accepted heartbeat's answer names (a malformed one is not judged here)."""
        next_id = contract.heartbeat_next_id(answer.content)
        if next_id is None:
            raise _Inconclusive
        return next_id


def _shown(answer: httpx.Response) -> str:
    return f"{answer.status_code} {answer.text[:120]}"


def _first_accepted(walk: _ChainWalk) -> str:
    """Send the first heartbeat ("") and follow the ids the refusals name until one is accepted;
    the id that answer names. On a mock the key is reset first, so "" must be accepted; another
    server may have been armed before (by this run's own cases, or by any client of the key),
    and then names the id it expects, or "" once the deadline lapsed: two such steps at most."""
    if walk.t.is_mock:
        walk.t.admin_reset(walk.client)  # the key starts unarmed: its next heartbeat is its first
    sent = ""
    answer = walk.send(sent)
    if walk.t.is_mock and answer.status_code != 200:
        raise _Broken(
            'the first heartbeat of the key ({"heartbeat_id": ""}, right after a reset of the '
            f"mock) was answered {_shown(answer)}, expected 200 naming the id to send next"
        )
    for _ in range(2):
        if answer.status_code == 200:
            break
        expected = contract.heartbeat_expected_id(answer.content)
        if answer.status_code != 400 or expected is None:
            raise _Broken(
                f"the heartbeat {sent!r} was answered {_shown(answer)}, expected 200, or "
                f"{MISMATCH_BODY} on a key armed before"
            )
        if expected == sent:
            raise _Broken(
                f"the heartbeat {sent!r} was refused naming {expected!r} as the id expected: "
                "the very id it refused"
            )
        sent = expected
        answer = walk.send(sent)
    if answer.status_code != 200:
        raise _Broken(f"the id the mismatch named, {sent!r}, was refused in turn: {_shown(answer)}")
    walk.learn_deadline()
    return walk.next_id(answer)


def _heartbeat_chain_problems(walk: _ChainWalk) -> list[str]:
    """Walk the chain; what is wrong with it (raises _Inconclusive when nothing can be said)."""
    problems: list[str] = []
    try:
        previous = _first_accepted(walk)
        answer = walk.send(previous)
        if answer.status_code != 200:
            if not walk.fresh:
                raise _Inconclusive
            raise _Broken(
                f"the id the last accepted heartbeat named, {previous!r}, was refused "
                f"{walk.age:.1f} s later: {_shown(answer)}"
            )
        current = walk.next_id(answer)
        wrong = {
            "the id accepted just before (stale now)": previous,
            "an invented id": f"conformance-invented-{uuid.uuid4().hex}",
            "the empty id of a first heartbeat, on the armed key": "",
        }
        tried = set()
        for what, wrong_id in wrong.items():
            if wrong_id == current or wrong_id in tried:
                continue  # the server named the same id again (or "" next): it is not wrong
            tried.add(wrong_id)
            answer = walk.send(wrong_id)
            if not walk.fresh:
                raise _Inconclusive
            if answer.status_code == 200:
                problems.append(
                    f"{what}, {wrong_id!r}, was accepted (200), when the id expected was "
                    f"{current!r}: any id other than the expected one must get {MISMATCH_BODY}"
                )
                current = walk.next_id(answer)  # the server moved on: follow it
                continue
            expected = (
                contract.heartbeat_expected_id(answer.content)
                if answer.status_code == 400
                else None
            )
            if expected is None:
                problems.append(
                    f"{what}, {wrong_id!r}, was answered {_shown(answer)}, expected "
                    f"{MISMATCH_BODY} naming {current!r}"
                )
            elif expected != current:
                problems.append(
                    f"{what}, {wrong_id!r}, was refused naming {expected!r} as the id expected, "
                    f"but the id expected is {current!r}, named by the heartbeat accepted "
                    f"{walk.age:.1f} s before"
                )
        answer = walk.send(current)
        if answer.status_code != 200:
            if not walk.fresh:
                raise _Inconclusive
            problems.append(
                f"the id expected, {current!r}, was refused after those refusals "
                f"({_shown(answer)}): a refused heartbeat must change nothing"
            )
    except _Broken as e:
        problems.append(str(e))
    return problems


class heartbeat_accepts_only_the_expected_id:
    """The order heartbeat chains its ids: a signed first heartbeat ("") is accepted (200); the
    id an accepted heartbeat names is accepted next; the stale id (the one accepted just
    before), an invented id and "" on the armed key are each refused with the mismatch 400 naming
    the id expected; and that id is then still accepted.

    Why no correct server trips it: this is the spec's chain ("Each answer names the id to send
    next; the first send carries ""; a send with any other id than the expected one is refused
    with 400 ... naming the expected id"; a refused send changes nothing). On a mock the key is
    reset first, so "" is its first heartbeat; on another server "" may meet a key armed before,
    and the ids its refusals name are followed (two steps at most: the id armed before, then ""
    if it lapsed meanwhile). A lapse can change the expected id, but the deadline is 10 s: an
    answer that came more than 5 s after the last accepted heartbeat is not judged (on a mock,
    more than half of the deadline it reports in /_mock/heartbeats, for --heartbeat-timeout). A
    server may name the same id again (the spec only says "string"; an empty one included): an id
    equal to the one expected is never sent as a wrong one. Transient refusals (425/429/503)
    make the round inconclusive; it is tried again on a later heartbeat case (five rounds at
    most). Whether a refused send leaves the deadline alone is not observable without waiting
    out the deadline, and is not checked.

    Runs once per run (a few requests), only where heartbeats may be sent at all (the mock, or
    CONFORMANCE_ALLOW_DESTRUCTIVE=1: an accepted heartbeat arms the switch that cancels every
    open order of the key when the heartbeats stop).
    """

    ATTEMPTS = 5

    def __init__(self) -> None:
        self.attempts = 0

    def after_response(self, ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        request = contract.sent(response.request)
        t = target.current()
        if request.path != contract.HEARTBEAT or not t.allow_destructive:
            return None
        if self.attempts >= self.ATTEMPTS:
            return None
        self.attempts += 1
        try:
            problems = _heartbeat_chain_problems(_ChainWalk(t))
        except _Inconclusive:
            return None
        self.attempts = self.ATTEMPTS  # concluded: once per run
        findings.completed("heartbeat_accepts_only_the_expected_id", f"POST {contract.HEARTBEAT}")
        if problems:
            raise ContractViolation(
                "heartbeat_accepts_only_the_expected_id",
                case,
                findings.listed("The heartbeat ids do not chain as the spec says:", problems),
            )
        return None
