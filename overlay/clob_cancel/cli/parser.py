"""The command line of ``clob-cancel``: argparse, its help text and the defaults it shows (read
from clob_cancel.defaults, the client's own)."""

from __future__ import annotations

import argparse

from ..defaults import (
    AMOY,
    HEARTBEAT_DEADLINE,
    HEARTBEAT_INTERVAL,
    MAX_IDS_PER_REQUEST,
    POLYGON,
    POLYMARKET_CLOB_URL,
    RETRIES,
    RETRY_BUDGET_SECONDS,
    TIMEOUT_SECONDS,
)
from ..version import version_line

MIN_HEARTBEAT_INTERVAL = 0.5
"""seconds: a shorter --interval is a usage error (it would only flood the server)."""
STOP_GRACE = 5.0
"""seconds: heartbeat --grace's default."""

URL_SHORTCUTS = {"polymarket": POLYMARKET_CLOB_URL}
"""Names --url (or CLOB_API_URL) may give instead of a URL."""

EPILOG = f"""\
credentials come from the environment, as in the official client's examples:
  CLOB_API_URL, CLOB_API_KEY, CLOB_SECRET, CLOB_PASS_PHRASE, and PK (private key) or
  CLOB_ADDRESS; --env-file reads them from a KEY=VALUE file. There is no default URL: give
  CLOB_API_URL or --url (--url polymarket for the public CLOB, {POLYMARKET_CLOB_URL}).
  Plain http:// is refused for a host that is not loopback unless --insecure-http is given.
exit codes: 0 all canceled, 1 some not canceled (or a market cancel matched no order),
  2 usage or credential error (nothing sent), 3 server or transport error, 130/143
  interrupted by SIGINT/SIGTERM (for 3, 130 and 143 what became of each id is printed first;
  a second Ctrl-C aborts at once);
  doctor: 0 all good, 1 a warning, 3 a failure;
  heartbeat: COMMAND's exit code (128+N if a signal N ended it), 3 when the first heartbeat
  failed (COMMAND not started) or the switch lapsed (COMMAND is then stopped), 4 when
  --cancel-on-exit failed, 127 when COMMAND cannot be found or run (nothing armed).
several accounts: all, market, orders --file, doctor and heartbeat take --accounts FILE (TOML,
  a [NAME] table of these variables per account; --only/--except NAME,... choose): one line
  per account then the totals, the exit code the worst account's; interrupted, every account's
  accounting is printed; heartbeat arms every account before COMMAND, and a lapse on any one
  stops it (exit 3, the account named).
"""


COMMAND_ALIASES = {
    "cancel": "order",
    "cancel-orders": "orders",
    "cancel-all": "all",
    "cancel-market-orders": "market",
}
"""The endpoints' (and the official clients') names, accepted for the commands."""

RETRIED = (
    "425 (matching engine restarting), 429 (rate limited), 503 (trading disabled or "
    "unavailable) and connection failures (refused, or dropped before an answer)"
)


def add_common_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The options every command takes. They are given both to the main parser (before the
    command: ``clob-cancel --env-file dev.env all``) and to each command's (after it); with
    ``suppress`` the command's copies have no default, so they never undo one given before."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    parser.add_argument(
        "--url",
        default=default(None),
        help="the CLOB's URL, or 'polymarket' for the public CLOB (default: $CLOB_API_URL; "
        "required, there is no built-in default)",
    )
    parser.add_argument(
        "--insecure-http",
        action="store_true",
        default=default(False),
        help="allow plain http:// to a host that is not loopback (the passphrase travels in "
        "cleartext)",
    )
    parser.add_argument(
        "--address",
        default=default(None),
        help="the signer's address (default: $CLOB_ADDRESS, or PK's address)",
    )
    parser.add_argument(
        "--env-file",
        metavar="FILE",
        default=default(None),
        help="read CLOB_* and PK from FILE (KEY=VALUE lines, as clob-cancel-mock --write-env "
        "writes); they override the environment",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print the answer as one JSON object on stdout (on failure with the fields "
        "unknown, untouched, error and status; interrupted by a signal, also interrupted)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        default=default(False),
        help="show the requests that would be sent, send nothing (no secrets shown)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=default(TIMEOUT_SECONDS),
        metavar="SECONDS",
        help="the most each attempt may take, whole: connecting, sending and reading the "
        "whole answer (a retry is a new attempt, within the retry budget; default "
        f"{TIMEOUT_SECONDS:g})",
    )
    parser.add_argument(
        "--allow-odd-ids",
        action="store_true",
        default=default(False),
        help="send ids (and --market / --asset-id) as given, even when they are not the CLOB's "
        "(0x + 64 hex digits; asset ids decimal); also CLOB_CANCEL_ALLOW_ODD_IDS=1",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=default(RETRIES),
        metavar="N",
        help=f"how many times to resend a cancel refused or unanswered with {RETRIED}, each "
        f"after the wait the server asked or a backoff, within {RETRY_BUDGET_SECONDS:g} s; each "
        f"retry is shown on stderr with its reason and wait (default {RETRIES}; 0: never)",
    )
    parser.add_argument(
        "--sync-clock",
        action="store_true",
        default=default(False),
        help="read the server's clock (GET /time) first and sign with it: for a machine whose "
        "clock is off (a 401 says so)",
    )


FLEET_CANCEL = (
    "cancel on every account of FILE at once (TOML, one [NAME] table of CLOB_* variables per "
    "account; see README), with one summary: a line per account and the totals; the exit code "
    "is the worst account's"
)


def add_fleet_options(parser: argparse.ArgumentParser, accounts_help: str = FLEET_CANCEL) -> None:
    """--accounts, --only and --except, of the commands that run on several accounts."""
    parser.add_argument("--accounts", metavar="FILE", help=accounts_help)
    parser.add_argument("--only", metavar="NAME,...", help="with --accounts: only these accounts")
    parser.add_argument(
        "--except",
        dest="exclude",
        metavar="NAME,...",
        help="with --accounts: every account but these",
    )


def wants_fleet(args: argparse.Namespace) -> bool:
    """Whether the command line names accounts (an option of :func:`add_fleet_options`)."""
    return any(getattr(args, name, None) for name in ("accounts", "only", "exclude"))


def wrap(text: str) -> str:
    """``text`` filled to 90 columns, as the descriptions are shown."""
    import textwrap

    return textwrap.fill(text, 90, break_on_hyphens=False)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: the common options, then one subcommand each with its own."""
    common = argparse.ArgumentParser(add_help=False)
    add_common_options(common, suppress=True)

    parser = argparse.ArgumentParser(
        prog="clob-cancel",
        description=wrap(
            "Cancel orders on the Polymarket CLOB. Options go before or after COMMAND; "
            "'clob-cancel COMMAND --help' describes each command."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common_options(parser, suppress=False)
    parser.add_argument("--version", action="version", version=version_line("clob-cancel"))
    commands = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="COMMAND",
        help="what to do ('clob-cancel COMMAND --help' for its options)",
    )

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        aliases = [alias for alias, command in COMMAND_ALIASES.items() if command == name]
        return commands.add_parser(
            name, parents=[common], help=summary, description=wrap(description),
            epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter, aliases=aliases,
        )  # fmt: skip

    order = command(
        "order",
        "cancel one order",
        "Cancel one order (DELETE /order). Exit 0 if it was canceled, 1 if the server says it "
        "was not (the reason is printed).",
    )
    order.add_argument("order_id", metavar="ID", help="the order's id (its 0x... hash)")
    orders = command(
        "orders",
        "cancel several orders",
        f"Cancel the orders named (DELETE /orders), {MAX_IDS_PER_REQUEST} ids a request, each id "
        "once. Exit 0 if every one was canceled, 1 if some were not (each named with its reason).",
    )
    orders.add_argument(
        "order_ids", metavar="ID", nargs="*", help="the orders' ids (or use --file)"
    )
    orders.add_argument(
        "--file",
        metavar="FILE",
        help="read the ids from FILE ('-' for stdin): one a line ('#' comment lines skipped), a "
        "JSON array of strings, or a CSV whose header names an 'id' column; with --accounts, "
        "'NAME ID' lines or a JSON object {\"NAME\": [ids]}",
    )
    add_fleet_options(orders)
    every = command(
        "all",
        "cancel every open order of the account",
        "Cancel every open order of the API key's account (DELETE /cancel-all), in one request.",
    )
    add_fleet_options(every)
    market = command(
        "market",
        "cancel the orders of a market and/or asset",
        "Cancel the account's open orders in one market and/or of one asset "
        "(DELETE /cancel-market-orders). At least one filter is required: to cancel everything "
        "use 'all'. Exit 1 when it matched no order (a mistyped id matches nothing).",
    )
    market.add_argument("--market", help="the market's condition id")
    market.add_argument("--asset-id", help="the asset's token id")
    add_fleet_options(market)
    derive = command(
        "derive-creds",
        "create or derive API credentials from PK (L1)",
        "Create the API credentials of PK's address (POST /auth/api-key) or, when they exist, "
        "derive them (GET /auth/derive-api-key), both signed with the private key (L1). Prints "
        "CLOB_API_KEY, CLOB_SECRET and CLOB_PASS_PHRASE as KEY=VALUE lines for --env-file.",
    )
    derive.add_argument(
        "--nonce", type=int, default=0, help="the credentials' nonce (default 0, the first set)"
    )
    derive.add_argument(
        "--chain-id",
        type=int,
        default=POLYGON,
        help=f"{POLYGON} Polygon (default), {AMOY} Amoy",
    )
    command(
        "time",
        "show the server's clock and our offset",
        "Read the server's clock (GET /time, unauthenticated) and say how far this machine's "
        "clock is off: signatures carry a timestamp, so a clock off by more than a few seconds "
        "gets 401s (--sync-clock).",
    )
    doctor = command(
        "doctor",
        "check that the kill switch will work, changing nothing",
        "Check, without cancelling or arming anything, that the kill switch will work: the URL "
        "answers and TLS verifies; this machine's clock against the server's (GET /time); the "
        "credentials are accepted (GET /auth/api-keys lists the key) and, when refused, which "
        "part is likely wrong (with PK set, its L1-derived credentials are compared, never "
        "shown); the rate-limit tier and how long cancelling 1,000 and 10,000 orders takes on "
        "it. Whether the dead-man's switch is armed cannot be known without arming it, so it is "
        "not checked. Exit 0 all good, 1 a warning, 3 a failure.",
    )
    add_fleet_options(
        doctor,
        "check every account of FILE (as for the cancels' --accounts), all at once: a report "
        "per account and a summary line; the exit code is the worst account's",
    )
    heartbeat = command(
        "heartbeat",
        "keep the server's dead-man's switch armed, alone or while COMMAND runs",
        "Send order heartbeats (POST /v1/heartbeats). The first one arms the "
        "server's dead-man's switch for the WHOLE API KEY, in every process: once no heartbeat "
        "is accepted for 10 s, the server cancels every open order of the key. With COMMAND "
        "(after --), check that it can be run (exit 127 if not, nothing armed), arm first "
        "(COMMAND is not started if that fails), run COMMAND in its own "
        "process group with signals passed on to the group, and stop when it exits, with its "
        "exit code: a crashed bot's orders are canceled by the server within the deadline. "
        "COMMAND never outlives the wrapper, and a lapse stops it. Without COMMAND, until "
        "SIGINT/SIGTERM. Stopping means the server cancels after the deadline "
        "(--cancel-on-exit: at once).",
    )
    heartbeat.add_argument(
        "--interval",
        metavar="SECONDS",
        type=float,
        default=HEARTBEAT_INTERVAL,
        help=f"seconds between heartbeats (default {HEARTBEAT_INTERVAL:g}, at least "
        f"{MIN_HEARTBEAT_INTERVAL:g}, below the deadline)",
    )
    heartbeat.add_argument(
        "--deadline",
        metavar="SECONDS",
        type=float,
        default=HEARTBEAT_DEADLINE,
        help="the server's deadline in seconds, after which it cancels "
        f"(default {HEARTBEAT_DEADLINE:g}, the CLOB's)",
    )
    heartbeat.add_argument(
        "--grace",
        metavar="SECONDS",
        type=float,
        default=STOP_GRACE,
        help="seconds COMMAND's process group is given to exit once asked to stop (a signal, "
        f"a lapse), before SIGKILL (default {STOP_GRACE:g}; a second signal kills at once)",
    )
    heartbeat.add_argument(
        "--cancel-on-exit",
        action="store_true",
        help="cancel all orders at once when stopping, instead of letting the deadline run out",
    )
    add_fleet_options(
        heartbeat,
        "keep the switch of every account of FILE armed (as for the cancels' --accounts): "
        "every one is armed before COMMAND starts (one failing: COMMAND is not started, exit "
        "3), and a lapse on any one stops COMMAND (exit 3, the account named)",
    )
    heartbeat.add_argument(
        "wrapped",
        nargs=argparse.REMAINDER,
        metavar="-- COMMAND ...",
        help="the program to run while the switch is kept armed",
    )
    return parser
