"""``client.check()`` and ``clob-cancel doctor`` against the mock on loopback, one failure mode
at a time: wrong address, passphrase, secret, key, a key made for another wallet; a skewed clock;
an unreachable URL; an untrusted TLS certificate; a server without the tier read. Every run also
shows that the doctor only reads (GET), leaves every order live, arms nothing, and prints no
secret, passphrase, API key or private key."""

from __future__ import annotations

import asyncio
import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from bench.ratelimit import spec_without_tier
from bench.tls import TlsServer
from clob_cancel import ApiCreds, AsyncCancelClient, CancelClient
from clob_cancel.cli import main
from clob_cancel.doctor import CheckReport, CheckTarget, Derive
from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer, create_app
from clob_cancel_mock.accounts import DEV_PRIVATE_KEY

# Hardhat/Anvil development key #1: public, never holds funds.
OTHER_PRIVATE_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
OTHER_ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
ORDERS = [{"id": f"0x{n:064x}", "market": "0xm", "asset_id": "1"} for n in range(1, 4)]
WRONG_SECRET = "d3Jvbmctc2VjcmV0LWZvci10aGUtZG9jdG9yLXRlc3Q="  # valid base64, not the key's


class RequestLog:
    """ASGI middleware noting each request's method and path."""

    def __init__(self, app: Any, seen: list[tuple[str, str]]) -> None:
        self.app, self.seen = app, seen

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.seen.append((scope["method"], scope["path"]))
        await self.app(scope, receive, send)


@attrs.define
class Mock:
    server: MockServer
    seen: list[tuple[str, str]]

    @property
    def url(self) -> str:
        return self.server.url

    def check_nothing_changed(self) -> None:
        assert {method for method, _ in self.seen} <= {"GET"}
        assert all(path != "/v1/heartbeats" for _, path in self.seen)
        assert {order["state"] for order in self.server.orders()} == {"live"}


@pytest.fixture
def mock_factory() -> Iterator[Any]:
    started: list[MockServer] = []

    def start(**options: Any) -> Mock:
        options.setdefault("accounts", [attrs.evolve(DEFAULT_ACCOUNT, tier="Silver")])
        server = MockServer(orders=ORDERS, **options)
        seen: list[tuple[str, str]] = []
        server.app.add_middleware(RequestLog, seen=seen)
        server.__enter__()
        started.append(server)
        return Mock(server, seen)

    yield start
    for server in started:
        server.__exit__(None, None, None)


def run_cli(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    env_file = tmp_path / "doctor.env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in env.items()))
    out, err = io.StringIO(), io.StringIO()
    code = main(["doctor", "--env-file", str(env_file), *args], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def check_no_secrets(text: str, *creds: ApiCreds) -> None:
    for c in (DEFAULT_ACCOUNT.creds, *creds):
        for value in (c.api_secret, c.api_secret.rstrip("="), c.api_passphrase, c.api_key):
            assert value not in text
    for value in (DEV_PRIVATE_KEY, OTHER_PRIVATE_KEY, WRONG_SECRET, "wrong-passphrase"):
        assert value[2:] not in text


def env_of(url: str, creds: ApiCreds, **more: str) -> dict[str, str]:
    return {
        "CLOB_API_URL": url,
        "CLOB_API_KEY": creds.api_key,
        "CLOB_SECRET": creds.api_secret,
        "CLOB_PASS_PHRASE": creds.api_passphrase,
        **more,
    }


def test_all_good_exit_0_with_the_tier_in_time(mock_factory: Any, tmp_path: Path) -> None:
    mock = mock_factory()
    env = DEFAULT_ACCOUNT.client_env(mock.url)
    code, out, err = run_cli(tmp_path, env)
    assert code == 0, out + err
    assert "cancel 1,000 orders: ~1 s; 10,000: ~24 s" in out
    assert "Silver (refill 400/s, burst 600)" in out
    assert "result: ok" in out
    check_no_secrets(out + err)
    mock.check_nothing_changed()
    assert ("GET", "/auth/api-keys") in mock.seen and ("GET", "/time") in mock.seen

    code, out, _ = run_cli(tmp_path, env, "--json")
    report = json.loads(out)
    assert code == report["exit"] == 0 and report["status"] == "ok"
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert statuses == {
        "connection": "ok",
        "clock": "ok",
        "credentials": "ok",
        "tier": "ok",
        "heartbeat": "unknown",
    }
    tier = next(c for c in report["checks"] if c["name"] == "tier")
    assert tier["cancel_seconds"] == {"1000": 1.0, "10000": 23.5}
    mock.check_nothing_changed()


def suspects(report: CheckReport) -> tuple[str, ...]:
    return report.item("credentials").suspects


@pytest.mark.parametrize(
    ("wrong", "expected"),
    [
        ({"api_passphrase": "wrong-passphrase"}, ("passphrase",)),
        ({"api_secret": WRONG_SECRET}, ("secret",)),
        ({"api_key": "00000000-0000-4000-8000-000000000bad"}, ("key",)),
    ],
    ids=["passphrase", "secret", "key"],
)
def test_with_pk_a_refused_part_is_named(
    mock_factory: Any, tmp_path: Path, wrong: dict[str, str], expected: tuple[str, ...]
) -> None:
    mock = mock_factory()
    good = DEFAULT_ACCOUNT.creds  # the mock's accounts are PK's nonce-0 keys: derivable
    fields = {"api_key": good.api_key, "api_secret": good.api_secret}
    fields["api_passphrase"] = good.api_passphrase
    fields.update(wrong)
    bad = ApiCreds(fields["api_key"], fields["api_secret"], fields["api_passphrase"])
    with CancelClient(mock.url, bad, private_key=DEV_PRIVATE_KEY) as client:
        report = client.check(private_key=DEV_PRIVATE_KEY)
    assert report.status == "failure" and suspects(report) == expected
    assert report.item("tier").status == "unknown"

    code, out, err = run_cli(tmp_path, env_of(mock.url, bad, PK=DEV_PRIVATE_KEY))
    assert code == 3
    assert "HTTP 401" in out and "THE KILL SWITCH WILL NOT WORK" in out
    word = {"passphrase": "CLOB_PASS_PHRASE", "secret": "CLOB_SECRET", "key": "CLOB_API_KEY"}
    assert word[expected[0]] in out
    check_no_secrets(out + err, good)
    mock.check_nothing_changed()
    assert ("GET", "/auth/derive-api-key") in mock.seen


def test_without_pk_a_refused_set_lists_every_likely_part(
    mock_factory: Any, tmp_path: Path
) -> None:
    mock = mock_factory()
    creds = attrs.evolve(DEFAULT_ACCOUNT, passphrase="wrong-passphrase").creds
    env = env_of(mock.url, creds, CLOB_ADDRESS=DEFAULT_ACCOUNT.address)
    code, out, err = run_cli(tmp_path, env)
    assert code == 3
    assert "CLOB_ADDRESS" in out and "CLOB_SECRET or CLOB_PASS_PHRASE" in out and "PK" in out
    check_no_secrets(out + err)
    mock.check_nothing_changed()


def test_wrong_address(mock_factory: Any, tmp_path: Path) -> None:
    mock = mock_factory()
    env = env_of(mock.url, DEFAULT_ACCOUNT.creds, CLOB_ADDRESS=OTHER_ADDRESS)
    code, out, err = run_cli(tmp_path, env, "--json")
    report = json.loads(out)
    assert code == report["exit"] == 3
    credentials = next(c for c in report["checks"] if c["name"] == "credentials")
    assert credentials["status"] == "failure" and credentials["suspects"] == ["unknown_key"]
    assert "the address is not the one the key was made for" in credentials["summary"]
    check_no_secrets(out + err)
    mock.check_nothing_changed()


def test_a_key_made_for_another_wallet(mock_factory: Any, tmp_path: Path) -> None:
    mock = mock_factory()  # the development wallet's key is derivable; the other wallet has none
    env = env_of(mock.url, DEFAULT_ACCOUNT.creds, PK=OTHER_PRIVATE_KEY)
    code, out, err = run_cli(tmp_path, env, "--json")
    report = json.loads(out)
    assert code == 3
    credentials = next(c for c in report["checks"] if c["name"] == "credentials")
    assert credentials["suspects"] == ["another_wallet"]
    check_no_secrets(out + err)
    mock.check_nothing_changed()


def test_a_skewed_clock_beyond_the_window_fails_and_sync_clock_fixes_it(
    mock_factory: Any, tmp_path: Path
) -> None:
    mock = mock_factory(clock_offset=400.0)  # the mock's window is 300 s
    env = DEFAULT_ACCOUNT.client_env(mock.url)
    code, out, err = run_cli(tmp_path, env, "--json")
    report = json.loads(out)
    assert code == 3
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["clock"]["status"] == "warning"
    assert checks["clock"]["skew_seconds"] == pytest.approx(400, abs=2)
    assert checks["credentials"]["suspects"][0] == "clock"
    assert "400 s behind the server's" in checks["clock"]["summary"]

    code, out, err = run_cli(tmp_path, env, "--sync-clock")
    assert code == 0, out + err  # signing with the server's clock, as a cancel then would
    mock.check_nothing_changed()


def test_a_clock_within_the_window_but_off_is_a_warning(mock_factory: Any, tmp_path: Path) -> None:
    mock = mock_factory(clock_offset=-30.0)
    code, out, err = run_cli(tmp_path, DEFAULT_ACCOUNT.client_env(mock.url))
    assert code == 1, out + err
    assert "30 s ahead of the server's" in out and "result: warning" in out


def test_unreachable(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = DEFAULT_ACCOUNT.client_env(f"http://127.0.0.1:{port}")
    code, out, err = run_cli(tmp_path, env, "--timeout", "2")
    assert code == 3
    assert "did not answer" in out and "ConnectError" in out
    assert out.count("not checked: the server did not answer") == 3
    check_no_secrets(out + err)


def test_an_untrusted_certificate_fails_and_a_trusted_one_passes() -> None:
    with TlsServer(create_app()) as server:
        creds, address = DEFAULT_ACCOUNT.creds, DEFAULT_ACCOUNT.address
        with CancelClient(server.url, creds, address) as client:
            report = client.check()
        assert report.status == "failure"
        assert "certificate is not trusted" in report.item("connection").summary
        with CancelClient(server.url, creds, address, verify=server.client_context()) as client:
            report = client.check()
        assert report.status == "ok", report.to_dict()
        assert "over verified TLS" in report.item("connection").summary
        with CancelClient(server.url, creds, address, verify=False) as client:
            report = client.check()
        assert report.status == "warning"
        assert "NOT verified (verify=False)" in report.item("connection").summary


def test_a_server_without_the_tier_read_is_a_warning(mock_factory: Any, tmp_path: Path) -> None:
    mock = mock_factory(spec=spec_without_tier(tmp_path))
    code, out, err = run_cli(tmp_path, DEFAULT_ACCOUNT.client_env(mock.url))
    assert code == 1, out + err
    assert "the server has no GET /v1/user/rate-limit-tier" in out
    mock.check_nothing_changed()


def test_the_async_client_checks_the_same(mock_factory: Any) -> None:
    mock = mock_factory()
    good = DEFAULT_ACCOUNT.creds
    bad = ApiCreds(good.api_key, WRONG_SECRET, good.api_passphrase)

    async def run() -> tuple[CheckReport, CheckReport]:
        async with AsyncCancelClient(mock.url, DEFAULT_ACCOUNT.creds, DEFAULT_ACCOUNT.address) as c:
            ok = await c.check()
        async with AsyncCancelClient(mock.url, bad, private_key=DEV_PRIVATE_KEY) as c:
            refused = await c.check(private_key=DEV_PRIVATE_KEY)
        return ok, refused

    ok, refused = asyncio.run(run())
    assert ok.status == "ok" and ok.tier is not None and ok.tier.name == "Silver"
    assert refused.status == "failure" and suspects(refused) == ("secret",)
    mock.check_nothing_changed()


def test_dry_run_sends_nothing(mock_factory: Any, tmp_path: Path) -> None:
    mock = mock_factory()
    code, out, _ = run_cli(tmp_path, DEFAULT_ACCOUNT.client_env(mock.url), "--dry-run")
    assert code == 0 and "GET /auth/api-keys" in out
    assert mock.seen == []


def test_the_checks_steps_never_show_the_private_key() -> None:
    target = CheckTarget(
        "http://127.0.0.1:1",
        DEFAULT_ACCOUNT.address,
        DEFAULT_ACCOUNT.creds,
        DEV_PRIVATE_KEY,
        0.0,
        {},
    )
    shown = repr(target) + repr(Derive(DEV_PRIVATE_KEY))
    check_no_secrets(shown)
