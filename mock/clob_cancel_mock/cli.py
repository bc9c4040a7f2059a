"""``clob-cancel-mock``: serve the mock CLOB until SIGINT/SIGTERM.

    clob-cancel-mock --host 127.0.0.1 --port 8080 --orders seed.json --orders 100

The account comes from CLOB_API_KEY / CLOB_SECRET / CLOB_PASS_PHRASE and CLOB_ADDRESS or PK, else
it is the public development account; ``--tier`` gives it a cancel rate-limit tier. ``--orders``
takes a seed file or a number of live orders to generate for that account, and may be repeated.
A seed file is JSON, either an array of orders or ``{"accounts": [...], "orders": [...]}``; see
the README. ``--write-env FILE`` writes the first account's client variables to FILE once the
mock listens, for `clob-cancel --env-file FILE` or `set -a; . FILE` in a CI job: a FILE left
from before is removed first, the new one is made safely in a shared directory (mode 0600, a
random temporary name) and removed again when the mock stops on SIGINT, SIGTERM or SIGHUP.

``--accounts N`` serves N accounts: the one above and N-1 made for this run with random
credentials; ``--tier`` and ``--orders N`` then apply to each, and ``--write-env FILE`` writes the
accounts file ``clob-cancel --accounts FILE`` reads (TOML, one table per account: account-1 ...
account-N) instead of the KEY=VALUE lines.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import uvicorn

from clob_cancel.defaults import POLYGON
from clob_cancel.environment import credential_env
from clob_cancel.signing import CredentialsError
from clob_cancel.version import version_line

from .accounts import DEFAULT_ACCOUNT, Account, account_from_env, generated_accounts
from .app import create_app
from .buckets import tier_named
from .clob import DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMESTAMP_WINDOW
from .envfile import (
    accounts_file_text,
    env_file_text,
    remove_env_file,
    remove_stale_env_file,
    write_env_file,
)
from .faults import FaultsError
from .heartbeats import DEFAULT_HEARTBEAT_TIMEOUT, check_timeout
from .orders import Order, OrderError, generated_orders
from .server import bind_socket, uvicorn_config

# The --write-env helpers stay importable from here, where they lived before envfile.py.
__all__ = [
    "SeedError",
    "accounts_file_text",
    "describe_account",
    "env_file_text",
    "faults_from_args",
    "load_seed",
    "main",
    "parse_args",
    "remove_env_file",
    "remove_stale_env_file",
    "write_env_file",
]


class SeedError(ValueError):
    """The seed file is unreadable or malformed; the message names the file and the place."""


def load_seed(path: Path) -> tuple[list[Account], list[Any]]:
    """The accounts and the (still unparsed) orders a seed file declares."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise SeedError(f"{path}: cannot read ({e.strerror})") from None
    except ValueError as e:
        raise SeedError(f"{path}: not valid JSON ({e})") from None
    if isinstance(data, list):
        return [], data
    if not isinstance(data, dict) or set(data) - {"accounts", "orders"}:
        raise SeedError(
            f'{path}: expected an array of orders or {{"accounts": [...], "orders": [...]}}'
        )
    accounts = []
    raw_accounts = data.get("accounts", [])
    if not isinstance(raw_accounts, list):
        raise SeedError(f"{path}: accounts must be an array")
    for i, item in enumerate(raw_accounts):
        fields = {"api_key", "secret", "passphrase", "address", "private_key", "tier"}
        if not isinstance(item, dict) or set(item) - fields:
            raise SeedError(
                f"{path}: accounts[{i}] must be an object with {', '.join(sorted(fields))}"
            )
        try:
            accounts.append(Account(**item))
        except (TypeError, ValueError) as e:
            raise SeedError(f"{path}: accounts[{i}]: {e}") from None
    orders = data.get("orders", [])
    if not isinstance(orders, list):
        raise SeedError(f"{path}: orders must be an array")
    return accounts, orders


def _tier(name: str) -> str:
    try:
        return tier_named(name).name
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


MAX_ACCOUNTS = 1000


def _account_count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_ACCOUNTS:
        raise argparse.ArgumentTypeError(f"expected 1 to {MAX_ACCOUNTS}, got {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        return check_timeout(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds > 0, got {text!r}") from None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="clob-cancel-mock",
        description="A mock Polymarket CLOB for the cancel API: keeps order state, verifies "
        "L2 signatures, validates requests against the OpenAPI contract.",
        epilog="The account: CLOB_API_KEY, CLOB_SECRET, CLOB_PASS_PHRASE and CLOB_ADDRESS (or PK) "
        "when set, else the public development account. Admin surface (no auth): /_mock/orders, "
        "/_mock/reset, /_mock/faults, /_mock/accounts, /_mock/heartbeats (per api key: armed, "
        "expected_id, seconds_left, lapses, last_canceled). Order heartbeats (POST "
        "/v1/heartbeats): the first accepted send arms the key; with no accepted send for "
        "--heartbeat-timeout seconds the mock cancels all its live orders and disarms it (the "
        'expected id is then "" again).',
    )
    parser.add_argument("--version", action="version", version=version_line("clob-cancel-mock"))
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (0: a free one; default 8080)")
    parser.add_argument(
        "--orders",
        action="append",
        default=[],
        metavar="FILE|N",
        help="a seed JSON file, or N live orders to generate for the first account (for each, with "
        "--accounts N) (repeatable)",
    )
    parser.add_argument(
        "--accounts",
        type=_account_count,
        metavar="N",
        help="serve N accounts: the one from the environment (or the development account) and "
        "N-1 with random credentials made for this run; --tier and --orders N apply to each, "
        "and --write-env writes the accounts file (TOML) `clob-cancel --accounts FILE` reads",
    )
    parser.add_argument(
        "--timestamp-window",
        type=float,
        default=DEFAULT_TIMESTAMP_WINDOW,
        metavar="SECONDS",
        help=f"accepted |server time - POLY_TIMESTAMP| (default {DEFAULT_TIMESTAMP_WINDOW:g})",
    )
    parser.add_argument(
        "--heartbeat-timeout",
        type=_seconds,
        default=DEFAULT_HEARTBEAT_TIMEOUT,
        metavar="SECONDS",
        help="cancel an armed api key's orders after this long without an accepted heartbeat "
        f"(default {DEFAULT_HEARTBEAT_TIMEOUT:g}, as the real CLOB)",
    )
    parser.add_argument(
        "--chain-id", type=int, default=POLYGON, help=f"EIP-712 chain id for L1 ({POLYGON})"
    )
    parser.add_argument(
        "--tier",
        type=_tier,
        metavar="NAME",
        help="the account's cancel rate-limit tier (Standard ... Elite; default: no limit)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        metavar="N",
        help="answer 413 to bigger bodies (default 1 MiB)",
    )
    faults = parser.add_argument_group("fault injection (off by default; also POST /_mock/faults)")
    faults.add_argument(
        "--rate-limit",
        metavar="TIER|RATE[:BURST]",
        help="every signer's cancel bucket: a documented tier, or RATE tokens/s and BURST size",
    )
    faults.add_argument(
        "--negative-balance",
        action="store_true",
        help="with --rate-limit RATE[:BURST]: the balance may go below zero",
    )
    faults.add_argument(
        "--rate-limit-warning",
        action="store_true",
        help="with --rate-limit: admit what would be refused, with Poly-RateLimit-Warning: true",
    )
    faults.add_argument(
        "--above-burst",
        choices=("refuse", "admit"),
        help="with --rate-limit: whether a negative-balance tier admits a cost above its burst "
        "(default refuse)",
    )
    faults.add_argument(
        "--fail-status",
        type=int,
        choices=(425, 429, 500, 503),
        help="answer this status instead of serving",
    )
    faults.add_argument(
        "--fail-count",
        type=int,
        metavar="N",
        help="only for the next N requests (with --fail-status, --drop-connections, --restarting)",
    )
    faults.add_argument(
        "--restarting",
        nargs="?",
        const=True,
        type=float,
        metavar="SECONDS",
        help="the matching engine restarts: 425 on every cancel for SECONDS (or --fail-count N "
        "requests, or until cleared), then post-only mode, in which cancels work",
    )
    faults.add_argument(
        "--post-only-seconds",
        type=float,
        metavar="SECONDS",
        help="the post-only window after --restarting (default 120)",
    )
    faults.add_argument("--trading-disabled", action="store_true", help="503 on every cancel")
    faults.add_argument(
        "--cancel-only", action="store_true", help="cancel-only mode (cancels work)"
    )
    faults.add_argument(
        "--delay", type=float, default=0.0, metavar="SECONDS", help="answer every cancel this late"
    )
    faults.add_argument(
        "--drop-connections",
        action="store_true",
        help="close the connection after reading each request, without answering",
    )
    parser.add_argument(
        "--write-env",
        metavar="FILE",
        type=Path,
        help="once listening, write CLOB_API_URL, CLOB_API_KEY, CLOB_SECRET, CLOB_PASS_PHRASE and "
        "CLOB_ADDRESS of the first account to FILE (mode 0600; removed again at a clean stop), as "
        "KEY=VALUE lines that `clob-cancel --env-file FILE` and `set -a; . FILE` both read; with "
        "--accounts, every account's, as the TOML accounts file of `clob-cancel --accounts FILE`",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request (no headers)")
    parser.add_argument(
        "--http",
        default="auto",
        choices=("auto", "h11", "httptools"),
        help="uvicorn's HTTP parser (auto: httptools when installed)",
    )
    return parser.parse_args(argv)


def _rate_limit_from_args(args: argparse.Namespace) -> dict[str, Any]:
    spec = args.rate_limit
    limit: dict[str, Any]
    if re.fullmatch(r"[A-Za-z]+", spec):
        limit = {"tier": spec}
    else:
        rate, _, burst = spec.partition(":")
        try:
            limit = {"rate": float(rate), **({"burst": int(burst)} if burst else {})}
        except ValueError:
            message = f"--rate-limit: expected TIER or RATE[:BURST], got {spec!r}"
            raise FaultsError(message) from None
        if args.negative_balance:
            limit["negative_balance"] = True
    if args.rate_limit_warning:
        limit["warning"] = True
    if args.above_burst:
        limit["above_burst"] = args.above_burst
    return limit


def faults_from_args(args: argparse.Namespace) -> dict[str, Any]:
    faults: dict[str, Any] = {}
    if args.rate_limit:
        faults["rate_limit"] = _rate_limit_from_args(args)
    else:
        given = [
            flag
            for flag, on in [
                ("--negative-balance", args.negative_balance),
                ("--rate-limit-warning", args.rate_limit_warning),
                ("--above-burst", args.above_burst),
            ]
            if on
        ]
        if given:
            raise FaultsError(f"{', '.join(given)}: only with --rate-limit")
    if args.fail_status:
        faults["status"] = args.fail_status
    if args.fail_count is not None:
        faults["count"] = args.fail_count
    if args.restarting is not None:
        faults["restarting"] = args.restarting
    if args.post_only_seconds is not None:
        faults["post_only_seconds"] = args.post_only_seconds
    if args.trading_disabled:
        faults["trading_disabled"] = True
    if args.cancel_only:
        faults["cancel_only"] = True
    if args.delay:
        faults["delay_seconds"] = args.delay
    if args.drop_connections:
        faults["drop_connection"] = True
    return faults


def describe_account(account: Account) -> list[str]:
    """What to print about an account: never the secret or passphrase of a real one."""
    lines = [f"  api key:    {account.api_key}", f"  address:    {account.address}"]
    if account.cancel_tier is not None:
        lines.append(f"  tier:       {account.cancel_tier.name}")
    if account == DEFAULT_ACCOUNT:  # public development values, printed so users can copy them
        lines += [
            f"  secret:     {account.secret}",
            f"  passphrase: {account.passphrase}",
            f"  private key (public Hardhat test key): {account.private_key}",
        ]
    return lines


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Each stops the mock cleanly (exit 0, FILE removed): SIGHUP too, as a CI runner closing the
job's terminal or session sends it."""


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.write_env:
            remove_stale_env_file(args.write_env)
        accounts = [
            account_from_env(credential_env(os.environ, required=False)),
            *generated_accounts((args.accounts or 1) - 1),
        ]
        if args.tier:
            accounts = [attrs.evolve(account, tier=args.tier) for account in accounts]
        served = list(accounts)  # --tier and --orders N: these, not a seed file's
        orders: list[Order | Any] = []
        for source in args.orders:
            if source.isdigit():
                for account in served:
                    orders += generated_orders(int(source), account.api_key)
                continue
            seed_accounts, seed_orders = load_seed(Path(source))
            accounts += [a for a in seed_accounts if a.api_key not in {b.api_key for b in accounts}]
            orders += seed_orders
        app = create_app(
            accounts,
            orders,
            timestamp_window=args.timestamp_window,
            chain_id=args.chain_id,
            max_body_bytes=args.max_body_bytes,
            faults=faults_from_args(args),
            heartbeat_timeout=args.heartbeat_timeout,
        )
        sock = bind_socket(args.host, args.port)
    except (CredentialsError, SeedError, OrderError, FaultsError, OSError) as e:
        print(f"clob-cancel-mock: {e}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    server = uvicorn.Server(
        uvicorn_config(app, access_log=args.access_log, log_level="info", http=args.http)
    )

    # Installed before FILE is written and the URL printed: a stop signal sent as soon as either
    # appears (before uvicorn puts its own handlers in) still stops the server cleanly, through
    # the `finally` below that removes FILE. uvicorn re-raises the signals it handled (SIGINT,
    # SIGTERM) to these handlers on the way out, which makes that a clean exit too.
    def stop(_sig: int, _frame: object) -> None:
        server.should_exit = True

    for sig in STOP_SIGNALS:
        signal.signal(sig, stop)
    env_file: tuple[tuple[int, int], str] | None = None
    try:
        if args.write_env:
            # The socket listens already: a client that reads FILE and connects waits in the
            # backlog.
            try:
                url = f"http://{host}:{port}"
                if args.accounts:
                    env_text = accounts_file_text(url, served)
                else:
                    env_text = env_file_text(accounts[0].client_env(url))
                env_file = write_env_file(args.write_env, env_text), env_text
            except (ValueError, OSError) as e:
                sock.close()
                print(f"clob-cancel-mock: {e}", file=sys.stderr)
                return 2
        lines = [f"clob-cancel-mock: serving the CLOB cancel API on http://{host}:{port}"]
        for account in app.clob.accounts:
            lines += ["account:", *describe_account(account)]
        if args.write_env:
            what = "accounts file" if args.accounts else "client environment"
            lines.append(f"{what}: {args.write_env}")
        lines.append(
            f"orders: {len(app.clob.book.all())}; admin surface: http://{host}:{port}/_mock/"
        )
        print("\n".join(lines), flush=True)
        server.run(sockets=[sock])
    finally:
        if env_file is not None:  # a stale FILE would point the next job at a dead port
            remove_env_file(args.write_env, *env_file)
    print("clob-cancel-mock: stopped", flush=True)
    return 0
