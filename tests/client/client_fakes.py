"""Fakes for the client tests: a scripted server behind httpx.MockTransport that records what the
client sent, a fake clock whose sleep advances it, and test credentials."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from clob_cancel import ApiCreds, AsyncCancelClient, CancelClient, CancelError, RetryPolicy
from clob_cancel.signing import l2_signature

API_KEY = "11111111-2222-4333-8444-555555555555"
SECRET = "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0wMDAwMDE="  # b"secret-key-for-tests-only-000001"
PASSPHRASE = "passphrase-for-tests-only"
CREDS = ApiCreds(API_KEY, SECRET, PASSPHRASE)
# Hardhat/Anvil development key #0: public, never holds funds.
PRIVATE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
BASE_URL = "https://clob.test"
START = 1_750_000_000.0

Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakeTime:
    """A wall clock for signing and retry budgets; ``sleep`` records the wait and advances it."""

    def __init__(self, now: float = START) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


def ids(n: int, prefix: str = "0x") -> list[str]:
    return [f"{prefix}{i:04d}" for i in range(n)]


def accounted(e: CancelError) -> list[str]:
    """Every id a failed cancel_orders accounts for, with repeats (so a double count shows)."""
    assert e.partial is not None
    return [
        *e.partial.canceled,
        *e.partial.not_canceled.additional_properties,
        *e.unknown_ids,
        *e.untouched_ids,
    ]


def requested_ids(request: httpx.Request) -> list[str]:
    """The order ids a cancel request names (none for /cancel-all and the market cancel)."""
    if not request.content:
        return []
    body = json.loads(request.content)
    if isinstance(body, list):
        return [str(i) for i in body]
    if isinstance(body, dict) and "orderID" in body:
        return [str(body["orderID"])]
    return []


def cancel_answer(request: httpx.Request) -> httpx.Response:
    """A correct server's answer: ids starting with "gone" are not canceled, the rest are."""
    ids = requested_ids(request)
    return httpx.Response(
        200,
        json={
            "canceled": [i for i in ids if not i.startswith("gone")],
            "not_canceled": {
                i: "Order not found or already canceled" for i in ids if i.startswith("gone")
            },
        },
    )


def error(
    status: int, text: str, headers: dict[str, str] | None = None, **extra: Any
) -> httpx.Response:
    return httpx.Response(status, json={"error": text, **extra}, headers=headers)


TIER_PATH = "/v1/user/rate-limit-tier"


class Server:
    """Answers requests with the scripted answers in order, then with :func:`cancel_answer`;
    an Exception in the script is raised as the transport's failure. The clients' tier read
    (GET /v1/user/rate-limit-tier) is kept apart, in ``tier_reads``, and answered with
    ``tier_answer`` (default: a 404, a server without the operation)."""

    def __init__(self, *script: Answer) -> None:
        self.script = list(script)
        self.requests: list[httpx.Request] = []
        self.tier_reads: list[httpx.Request] = []
        self.tier_answer: Answer = error(404, f"no operation at {TIER_PATH}")

    def read_tier(self, request: httpx.Request) -> httpx.Response:
        self.tier_reads.append(request)
        answer = self.tier_answer
        if isinstance(answer, Exception):
            raise answer
        return answer if isinstance(answer, httpx.Response) else answer(request)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == TIER_PATH:
            return self.read_tier(request)
        self.requests.append(request)
        answer = self.script.pop(0) if self.script else cancel_answer
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)

    def signature_ok(self, request: httpx.Request) -> bool:
        """Whether the request carries a valid L2 signature over what was actually sent."""
        expected = l2_signature(
            CREDS,
            request.headers["POLY_TIMESTAMP"],
            request.method,
            request.url.path,
            request.content,
        )
        return request.headers["POLY_SIGNATURE"] == expected


def client(server: Server, fake: FakeTime, **options: Any) -> CancelClient:
    options.setdefault("retries", RetryPolicy(rng=lambda: 1.0))
    return CancelClient(
        BASE_URL,
        CREDS,
        ADDRESS,
        httpx_client_kwargs={"transport": httpx.MockTransport(server)},
        clock=fake.clock,
        sleep=fake.sleep,
        **options,
    )


def async_client(server: Any, fake: FakeTime, **options: Any) -> AsyncCancelClient:
    options.setdefault("retries", RetryPolicy(rng=lambda: 1.0))
    return AsyncCancelClient(
        BASE_URL,
        CREDS,
        ADDRESS,
        httpx_client_kwargs={"transport": httpx.MockTransport(server)},
        clock=fake.clock,
        sleep=fake.async_sleep,
        **options,
    )
