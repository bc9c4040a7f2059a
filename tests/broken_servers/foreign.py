"""A server that is not our mock: the mock's cancel behaviour (or a broken variant's) behind
routing that hides the whole /_mock/ admin surface (404, as any other server answers it) and
offers its own seed route instead, the way a team's staging server has its own means of placing
orders. The suite can only get live orders there through a seed command (SEED_COMMAND, which
calls the route), so whatever it judges, it judges by the server's answers."""

from __future__ import annotations

import itertools
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from clob_cancel_mock.app import json_response

SEED_ROUTE = "/staging-only/place-test-orders"
# Two markets, two assets each (the outcome tokens of a binary market).
MARKETS = (
    ("0x5e1ec7ed00000000000000000000000000000000000000000000000000000001", ("11", "12")),
    ("0x5e1ec7ed00000000000000000000000000000000000000000000000000000002", ("21", "22")),
)
SEED_COMMAND = f"{sys.executable} {Path(__file__).with_name('seed_command.py')}"
_serial = itertools.count()


def hide_admin_add_seed_route(app: Any) -> Any:
    """ASGI routing in front of a MockApp: /_mock/... answers 404; POST SEED_ROUTE with
    {"count": N, "owner": "self" | "other", "api_key": K} places N open orders (of K, or of an
    account other than K) spread over MARKETS, and answers them as a JSON array."""
    clob = app.clob

    async def routed(scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/_mock"):
            await json_response(404, {"error": "Not Found"})(scope, receive, send)
            return
        if scope["type"] == "http" and path == SEED_ROUTE and scope["method"] == "POST":
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            asked = json.loads(body)
            keys = [a.api_key for a in clob.accounts]
            owner = asked["api_key"]
            if asked["owner"] == "other":
                owner = next(k for k in keys if k != asked["api_key"])
            serial = next(_serial)
            orders = []
            for n in range(int(asked["count"])):
                market, assets = MARKETS[n % 2]
                order_id = f"0x{uuid.uuid4().hex}{serial:08x}{n:04x}"
                orders.append(
                    {
                        "id": order_id,
                        "owner": owner,
                        "market": market,
                        "asset_id": assets[(n // 2) % 2],
                    }
                )
            clob.book.add(clob.parse_orders(orders, "seed"))
            shown = [{k: o[k] for k in ("id", "market", "asset_id")} for o in orders]
            await json_response(200, shown)(scope, receive, send)
            return
        await app(scope, receive, send)

    routed.clob = clob  # type: ignore[attr-defined]
    return routed
