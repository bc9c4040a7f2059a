"""`make demo`: the whole pipeline in one run, on this machine only.

Starts the mock CLOB with seeded orders, runs the four cancels through the client (sync and
async) and through the `clob-cancel` command, runs a short conformance pass against a mock, and
says what happened in a few lines. Exits non-zero if anything did not go as expected.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from clob_cancel import AsyncCancelClient, CancelClient
from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MARKET = "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af"
ASSET = "52114319501245915516055106046884209969926127482827954674443846427813813222426"


def seed(mock: MockServer, prefix: str, count: int, **fields: str) -> list[str]:
    ids = [f"0x{prefix}{n:062x}" for n in range(count)]  # the CLOB's form: 0x + 64 hex digits
    mock.add_orders([{"id": i, "owner": DEFAULT_ACCOUNT.api_key, **fields} for i in ids])
    return ids


def step(text: str) -> None:
    print(f"  {text}", flush=True)


def expect(condition: bool, what: str) -> None:
    if not condition:
        print(f"demo: FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def client_part(mock: MockServer) -> None:
    one = seed(mock, "c1", 1)
    many = seed(mock, "c2", 1500)  # more than one request's 1000: sent in two chunks
    seed(mock, "c3", 5, market=MARKET, asset_id=ASSET)
    seed(mock, "c4", 7)
    a = DEFAULT_ACCOUNT
    with CancelClient(mock.url, a.creds, a.address) as client:
        answer = client.cancel(one[0])
        expect(answer.canceled == one, "cancel")
        step(f"client.cancel(id)                 -> canceled {len(answer.canceled)}")
        answer = client.cancel_orders(many)
        expect(len(answer.canceled) == 1500, "cancel_orders")
        step(f"client.cancel_orders(1500 ids)    -> canceled {len(answer.canceled)} in 2 requests")
        answer = client.cancel_market_orders(market=MARKET, asset_id=ASSET)
        expect(len(answer.canceled) == 5, "cancel_market_orders")
        step(f"client.cancel_market_orders(...)  -> canceled {len(answer.canceled)}")
        answer = client.cancel_all()
        expect(len(answer.canceled) == 7, "cancel_all")
        step(f"client.cancel_all()               -> canceled {len(answer.canceled)}")
        again = client.cancel(one[0]).not_canceled.additional_properties
        step(f"client.cancel(same id again)      -> not canceled: {again[one[0]]!r}")

    async def concurrently() -> int:
        ids = seed(mock, "c5", 32)
        async with AsyncCancelClient(mock.url, a.creds, a.address) as client:
            answers = await asyncio.gather(*(client.cancel(i) for i in ids))
        return sum(len(answer.canceled) for answer in answers)

    done = asyncio.run(concurrently())
    expect(done == 32, "async cancels")
    step(f"AsyncCancelClient, 32 in flight   -> canceled {done}")


def cli_part(mock: MockServer) -> None:
    env = {**os.environ, **DEFAULT_ACCOUNT.client_env(mock.url)}
    env.pop("PK", None)
    one = seed(mock, "d1", 1)
    two = seed(mock, "d2", 2)
    seed(mock, "d3", 3, market=MARKET)
    seed(mock, "d4", 4)
    for argv in (
        ["order", one[0]],
        ["orders", *two],
        ["market", "--market", MARKET],
        ["all"],
    ):
        started = time.perf_counter()
        done = subprocess.run(
            [BIN / "clob-cancel", *argv], env=env, capture_output=True, text=True, timeout=60
        )
        took = (time.perf_counter() - started) * 1000
        expect(done.returncode == 0, f"clob-cancel {argv[0]}: {done.stdout}{done.stderr}")
        shown = " ".join(argv[:2]) + (" ..." if len(argv) > 2 else "")
        step(f"clob-cancel {shown:<22}-> {done.stdout.strip()} ({took:.0f} ms, exit 0)")


def todays_clob_part() -> None:
    """The 2026 CLOB: a per-signer rate limit the client paces itself to, and the heartbeat."""
    with MockServer(heartbeat_timeout=2, faults={"rate_limit": {"tier": "Standard"}}) as mock:
        ids = seed(mock, "e1", 300)
        a = DEFAULT_ACCOUNT
        started = time.perf_counter()
        with CancelClient(mock.url, a.creds, a.address) as client:
            answer = client.cancel_orders(ids)
            state = client.rate_limit
        took = time.perf_counter() - started
        expect(len(answer.canceled) == 300 and state is not None, "rate-limited cancel_orders")
        assert state is not None
        step(
            f"300 ids, tier {state.tier} (burst 120, 80/s) -> canceled {len(answer.canceled)} "
            f"in {took:.1f} s, split at the burst and paced (the bucket allows 2.25 s)"
        )
        env = {**os.environ, **DEFAULT_ACCOUNT.client_env(mock.url)}
        env.pop("PK", None)
        kept = seed(mock, "e2", 2)
        argv = ["heartbeat", "--interval", "0.5", "--deadline", "2", "--", "sleep", "3"]
        done = subprocess.run(
            [BIN / "clob-cancel", *argv], env=env, capture_output=True, text=True, timeout=60
        )
        live = {o["state"] for o in mock.orders() if o["id"] in kept}
        expect(done.returncode == 0 and live == {"live"}, f"heartbeat: {done.stderr}")
        time.sleep(3)
        gone = {o["state"] for o in mock.orders() if o["id"] in kept}
        expect(gone == {"canceled"}, "the mock's dead-man's switch")
        step("clob-cancel heartbeat -- sleep 3  -> orders kept the 3 s (deadline 2 s), exit 0,")
        step("                                     then canceled by the server's switch")


def conformance_part() -> None:
    env = {**os.environ, "CLOB_API_URL": "", "CONFORMANCE_MAX_EXAMPLES": "5"}
    started = time.perf_counter()
    done = subprocess.run(
        [BIN / "clob-cancel-conformance"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    took = time.perf_counter() - started
    expect(done.returncode == 0, "conformance suite:\n" + done.stdout[-3000:] + done.stderr)
    cases = [line.strip() for line in done.stdout.splitlines() if " generated, " in line]
    step(f"5 examples per operation: {cases[0] if cases else 'passed'} ({took:.0f} s)")
    step("JUnit report: reports/conformance.xml")


def main() -> None:
    print("clob-cancel demo: mock CLOB on loopback, client, CLI, conformance suite")
    with MockServer() as mock:
        print(f"mock CLOB at {mock.url}, account {DEFAULT_ACCOUNT.address}")
        print("client:")
        client_part(mock)
        print("command line:")
        cli_part(mock)
    print("today's CLOB (a mock on the Standard tier, heartbeat deadline 2 s):")
    todays_clob_part()
    print("conformance suite (against a mock of its own):")
    conformance_part()
    print("demo: everything worked")


if __name__ == "__main__":
    main()
