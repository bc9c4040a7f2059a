"""The server under test: its URL, the account the suite signs with, and what it lets us do.

One `Target` is current at a time (`use()`); the auth, the hooks and the checks read it, so the
same registered suite can run against several servers in one process (the broken-server proof).
"""

from __future__ import annotations

import functools
import os
import ssl
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import attrs
import httpx

from clob_cancel.environment import credential_env
from clob_cancel.errors import retry_after_seconds
from clob_cancel.signing import ApiCreds, CredentialsError, check_address, l2_headers
from clob_cancel_conformance import scrub
from clob_cancel_conformance.contract import compact_json, l2_operations
from clob_cancel_conformance.seeder import Seeder

ADMIN_PREFIX = "/_mock"
TRUE_VALUES = {"1", "true", "yes", "on"}


@attrs.frozen(repr=False)
class Target:
    """A CLOB server and the credentials the suite uses against it."""

    base_url: str
    creds: ApiCreds
    address: str
    is_mock: bool
    """The server is a clob-cancel mock (started by this run, or proved one by mock_proof()): the
    suite may reset, seed and inspect orders there."""
    allow_destructive: bool
    """/cancel-all, /cancel-market-orders and the heartbeat may run: on the mock this run started,
    elsewhere only with --allow-destructive (CONFORMANCE_ALLOW_DESTRUCTIVE=1)."""
    other_owner: str | None = None
    """Api key of a second account on the mock, whose orders the suite must never cancel."""
    clock_offset: float = 0.0
    """Server time minus local time (from GET /time), so timestamps are fresh by its clock."""
    seeder: Seeder | None = attrs.field(default=None, eq=False)
    """The team's seed command (--seed-command): live orders on any server (seeder.py)."""
    check_switch: bool = True
    """Whether dead_mans_switch_fires runs (with a seed command and destructive checks): the
    broken-server proof turns it off in the runs that test something else (it takes three
    deadlines)."""
    heartbeat_deadline: float = 10.0
    """Seconds without an accepted heartbeat after which the server cancels the key's orders (the
    CLOB's 10 s, "with up to a 5-second buffer": half as much again is allowed)."""
    private_key: str = attrs.field(default="", repr=False)
    """PK, when the account was given by it: scrubbed from every output like the secret."""
    spec: Path | None = None
    """The spec the run tests against (None: the one shipped with clob-cancel); which operations
    are signed and auth-probed is read from its security requirements."""

    def l2_operations(self) -> dict[str, str]:
        """Path -> method of the spec's L2 operations."""
        return l2_operations(self.spec)

    def __repr__(self) -> str:
        return (
            f"Target({self.base_url!r}, mock={self.is_mock}, destructive={self.allow_destructive})"
        )

    @property
    def has_live_orders(self) -> bool:
        """Whether the suite can get live orders: a seed command, or a mock's admin surface."""
        return self.seeder is not None or self.is_mock

    def now(self) -> int:
        """Unix seconds by the server's clock."""
        return int(time.time() + self.clock_offset)

    def signed_headers(
        self,
        method: str,
        path: str,
        body: bytes,
        *,
        timestamp: int | None = None,
        creds: ApiCreds | None = None,
    ) -> dict[str, str]:
        """The five L2 headers for a request, signed with the suite's (or the given) creds."""
        ts = self.now() if timestamp is None else timestamp
        headers = l2_headers(creds or self.creds, self.address, ts, method, path, body)
        scrub.remember(headers["POLY_SIGNATURE"])  # scrubbed from every report
        return headers

    def client(self) -> httpx.Client:
        """A plain HTTP client to the server, for admin calls and hand-made follow-up requests.

        One per server, kept open: making an httpx client (its TLS context) costs more than a
        request to the mock, and the suite makes several per case."""
        client = _clients.get(self.base_url)
        if client is None:
            transport = BackOffOn429(httpx.HTTPTransport(verify=tls()))
            client = _clients[self.base_url] = httpx.Client(
                base_url=self.base_url, timeout=30.0, transport=transport
            )
        return client

    # The mock's admin surface (outside the contract, no auth).

    def admin_orders(self, client: httpx.Client) -> dict[str, dict[str, str]]:
        """Every order on the mock by id."""
        response = client.get(f"{ADMIN_PREFIX}/orders")
        response.raise_for_status()
        return {order["id"]: order for order in response.json()}

    def admin_reset(self, client: httpx.Client) -> int | None:
        """Back to the mock's initial state; how many orders it then holds (None: not said)."""
        response = client.post(f"{ADMIN_PREFIX}/reset")
        response.raise_for_status()
        held = response.json().get("orders")
        return held if isinstance(held, int) else None

    def admin_heartbeat(self, client: httpx.Client) -> dict[str, object] | None:
        """The mock's view of our api key's heartbeat (armed, expected_id, seconds_left, ...), or
        None when the mock does not show one (a mock from before the heartbeat deadline)."""
        response = client.get(f"{ADMIN_PREFIX}/heartbeats")
        if response.status_code != 200:
            return None
        view = response.json()
        mine = view.get(self.creds.api_key) if isinstance(view, dict) else None
        return mine if isinstance(mine, dict) else None

    def admin_add(self, client: httpx.Client, orders: list[dict[str, str]]) -> list[dict[str, str]]:
        """Add (or replace, by id) orders; they as the mock stored them."""
        if not orders:
            return []
        response = client.post(f"{ADMIN_PREFIX}/orders", json=orders)
        response.raise_for_status()
        added: list[dict[str, str]] = response.json()
        return added


class BackOffOn429(httpx.BaseTransport):
    """Waits out a 429 that says when to retry (Retry-After in seconds, at most MAX_WAIT) and
    sends the same request again, up to RETRIES times: the checks' own follow-up requests (auth
    probes, second cancels, the heartbeat chain) then reach a rate-limited server's verdict
    instead of ending inconclusive. The resent request is the same bytes under the same
    signature, still fresh by any server's window."""

    RETRIES = 3
    MAX_WAIT = 10.0

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        scrub.remember(request.headers.get("POLY_SIGNATURE", ""))  # scrubbed from every report
        for _ in range(self.RETRIES):
            response = self.inner.handle_request(request)
            if response.status_code != 429:
                return response
            wait = retry_after_seconds(response.headers, None, time.time())
            if wait is None or wait > self.MAX_WAIT:
                return response
            response.close()
            time.sleep(wait)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


_current: Target | None = None
_clients: dict[str, httpx.Client] = {}


@functools.cache
def tls() -> ssl.SSLContext:
    """One verifying TLS context for every HTTP client the suite makes. httpx builds a new one
    per client, loading the CA bundle each time (~30 ms, more than a request to the mock), and a
    run against the mock makes three clients."""
    return httpx.create_ssl_context()


def close_clients() -> None:
    """Close the kept-open clients (at the end of a run)."""
    while _clients:
        _clients.popitem()[1].close()


def current() -> Target:
    """The target the suite runs against; built from the environment on first use."""
    global _current
    if _current is None:
        _current = from_env(os.environ)
    return _current


def use(target: Target | None) -> None:
    """Make ``target`` current (None: rebuild from the environment on next use)."""
    global _current
    _current = target


@contextmanager
def using(target: Target) -> Iterator[Target]:
    """Make ``target`` current for the duration of a block."""
    previous = _current
    use(target)
    try:
        yield target
    finally:
        use(previous)


def mock_accounts(base_url: str) -> list[str] | None:
    """The api keys a clob-cancel mock says it accepts (its admin surface), or None. Only a
    first hint: any static file server can answer a JSON array here (see mock_proof)."""
    try:
        response = httpx.get(
            f"{base_url.rstrip('/')}{ADMIN_PREFIX}/accounts", timeout=5.0, verify=tls()
        )
        accounts = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    if response.status_code != 200 or not isinstance(accounts, list):
        return None
    return [a["api_key"] for a in accounts if isinstance(a, dict) and "api_key" in a]


def mock_proof(base_url: str, creds: ApiCreds, address: str) -> str | None:
    """Prove ``base_url`` is a clob-cancel mock whose admin surface drives the order book the
    cancel endpoints serve; why not (a sentence), or None when proved.

    More than an unauthenticated GET /_mock/accounts answering a JSON array (a static file server
    passes that): the list names our api key; an order added through POST /_mock/orders under
    a fresh random id is listed by GET /_mock/orders as live; a signed DELETE /order for that id
    reports it canceled; and GET /_mock/orders then shows it canceled. The order is one the
    suite invented, so nothing of anyone's is touched, on a mock or elsewhere.
    """
    accounts = mock_accounts(base_url)
    if accounts is None:
        return "no mock admin surface (GET /_mock/accounts is not a JSON array)"
    if creds.api_key not in accounts:
        return "GET /_mock/accounts does not list the api key the suite signs with"
    probe = f"0xc0nf0rmance-probe-{uuid.uuid4().hex}"
    body = compact_json({"orderID": probe})
    try:
        with httpx.Client(base_url=base_url, timeout=5.0, verify=tls()) as client:
            added = client.post(
                f"{ADMIN_PREFIX}/orders",
                json=[{"id": probe, "owner": creds.api_key, "market": "m", "asset_id": "a"}],
            )
            listed = _admin_states(client).get(probe) if added.status_code == 200 else None
            if listed != "live":
                return "an order added through POST /_mock/orders was not listed live"
            headers = l2_headers(creds, address, int(time.time()), "DELETE", "/order", body)
            headers["Content-Type"] = "application/json"
            answer = client.request("DELETE", "/order", content=body, headers=headers)
            canceled = answer.json().get("canceled") if answer.status_code == 200 else None
            if canceled != [probe] or _admin_states(client).get(probe) != "canceled":
                return "a signed DELETE /order did not cancel an order added through /_mock/orders"
    except (httpx.HTTPError, ValueError, AttributeError):
        return "the mock admin surface did not answer as the mock does"
    return None


def _admin_states(client: httpx.Client) -> dict[str, str]:
    response = client.get(f"{ADMIN_PREFIX}/orders")
    orders = response.json() if response.status_code == 200 else []
    return {str(o.get("id")): str(o.get("state")) for o in orders if isinstance(o, dict)}


def server_clock_offset(base_url: str) -> float:
    """Server time minus local time from GET /time, or 0 when the server does not say."""
    try:
        response = httpx.get(f"{base_url.rstrip('/')}/time", timeout=5.0, verify=tls())
        server_time = response.json()
    except (httpx.HTTPError, ValueError):
        return 0.0
    if response.status_code != 200 or not isinstance(server_time, int):
        return 0.0
    return server_time - time.time()


def creds_from_env(env: Mapping[str, str]) -> tuple[ApiCreds, str]:
    """CLOB_API_KEY, CLOB_SECRET, CLOB_PASS_PHRASE and CLOB_ADDRESS (or the address of PK)."""
    names = ("CLOB_API_KEY", "CLOB_SECRET", "CLOB_PASS_PHRASE")
    missing = [name for name in names if not env.get(name)]
    if missing:
        raise CredentialsError(
            f"{', '.join(missing)} not set: a server given by CLOB_API_URL needs the account's "
            "CLOB_API_KEY, CLOB_SECRET, CLOB_PASS_PHRASE and CLOB_ADDRESS or PK"
        )
    address = env.get("CLOB_ADDRESS", "")
    if not address and env.get("PK"):
        from clob_cancel.l1 import address_from_private_key

        try:
            address = address_from_private_key(env["PK"])
        except CredentialsError:
            message = "PK is not a valid private key (expected 32 bytes hex)"
            raise CredentialsError(message) from None
    if not address:
        raise CredentialsError("set CLOB_ADDRESS or PK: the account needs a signer address")
    creds = ApiCreds(env["CLOB_API_KEY"], env["CLOB_SECRET"], env["CLOB_PASS_PHRASE"])
    return creds, check_address(address)


def from_env(env: Mapping[str, str], *, allow_destructive: bool | None = None) -> Target:
    """The target named by CLOB_API_URL and the CLOB_* credentials; destructive operations by
    ``allow_destructive`` or, when None, CONFORMANCE_ALLOW_DESTRUCTIVE."""
    base_url = env.get("CLOB_API_URL", "").rstrip("/")
    if not base_url:
        raise RuntimeError(
            "CLOB_API_URL is not set: run `clob-cancel-conformance` without a URL (it starts the "
            "embedded mock) or set CLOB_API_URL and the account's credentials"
        )
    creds, address = creds_from_env(credential_env(env))  # the rule clob-cancel applies
    if allow_destructive is None:
        allow_destructive = env.get("CONFORMANCE_ALLOW_DESTRUCTIVE", "").lower() in TRUE_VALUES
    t = make_target(base_url, creds, address, allow_destructive=allow_destructive)
    return attrs.evolve(t, private_key=env.get("PK", ""))


def make_target(
    base_url: str,
    creds: ApiCreds,
    address: str,
    *,
    allow_destructive: bool = False,
    started_here: bool = False,
    spec: Path | None = None,
) -> Target:
    """Probe ``base_url`` (clock, and whether it is a mock: mock_proof) and describe it.

    Destructive operations run on the mock this run started (``started_here``) or when
    ``allow_destructive``; a mock at a URL is seeded and inspected once proved one, but its
    bulk cancels and heartbeats still need the switch (it may be shared). A second account on a
    mock (if any) owns the orders the suite checks it never cancels."""
    base_url = base_url.rstrip("/")
    address = check_address(address)
    is_mock = started_here or mock_proof(base_url, creds, address) is None
    accounts = mock_accounts(base_url) if is_mock else None
    others = [key for key in accounts or () if key != creds.api_key]
    return Target(
        base_url=base_url,
        creds=creds,
        address=address,
        is_mock=is_mock,
        allow_destructive=started_here or allow_destructive,
        other_owner=others[0] if others else None,
        clock_offset=server_clock_offset(base_url),
        spec=spec,
    )
