"""Concurrent cancels of one order cancel it exactly once (threads and async, real server)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from clob_cancel_mock import DEFAULT_ACCOUNT

from .conftest import OTHER, Api, signed_headers


def test_threads_cancel_one_order_once(api: Api) -> None:
    def cancel(_: int) -> list[str]:
        with httpx.Client(base_url=api.server.url, timeout=10) as client:
            body = b'{"orderID":"0xa1"}'
            headers = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/order", body)
            response = client.request("DELETE", "/order", content=body, headers=headers)
            assert response.status_code == 200
            canceled: list[str] = response.json()["canceled"]
            return canceled

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(cancel, range(32)))
    assert sum(len(r) for r in results) == 1
    assert api.states()["0xa1"] == "canceled"


def test_async_mixed_cancels_cancel_each_order_once(api: Api) -> None:
    ids = [f"0xconc{i}" for i in range(40)]
    api.server.add_orders([{"id": i} for i in ids])
    api.server.add_orders([{"id": f"0xother{i}", "owner": OTHER.api_key} for i in range(10)])

    async def run() -> list[dict[str, object]]:
        async with httpx.AsyncClient(base_url=api.server.url, timeout=10) as client:

            async def call(path: str, payload: object | None) -> dict[str, object]:
                body = b"" if payload is None else json.dumps(payload).encode()
                headers = signed_headers(DEFAULT_ACCOUNT, "DELETE", path, body)
                response = await client.request("DELETE", path, content=body, headers=headers)
                assert response.status_code == 200
                result: dict[str, object] = response.json()
                return result

            calls = [call("/orders", ids[i : i + 10]) for i in range(0, 40, 5)]
            calls += [call("/order", {"orderID": i}) for i in ids[::3]]
            calls += [call("/cancel-all", None), call("/cancel-market-orders", {})]
            return await asyncio.gather(*calls)

    results = asyncio.run(run())
    canceled = Counter(i for r in results for i in r["canceled"])  # type: ignore[attr-defined]
    assert set(canceled) == set(ids) | {"0xa1", "0xa2", "0xb1"}
    assert set(canceled.values()) == {1}
    states = api.states()
    assert all(states[f"0xother{i}"] == "live" for i in range(10))
