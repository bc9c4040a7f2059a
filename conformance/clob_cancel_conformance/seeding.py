"""Live orders for the suite to cancel, seeded on a mock through its admin surface.

Generated ids name no order, so on their own every cancel would answer "not found" and the cancel
semantics would never be exercised. On a mock, just before each cancel request the suite resets
the mock and seeds orders for the very ids the request names (ours live, ours matched, another
account's, or none, chosen by a hash of the id so a run is reproducible) and, for /cancel-all and
/cancel-market-orders, orders inside and outside the request's filter. A snapshot of every order
is taken before and after the request; the checks compare them with what the server answered.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import attrs
import httpx

from clob_cancel_conformance import contract
from clob_cancel_conformance.target import Target

# Ids the boundary examples use; they are always seeded live, so that a server that mangles
# long, non-ASCII or quoted ids fails to cancel them instead of harmlessly "not finding" them.
ALWAYS_LIVE: set[str] = set()
DEFAULT_MARKET = "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af"
DEFAULT_ASSET = "52114319501245915516055106046884209969926127482827954674443846427813813222426"
OTHER_MARKET = "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1"
OTHER_ASSET = "21742633143463906290569050155826241533067272736897614950488156847949938836455"
_KEEP = 64  # records kept (a record is only read by the checks of the request that made it)
_serial = itertools.count()


@attrs.define
class Record:
    """The mock's orders around one request: before it was sent and right after it answered."""

    before: dict[str, dict[str, str]]
    after: dict[str, dict[str, str]] | None = None


RECORDS: dict[str, Record] = {}


def changed_ids(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]) -> list[str]:
    """Ids whose order changed state (or vanished) between two snapshots."""
    return [i for i, order in before.items() if after.get(i, {}).get("state") != order["state"]]


def _order(
    order_id: str,
    owner: str,
    market: str = DEFAULT_MARKET,
    asset_id: str = DEFAULT_ASSET,
    state: str = "live",
) -> dict[str, str]:
    """One order as the mock's admin surface takes it."""
    return {"id": order_id, "owner": owner, "market": market, "asset_id": asset_id, "state": state}


def kind_of(order_id: str, has_other: bool) -> str:
    """What the seeded order for ``order_id`` is: "live", "matched", "other" or "none"."""
    if order_id in ALWAYS_LIVE:
        return "live"
    kinds = ("live", "matched", "other" if has_other else "live", "none")
    return kinds[hashlib.sha256(order_id.encode("utf-8", "surrogatepass")).digest()[0] % 4]


def orders_for_ids(ids: list[str], target: Target) -> list[dict[str, str]]:
    """Orders for the distinct, non-empty ids of a by-id cancel (the admin refuses empty ids)."""
    orders = []
    for order_id in dict.fromkeys(ids):
        kind = kind_of(order_id, target.other_owner is not None)
        if not order_id or kind == "none":
            continue
        owner = target.other_owner if kind == "other" and target.other_owner else None
        orders.append(
            _order(
                order_id,
                owner or target.creds.api_key,
                state="matched" if kind == "matched" else "live",
            )
        )
    return orders


def orders_around_filter(market: str, asset_id: str, target: Target) -> list[dict[str, str]]:
    """Orders inside and outside a market/asset filter, ours and another account's."""
    market = market or DEFAULT_MARKET
    asset_id = asset_id or DEFAULT_ASSET
    other_market = OTHER_MARKET if market != OTHER_MARKET else DEFAULT_MARKET
    other_asset = OTHER_ASSET if asset_id != OTHER_ASSET else DEFAULT_ASSET
    serial = next(_serial)
    ours = target.creds.api_key
    plan = [
        (ours, market, asset_id, "live"),
        (ours, market, other_asset, "live"),
        (ours, other_market, asset_id, "live"),
        (ours, other_market, other_asset, "live"),
        (ours, market, asset_id, "matched"),
        (ours, market, asset_id, "canceled"),
    ]
    if target.other_owner:
        plan += [
            (target.other_owner, market, asset_id, "live"),
            (target.other_owner, other_market, other_asset, "live"),
        ]
    return [
        _order(f"0xc0nf0rmance{serial:06d}{n:02d}", owner, m, a, state)
        for n, (owner, m, a, state) in enumerate(plan)
    ]


def seed_for(path: str, body: Any, target: Target) -> list[dict[str, str]]:
    """The orders to seed before a request of ``path`` with (generated) ``body``."""
    ids = contract.requested_ids(path, body)
    if ids is not None:
        return orders_for_ids(ids, target)
    if path == contract.CANCEL_ALL:
        return orders_around_filter("", "", target)
    if path == contract.CANCEL_MARKET:
        market, asset_id = contract.market_filter(body) or ("", "")
        return orders_around_filter(market, asset_id, target)
    return []


def before_request(case_id: str, path: str, body: Any, target: Target) -> None:
    """Reset the mock, seed it for this request and remember what it held."""
    if not target.is_mock or path not in contract.CANCEL_PATHS:
        return
    client = target.client()
    held = target.admin_reset(client)
    added = target.admin_add(client, seed_for(path, body, target))
    # A mock that holds nothing after the reset (the embedded one) holds exactly what was just
    # added: no need to ask (asking was a third of the seeding's time).
    before = {o["id"]: o for o in added} if held == 0 else target.admin_orders(client)
    RECORDS[case_id] = Record(before=before)
    while len(RECORDS) > _KEEP:
        del RECORDS[next(iter(RECORDS))]


def after_request(case_id: str, target: Target) -> None:
    """Remember what the mock holds right after the request (before any check sends more)."""
    record = RECORDS.get(case_id)
    if record is None or not target.is_mock:
        return
    client = target.client()
    record.after = target.admin_orders(client)


def seed_live(client: httpx.Client, target: Target, count: int, tag: str) -> list[str]:
    """``count`` fresh live orders of ours (for the checks' own follow-up requests)."""
    serial = next(_serial)
    ids = [f"0xc0nf0rmance-{tag}-{serial:06d}-{n}" for n in range(count)]
    target.admin_add(client, [_order(i, target.creds.api_key) for i in ids])
    return ids
