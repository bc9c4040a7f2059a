"""The reference seed command for clob-cancel's mock: places SEED_COUNT open orders of SEED_OWNER
(`self`: the account of CLOB_API_KEY; `other`: another account the mock has) through the mock's
admin surface, spread over two markets with two assets each, and prints one JSON object per line.

    clob-cancel-conformance --seed-command 'python -m clob_cancel_conformance.mock_seeder'

A team's staging seeder does the same with its own means of placing orders (conformance/README.md,
"Seed command").
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
import uuid
from typing import Any

# The standard library only: the suite runs this once per live-order sequence, and httpx alone
# takes ~150 ms of each start.

MARKETS = (
    (
        "0xc0nf0rmance-seeded-market-1",
        ("0xc0nf0rmance-seeded-asset-1a", "0xc0nf0rmance-seeded-asset-1b"),
    ),
    (
        "0xc0nf0rmance-seeded-market-2",
        ("0xc0nf0rmance-seeded-asset-2a", "0xc0nf0rmance-seeded-asset-2b"),
    ),
)


def orders(count: int, owner_key: str) -> list[dict[str, str]]:
    """``count`` open orders of ``owner_key``: order n in market n % 2, alternating its assets."""
    run = uuid.uuid4().hex[:12]
    placed = []
    for n in range(count):
        market, assets = MARKETS[n % 2]
        placed.append(
            {
                "id": f"0xc0nf0rmance-seeded-{run}-{n}",
                "owner": owner_key,
                "market": market,
                "asset_id": assets[(n // 2) % 2],
            }
        )
    return placed


def _call(url: str, method: str = "GET", body: Any = None) -> Any:
    """One JSON call to the mock (an error status raises, with the mock's answer)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def main() -> int:
    url, api_key = os.environ["CLOB_API_URL"].rstrip("/"), os.environ["CLOB_API_KEY"]
    count, owner = int(os.environ["SEED_COUNT"]), os.environ["SEED_OWNER"]
    if owner == "other":
        accounts = _call(f"{url}/_mock/accounts")
        others = [a["api_key"] for a in accounts if a["api_key"] != api_key]
        if not others:
            print("mock_seeder: the mock has no account other than ours", file=sys.stderr)
            return 1
        api_key = others[0]
    placed = orders(count, api_key)
    _call(f"{url}/_mock/orders", "POST", placed)
    for order in placed:
        print(json.dumps({k: order[k] for k in ("id", "market", "asset_id")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
