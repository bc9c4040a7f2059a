"""The cancel checks: what a cancel answers and what it does. Every id requested is answered
exactly once; too many ids are refused; a valid, correctly signed cancel is accepted; on a mock,
a cancel changes exactly the orders it reports canceled (snapshots seeding.py takes around the
request); and an id reported canceled, canceled again, is reported not canceled.

Whether a cancel did what it reported on a server that is not a mock is live_checks.py's job.
"""

from __future__ import annotations

from typing import Any

from schemathesis import Case, CheckContext, Response

from clob_cancel_conformance import contract, findings, seeding, target
from clob_cancel_conformance.contract import Sent
from clob_cancel_conformance.findings import ContractViolation
from clob_cancel_conformance.target import Target

# -- the answer of a by-id cancel -------------------------------------------------------------


def every_requested_id_answered_once(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """Each id requested from /order or /orders is in exactly one of `canceled` and
    `not_canceled`, no id is there twice, and no id appears that was not requested; for the
    bulk cancels, no id is both canceled and not canceled."""
    request = contract.cancel_request(response)
    if request is None or response.status_code != 200:
        return None
    answer = contract.cancel_answer(response.content)
    if answer is None:
        return None
    canceled, not_canceled = answer
    problems = []
    twice = sorted({i for i in canceled if canceled.count(i) > 1})
    if twice:
        problems.append(f"ids listed twice in canceled: {contract.shorten(twice)}")
    both = sorted(set(canceled) & set(not_canceled))
    if both:
        problems.append(f"ids in both canceled and not_canceled: {contract.shorten(both)}")
    ids = contract.requested_ids(request.path, request.json())
    if ids is not None:
        answered = set(canceled) | set(not_canceled)
        missing = [i for i in dict.fromkeys(ids) if i not in answered]
        extra = sorted(answered - set(ids))
        if missing:
            problems.append(f"requested ids missing from the answer: {contract.shorten(missing)}")
        if extra:
            problems.append(f"ids in the answer that were not requested: {contract.shorten(extra)}")
    if problems:
        raise ContractViolation(
            "every_requested_id_answered_once",
            case,
            findings.listed(
                f"The answer to {request.method} {request.path} does not account for the "
                "requested ids exactly once:",
                problems,
            ),
        )
    return None


def too_many_ids_are_refused(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """More ids than the documented maximum in one DELETE /orders is refused with 400."""
    request = contract.cancel_request(response)
    if request is None or request.path != contract.ORDERS:
        return None
    body = request.json()
    if not isinstance(body, list) or len(body) <= contract.max_ids():
        return None
    if response.status_code in (400, 413, 401, *contract.TRANSIENT):
        return None
    raise ContractViolation(
        "too_many_ids_are_refused",
        case,
        f"DELETE /orders with {len(body)} ids (the maximum is {contract.max_ids()}) was answered "
        f'{response.status_code}, expected 400 "Too many orders in payload, max allowed: '
        f'{contract.max_ids()}"',
    )


def valid_signed_cancel_is_accepted(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """A cancel that is valid per the spec as sent (body, content type) and correctly signed is
    answered 200 (or a documented transient 425/429/503), whatever its ids: long, non-ASCII,
    quoted, empty, or exactly the maximum number of them.

    Judged on the bytes sent, so it covers the suite's boundary examples, which carry no
    generation metadata for schemathesis' own positive_data_acceptance to go by.
    """
    request = contract.cancel_request(response)
    if request is None or request.method != "DELETE" or request.query:
        return None
    if response.status_code in (200, *contract.TRANSIENT):
        return None
    if not contract.request_schema_valid(request) or not contract.is_correctly_signed(
        request, target.current()
    ):
        return None
    raise ContractViolation(
        "valid_signed_cancel_is_accepted",
        case,
        f"A valid, correctly signed cancel was answered {response.status_code}, expected 200 "
        f"(request: {request.describe()}; answer: {response.text[:200]})",
    )


# -- what a cancel did to the orders (mock: admin snapshots) -----------------------------------


def _owner_label(order: dict[str, str], t: Target) -> str:
    return "ours" if order.get("owner") == t.creds.api_key else "another account's"


def cancel_changes_exactly_what_it_reports(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """On a mock: a cancel changes exactly the orders it reports canceled, each of them one of
    our live orders that the request named (or that its filter covers); every such order is
    canceled; another account's orders and matched orders are never touched; and a refused
    request (4xx/5xx) changes nothing."""
    request = contract.cancel_request(response)
    t = target.current()
    record = seeding.RECORDS.get(case.id)
    if request is None or not t.is_mock or record is None or record.after is None:
        return None
    before, after = record.before, record.after
    changed = seeding.changed_ids(before, after)
    if response.status_code != 200:
        if changed:
            raise ContractViolation(
                "cancel_changes_exactly_what_it_reports",
                case,
                f"{request.method} {request.path} was answered {response.status_code} but changed "
                f"orders: {contract.shorten(changed)}",
            )
        return None
    answer = contract.cancel_answer(response.content)
    if answer is None:
        return None
    reported = set(answer[0])
    expected = should_cancel(request, before, t)
    problems = []
    for i in changed:
        order = before[i]
        if order["owner"] != t.creds.api_key or order["state"] != "live":
            problems.append(f"{_owner_label(order, t)} {order['state']} order {i!r} was canceled")
        elif expected is not None and i not in expected:
            problems.append(
                f"our live order {i!r} (market {order['market'][:20]}…, asset "
                f"{order['asset_id'][:20]}…) was canceled, but the request does not name it "
                "nor does its filter cover it"
            )
        elif i not in reported:
            problems.append(f"order {i!r} was canceled but not reported in canceled")
    for i in sorted(reported - set(changed)):
        now = after.get(i, {}).get("state", "absent")
        problems.append(
            f"reported canceled, but order {i!r} is {now} (it was not canceled by this request)"
        )
    for i in expected or ():
        if i not in reported:
            reason = answer[1].get(i, "not in the answer")
            problems.append(f"our live order {i!r} was not canceled ({reason!r})")
    if problems:
        raise ContractViolation(
            "cancel_changes_exactly_what_it_reports",
            case,
            findings.listed(
                f"{request.method} {request.path} did not do what it reported:", problems, 8
            ),
        )
    return None


def should_cancel(request: Sent, before: dict[str, dict[str, str]], t: Target) -> list[str] | None:
    """Our live orders the request must cancel (None when the body is not a valid request)."""
    body = request.json()
    ours_live = {
        i: o for i, o in before.items() if o["owner"] == t.creds.api_key and o["state"] == "live"
    }
    ids = contract.requested_ids(request.path, body)
    if ids is not None:
        return [i for i in dict.fromkeys(ids) if i in ours_live]
    if request.path == contract.CANCEL_ALL:
        return list(ours_live)
    if request.path == contract.CANCEL_MARKET:
        flt = contract.market_filter(body)
        if flt is None or contract.filter_key_in_other_case(body):
            return None
        market, asset_id = flt
        return [
            i
            for i, o in ours_live.items()
            if (not market or o["market"] == market) and (not asset_id or o["asset_id"] == asset_id)
        ]
    return None


# -- canceling again ----------------------------------------------------------------------------


def canceled_order_cannot_be_canceled_again(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """Canceling again an id the server just reported canceled (by id, by /cancel-all or by
    /cancel-market-orders) reports it in `not_canceled`. A second cancel answered with a
    transient refusal (425, 429, 503: the first one may have emptied the signer's cancel bucket)
    says nothing about the ids and is not judged."""
    request = contract.cancel_request(response)
    if request is None or response.status_code != 200:
        return None
    answer = contract.cancel_answer(response.content)
    if answer is None or not answer[0]:
        return None
    canceled = list(dict.fromkeys(answer[0]))
    t = target.current()
    problems = []
    client = t.client()
    if request.path == contract.ORDER and len(canceled) == 1:
        batches = [(contract.ORDER, canceled, contract.compact_json({"orderID": canceled[0]}))]
    else:
        size = contract.max_ids()
        batches = [
            (contract.ORDERS, part, contract.compact_json(part))
            for part in (canceled[n : n + size] for n in range(0, len(canceled), size))
        ]
    for path, ids, body in batches:
        headers = {**t.signed_headers("DELETE", path, body), "Content-Type": "application/json"}
        again = client.request("DELETE", path, content=body, headers=headers)
        if again.status_code in contract.TRANSIENT:
            continue
        second = contract.cancel_answer(again.content) if again.status_code == 200 else None
        if second is None:
            problems.append(
                f"DELETE {path} again was answered {again.status_code}: {again.text[:120]}"
            )
            continue
        recanceled = [i for i in second[0] if i in set(canceled)]
        unanswered = [i for i in ids if i not in second[1]]
        if recanceled:
            problems.append(f"reported canceled a second time: {contract.shorten(recanceled)}")
        elif unanswered:
            problems.append(f"not in not_canceled the second time: {contract.shorten(unanswered)}")
    if problems:
        raise ContractViolation(
            "canceled_order_cannot_be_canceled_again",
            case,
            findings.listed(
                f"Canceling again the ids {request.method} {request.path} reported canceled:",
                problems,
            ),
        )
    return None
