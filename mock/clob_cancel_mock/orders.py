"""Order state and the cancel semantics, behind one lock so concurrent cancels cancel once."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import attrs

State = Literal["live", "matched", "canceled"]
STATES: tuple[State, ...] = ("live", "matched", "canceled")

# The real server's texts (docs' OpenAPI examples).
NOT_FOUND = "Order not found or already canceled"
MATCHED = "Order already matched"

EXAMPLE_MARKETS = (
    "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af",
    "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1",
    "0x26ee82bee2493a302d21283cb578f7e2fff2dd15743854f53034d12420863b55",
)


class OrderError(ValueError):
    """An order given to the admin surface or a seed file is malformed; says which and why."""


@attrs.define
class Order:
    """One order; ``owner`` is the api key of the account that posted it."""

    id: str
    owner: str
    market: str = ""
    asset_id: str = ""
    state: State = "live"

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "owner": self.owner,
            "market": self.market,
            "asset_id": self.asset_id,
            "state": self.state,
        }


def order_from_json(
    item: Any, where: str, default_owner: str, known_owners: Iterable[str]
) -> Order:
    """Parse one order object (admin surface, seed file); errors name ``where`` and the field."""
    if not isinstance(item, Mapping):
        raise OrderError(f"{where}: expected an object, got {type(item).__name__}")
    unknown = set(item) - {"id", "owner", "market", "asset_id", "state"}
    if unknown:
        raise OrderError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    fields: dict[str, str] = {}
    for name in ("id", "owner", "market", "asset_id", "state"):
        value = item.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise OrderError(f"{where}.{name}: expected a string, got {type(value).__name__}")
        fields[name] = value
    if not fields.get("id"):
        raise OrderError(f"{where}.id: required, a non-empty string")
    owner = fields.setdefault("owner", default_owner)
    if owner not in set(known_owners):
        raise OrderError(f"{where}.owner: no account has this api key")
    state = fields.get("state", "live")
    if state not in STATES:
        raise OrderError(f"{where}.state: must be one of {', '.join(STATES)}, got {state!r}")
    return Order(
        id=fields["id"],
        owner=owner,
        market=fields.get("market", ""),
        asset_id=fields.get("asset_id", ""),
        state=state,  # checked against STATES above
    )


def generated_orders(count: int, owner: str) -> list[Order]:
    """``count`` live orders for ``owner``: deterministic 32-byte hex ids over three markets."""
    orders = []
    for i in range(count):
        order_id = "0x" + hashlib.sha256(f"clob-cancel-mock/{owner}/{i}".encode()).hexdigest()
        market = EXAMPLE_MARKETS[i % len(EXAMPLE_MARKETS)]
        asset_id = str(int(hashlib.sha256(f"{market}/{i % 2}".encode()).hexdigest(), 16))
        orders.append(Order(id=order_id, owner=owner, market=market, asset_id=asset_id))
    return orders


@attrs.frozen
class CancelResult:
    """What one cancel request did, in the response's shape."""

    canceled: list[str]
    not_canceled: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"canceled": self.canceled, "not_canceled": self.not_canceled}


class OrderBook:
    """All orders by id. Every read and change holds ``lock`` (a plain threading lock: handlers
    never await while holding it, and MockServer's caller thread uses it too)."""

    def __init__(self, orders: Iterable[Order] = ()) -> None:
        self.lock = threading.Lock()
        self._orders: dict[str, Order] = {}
        self.add(orders)

    def add(self, orders: Iterable[Order]) -> None:
        """Add orders; an order whose id exists replaces it (so tests can re-arm an order)."""
        with self.lock:
            for order in orders:
                self._orders[order.id] = attrs.evolve(order)

    def all(self) -> list[Order]:
        """A copy of every order, in the order they were added."""
        with self.lock:
            return [attrs.evolve(order) for order in self._orders.values()]

    def replace_all(self, orders: Iterable[Order]) -> None:
        with self.lock:
            self._orders = {order.id: attrs.evolve(order) for order in orders}

    # The semantics: small methods so that a deliberately broken variant overrides one of them.

    def reason_not_cancelable(self, owner: str, order: Order | None) -> str | None:
        """Why ``owner`` cannot cancel ``order`` (None: it can). Another account's order is
        reported exactly like an unknown one, so ids of other accounts do not leak."""
        if order is None or order.owner != owner or order.state == "canceled":
            return NOT_FOUND
        if order.state == "matched":
            return MATCHED
        return None

    def cancel_ids(self, owner: str, ids: Iterable[str]) -> CancelResult:
        """Cancel the given ids for ``owner``; each distinct id lands in exactly one of the two
        parts of the answer (duplicates are ignored)."""
        canceled: list[str] = []
        not_canceled: dict[str, str] = {}
        with self.lock:
            for order_id in dict.fromkeys(ids):
                order = self._orders.get(order_id)
                reason = self.reason_not_cancelable(owner, order)
                if reason is None and order is not None:
                    order.state = "canceled"
                    canceled.append(order_id)
                else:
                    not_canceled[order_id] = reason or NOT_FOUND
        return CancelResult(canceled, not_canceled)

    @staticmethod
    def matches(order: Order, owner: str, market: str, asset_id: str) -> bool:
        """Whether /cancel-all or /cancel-market-orders of ``owner`` takes ``order``; an empty
        filter does not restrict."""
        return (
            order.owner == owner
            and order.state == "live"
            and (not market or order.market == market)
            and (not asset_id or order.asset_id == asset_id)
        )

    def cancel_where(self, owner: str, market: str = "", asset_id: str = "") -> CancelResult:
        """Cancel every live order of ``owner`` in ``market`` / ``asset_id`` ("" = any)."""
        canceled: list[str] = []
        with self.lock:
            for order in self._orders.values():
                if self.matches(order, owner, market, asset_id):
                    order.state = "canceled"
                    canceled.append(order.id)
        return CancelResult(canceled, {})
