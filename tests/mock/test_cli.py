"""The command: starts, prints the URL and the account, serves, stops cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from clob_cancel_mock import DEFAULT_ACCOUNT

from .conftest import OTHER, signed_headers

OTHER_FIELDS = {
    "api_key": OTHER.api_key,
    "secret": OTHER.secret,
    "passphrase": OTHER.passphrase,
    "address": OTHER.address,
}


@contextmanager
def running(
    *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """The mock as a subprocess on a free port: (process, url, what it printed first)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CLOB_") and k != "PK"}
    full_env.update(env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "clob_cancel_mock", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=full_env,
    )
    try:
        assert process.stdout is not None
        banner = []
        for line in process.stdout:  # ends with the orders line
            banner.append(line)
            if line.startswith("orders:"):
                break
        text = "".join(banner)
        match = re.search(r"http://127\.0\.0\.1:\d+", text)
        assert match, text
        yield process, match.group(0), text
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)


def wait_up(url: str) -> None:
    for _ in range(200):
        try:
            httpx.get(url + "/time", timeout=1)
            return
        except httpx.TransportError:
            import time

            time.sleep(0.02)
    raise AssertionError("the mock did not answer")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serves_and_stops_cleanly(sig: signal.Signals) -> None:
    with running("--orders", "5") as (process, url, banner):
        assert DEFAULT_ACCOUNT.api_key in banner and DEFAULT_ACCOUNT.address in banner
        assert httpx.get(url + "/time", timeout=10).status_code == 200  # at once: no retry needed
        orders = httpx.get(url + "/_mock/orders").json()
        assert len(orders) == 5 and {o["owner"] for o in orders} == {DEFAULT_ACCOUNT.api_key}
        process.send_signal(sig)
        assert process.wait(10) == 0
        assert process.stdout is not None
        rest = process.stdout.read()
        assert "Traceback" not in rest and "clob-cancel-mock: stopped" in rest


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_right_after_the_url_still_stops_it_cleanly(sig: signal.Signals) -> None:
    """A CI step may stop the mock as soon as it has read the URL, before uvicorn is serving."""
    with running() as (process, _url, _banner):
        process.send_signal(sig)
        assert process.wait(10) == 0
        assert process.stdout is not None
        assert "Traceback" not in process.stdout.read()


def test_env_account_and_seed_file_with_two_accounts(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "accounts": [
                    {
                        "api_key": OTHER.api_key,
                        "secret": OTHER.secret,
                        "passphrase": OTHER.passphrase,
                        "address": OTHER.address,
                    }
                ],
                "orders": [
                    {"id": "0x1"},
                    {"id": "0x2", "owner": OTHER.api_key, "state": "matched"},
                ],
            }
        )
    )
    env = {
        "CLOB_API_KEY": "11111111-2222-4333-8444-555555555555",
        "CLOB_SECRET": "ZW52LXNlY3JldC1mb3ItdGhlLWNsaS10ZXN0",
        "CLOB_PASS_PHRASE": "env-passphrase",
        "CLOB_ADDRESS": DEFAULT_ACCOUNT.address,
    }
    with running("--orders", str(seed), "--orders", "2", env=env) as (process, url, banner):
        assert env["CLOB_API_KEY"] in banner and OTHER.api_key in banner
        for secret in (env["CLOB_SECRET"], env["CLOB_PASS_PHRASE"], OTHER.secret, OTHER.passphrase):
            assert secret not in banner
        wait_up(url)
        orders = {o["id"]: o for o in httpx.get(url + "/_mock/orders").json()}
        assert len(orders) == 4
        assert orders["0x1"]["owner"] == env["CLOB_API_KEY"]
        assert orders["0x2"]["owner"] == OTHER.api_key
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not valid JSON"),
        ('{"orders": [{"id": 1}]}', "orders[0].id: expected a string"),
        ('{"accounts": [{"api_key": "k"}]}', "accounts[0]"),
        ('{"order": []}', "expected an array of orders or"),
        (
            json.dumps({"accounts": [{**OTHER_FIELDS, "tier": "Sliver"}]}),
            "accounts[0]: tier: unknown tier 'Sliver'; known: Standard, Copper",
        ),
    ],
)
def test_bad_seed_file_exits_2_naming_the_problem(
    tmp_path: Path, content: str, message: str
) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "clob_cancel_mock", "--port", "0", "--orders", str(seed)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_fault_flags_become_the_documented_fault_setting() -> None:
    from clob_cancel_mock.cli import faults_from_args, parse_args
    from clob_cancel_mock.faults import parse_faults

    args = parse_args(
        [
            "--rate-limit",
            "10:20",
            "--fail-status",
            "425",
            "--fail-count",
            "2",
            "--cancel-only",
            "--delay",
            "0.5",
        ]
    )
    faults = faults_from_args(args)
    assert faults == {
        "rate_limit": {"rate": 10.0, "burst": 20},
        "status": 425,
        "count": 2,
        "cancel_only": True,
        "delay_seconds": 0.5,
    }
    parse_faults(faults)  # valid as a whole
    assert faults_from_args(parse_args(["--trading-disabled", "--rate-limit", "5"])) == {
        "rate_limit": {"rate": 5.0},
        "trading_disabled": True,
    }


def test_rate_limit_and_restart_flags_become_the_documented_setting() -> None:
    from clob_cancel_mock.cli import faults_from_args, parse_args
    from clob_cancel_mock.faults import FaultsError, parse_faults

    def faults(*argv: str) -> object:
        value = faults_from_args(parse_args(list(argv)))
        parse_faults(value)  # valid as a whole
        return value

    assert faults("--rate-limit", "gold", "--rate-limit-warning", "--above-burst", "admit") == {
        "rate_limit": {"tier": "gold", "warning": True, "above_burst": "admit"}
    }
    assert faults("--rate-limit", "2.5:5", "--negative-balance") == {
        "rate_limit": {"rate": 2.5, "burst": 5, "negative_balance": True}
    }
    with pytest.raises(FaultsError, match="--rate-limit-warning, --above-burst: only with"):
        faults("--rate-limit-warning", "--above-burst", "refuse")
    with pytest.raises(FaultsError, match="expected TIER or RATE"):
        faults("--rate-limit", "fast:5")
    assert faults("--restarting", "90", "--post-only-seconds", "30") == {
        "restarting": 90.0,
        "post_only_seconds": 30.0,
    }
    assert faults("--restarting", "--fail-count", "2") == {"restarting": True, "count": 2}


def test_tier_flag_and_seed_tiers_limit_those_signers(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"accounts": [{**OTHER_FIELDS, "tier": "gold"}]}))
    with running("--tier", "silver", "--orders", str(seed)) as (process, url, banner):
        assert "tier:       Silver" in banner and "tier:       Gold" in banner
        wait_up(url)
        for account, tier in [(DEFAULT_ACCOUNT, "Silver"), (OTHER, "Gold")]:
            headers = signed_headers(account, "DELETE", "/cancel-all")
            response = httpx.delete(url + "/cancel-all", headers=headers)
            assert response.status_code == 200
            assert response.headers["poly-ratelimit-tier"] == tier
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0


def test_unknown_tier_exits_2_listing_the_tiers(capsys: pytest.CaptureFixture[str]) -> None:
    from clob_cancel_mock.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["--port", "0", "--tier", "Sliver"])
    assert exited.value.code == 2
    assert (
        "unknown tier 'Sliver'; known: Standard, Copper, Bronze, Silver, Gold, Platinum, Diamond, "
        "Elite" in capsys.readouterr().err
    )


def test_bad_flag_combination_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "clob_cancel_mock", "--port", "0", "--fail-count", "3"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "faults.count: only with status, drop_connection or restarting" in result.stderr


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOB_") and k != "PK"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # clob-cancel
    return env


def test_write_env_gives_a_ci_job_the_credentials_it_needs(tmp_path: Path) -> None:
    """A CI job reads FILE both documented ways and cancels with it; FILE goes at a clean stop."""
    env_file = tmp_path / "mock.env"
    with running("--orders", "3", "--write-env", str(env_file)) as (process, url, banner):
        assert f"client environment: {env_file}" in banner
        assert env_file.stat().st_mode & 0o777 == 0o600  # it holds a secret
        lines = env_file.read_text().splitlines()
        assert [line.split("=", 1)[0] for line in lines] == [
            "CLOB_API_URL",
            "CLOB_API_KEY",
            "CLOB_SECRET",
            "CLOB_PASS_PHRASE",
            "CLOB_ADDRESS",
        ]
        assert f"CLOB_API_URL={url}" in lines
        unknown = "0x" + "0" * 64  # an order id of the CLOB's form that no order has
        sourced = subprocess.run(
            ["bash", "-c", f'set -a; . "{env_file}"; set +a; clob-cancel order {unknown} --json'],
            capture_output=True,
            text=True,
            env=_clean_env(),
            timeout=30,
        )
        assert sourced.returncode == 1, sourced.stderr  # answered, signed, not canceled
        assert list(json.loads(sourced.stdout)["not_canceled"]) == [unknown]
        by_option = subprocess.run(
            ["clob-cancel", "all", "--json", "--env-file", str(env_file)],
            capture_output=True,
            text=True,
            env=_clean_env(),
            timeout=30,
        )
        assert by_option.returncode == 0, by_option.stderr
        assert len(json.loads(by_option.stdout)["canceled"]) == 3
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
    assert not env_file.exists()


def test_write_env_quotes_what_sh_would_split_and_refuses_what_it_cannot_write(
    tmp_path: Path,
) -> None:
    from clob_cancel.cli import read_env_file
    from clob_cancel_mock.cli import env_file_text

    values = {"CLOB_API_URL": "http://127.0.0.1:1", "CLOB_PASS_PHRASE": "two words;$HOME"}
    path = tmp_path / "x.env"
    path.write_text(env_file_text(values))
    assert read_env_file(str(path)) == values
    shell = subprocess.run(
        ["bash", "-c", f'. "{path}"; printf %s "$CLOB_PASS_PHRASE"'],
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert shell.stdout == values["CLOB_PASS_PHRASE"]
    with pytest.raises(ValueError, match="CLOB_SECRET holds a quote") as caught:
        env_file_text({"CLOB_SECRET": "it's-secret"})
    assert "it's-secret" not in str(caught.value)


def test_write_env_to_an_unwritable_place_exits_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "clob_cancel_mock", "--port", "0", "--write-env", "/nonexistent/x"],
        capture_output=True,
        text=True,
        timeout=30,
        env=_clean_env(),
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "/nonexistent" in result.stderr
