"""Live orders for the checks, on any server: from the seed command (seeder.py), or on a mock
from its admin surface; and the one thing that can cancel them behind the suite's back, the
key's heartbeat switch, which the suite's own heartbeats arm.

State of one run (reset by run.run_cli): a pool of seeded orders of ours never sent in a request
(for generated cases), what the last accepted heartbeat of the key named, and a seeder failure.

A verdict that an order is still live (or was canceled by the request) holds only if the
switch cannot have fired in between. The heartbeat cases and checks arm it on a server that is
not a mock; so before the checks' own sequences the suite refreshes an armed key
(`keep_alive`), and a pooled order seeded while an armed key could still lapse is never judged
live (`may_have_lapsed`): that skips a judgment, never makes one.
"""

from __future__ import annotations

import itertools
import time
import uuid

import attrs
import httpx

from clob_cancel_conformance import contract
from clob_cancel_conformance.seeder import Seeded, SeederError
from clob_cancel_conformance.target import Target

POOL_BATCH = 12  # orders of ours seeded at once for the generated cases
# Beyond the deadline, the documented buffer (5 s on 10 s: half as much again) and this margin.
LAPSE_MARGIN_SECONDS = 2.0
# The reference markets for a mock's admin seeding: two markets, two assets each.
MOCK_MARKETS = (
    ("0xc0nf0rmance-market-a", ("0xc0nf0rmance-asset-a1", "0xc0nf0rmance-asset-a2")),
    ("0xc0nf0rmance-market-b", ("0xc0nf0rmance-asset-b1", "0xc0nf0rmance-asset-b2")),
)
_serial = itertools.count()


class NoOrders(Exception):
    """No live orders to be had (the seeder failed: recorded, and the run fails at its end)."""


@attrs.define
class RunState:
    pool: list[tuple[Seeded, float]] = attrs.Factory(list)  # (order, monotonic time seeded)
    last_accepted: float | None = None  # monotonic time of the key's last accepted heartbeat
    next_id: str | None = None  # what that answer named
    seeder_failure: str | None = None


state = RunState()


def reset() -> None:
    global state
    state = RunState()


def lapse_window(t: Target) -> float:
    """Seconds after an accepted heartbeat within which a correct server's switch fires."""
    return 1.5 * t.heartbeat_deadline + LAPSE_MARGIN_SECONDS


def heartbeat_accepted(next_id: str | None, at: float | None = None) -> None:
    """A heartbeat of the key was accepted (by a case or a check): the switch is armed."""
    state.last_accepted = time.monotonic() if at is None else at
    state.next_id = next_id


def may_have_lapsed(t: Target, since: float) -> bool:
    """Whether the switch may have fired (canceling every order of ours) after ``since``."""
    if t.is_mock or state.last_accepted is None:
        return False
    return state.last_accepted + lapse_window(t) > since


def keep_alive(t: Target, client: httpx.Client) -> bool:
    """Refresh an armed key (send the id its last answer named, following one mismatch), so
    the switch cannot fire for a deadline; False when it may be armed and was not refreshed."""
    if t.is_mock or state.last_accepted is None:
        return True
    if time.monotonic() - state.last_accepted > lapse_window(t):
        return True  # lapsed (or refreshed by someone else, whose business it is)
    sent = state.next_id
    for _ in range(2):
        if not sent:
            return False
        body = contract.compact_json({"heartbeat_id": sent})
        headers = {
            **t.signed_headers("POST", contract.HEARTBEAT, body),
            "Content-Type": "application/json",
        }
        started = time.monotonic()
        answer = client.post(contract.HEARTBEAT, content=body, headers=headers)
        if answer.status_code == 200:
            heartbeat_accepted(contract.heartbeat_next_id(answer.content), started)
            return True
        sent = contract.heartbeat_expected_id(answer.content) if answer.status_code == 400 else None
    return False


def _from_mock(t: Target, count: int, owner: str) -> list[Seeded]:
    """Open orders added through a mock's admin surface, spread over two markets and assets."""
    owner_key = t.creds.api_key if owner == "self" else t.other_owner
    if owner_key is None:
        raise NoOrders
    serial = next(_serial)
    orders = []
    for n in range(count):
        market, assets = MOCK_MARKETS[n % 2]
        asset_id = assets[(n // 2) % 2]
        order_id = f"0xc0nf0rmance-live-{serial:06d}-{n}-{uuid.uuid4().hex[:8]}"
        orders.append(Seeded(order_id, market, asset_id, owner))
    t.admin_add(
        t.client(),
        [
            {"id": o.id, "owner": owner_key, "market": o.market, "asset_id": o.asset_id}
            for o in orders
        ],
    )
    return orders


def fresh(t: Target, count: int, owner: str = "self") -> list[Seeded]:
    """``count`` open orders of ``owner`` ("self", "other") never sent in a request, from the
    seed command (ours through the pool, unless the switch may have fired since they were
    seeded) or, on a mock without one, its admin surface (a mock is reset before each cancel
    case, so nothing is pooled there). NoOrders when there are none to be had."""
    if owner == "self" and not t.is_mock and t.seeder is not None:
        state.pool = [(o, at) for o, at in state.pool if not may_have_lapsed(t, at)]
        return [o for o, _ in take(t, count)]
    return _seed(t, count, owner)


def _seed(t: Target, count: int, owner: str) -> list[Seeded]:
    if state.seeder_failure is not None:
        raise NoOrders
    if t.seeder is None:
        if not t.is_mock:
            raise NoOrders
        return _from_mock(t, count, owner)
    try:
        return t.seeder.seed(count, owner, t.base_url, t.creds, t.address)
    except SeederError as e:
        state.seeder_failure = str(e)
        raise NoOrders from None


def take(t: Target, count: int) -> list[tuple[Seeded, float]]:
    """``count`` pooled orders of ours (seeded earlier, never sent), refilling the pool."""
    if len(state.pool) < count:
        seeded_at = time.monotonic()
        orders = _seed(t, max(count, POOL_BATCH), "self")
        state.pool += [(o, seeded_at) for o in orders]
    taken, state.pool = state.pool[:count], state.pool[count:]
    return taken


def forget_pool() -> None:
    """Every order of ours may be canceled now (the switch fired): none is pooled any more."""
    state.pool.clear()
