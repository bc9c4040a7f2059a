"""`clob-cancel`: the kill switch from a shell.

Exit codes: 0 every requested order canceled (for ``all``/``market``: nothing left not canceled),
1 the server answered but some orders were not canceled, 2 usage or credential error (nothing
sent), 3 server or transport error (what is known to be canceled is printed first).

Only the standard library is imported until a command runs, and eth-account only when a private
key is used, so ``--help`` and a cancel start fast.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import httpx

    from clob_cancel_client.models import CancelOrdersResponse

    from .client import CancelClient, WaitListener
    from .errors import CancelError
    from .heartbeat import HeartbeatKeeper

PUBLIC_CLOB = "https://clob.polymarket.com"
URL_SHORTCUTS = {"polymarket": PUBLIC_CLOB}
"""Names --url (or CLOB_API_URL) may give instead of a URL."""
OK, NOT_ALL_CANCELED, USAGE, FAILED = 0, 1, 2, 3

EPILOG = f"""\
credentials come from the environment, as in the official client's examples:
  CLOB_API_URL, CLOB_API_KEY, CLOB_SECRET, CLOB_PASS_PHRASE, and PK (private key) or
  CLOB_ADDRESS; --env-file reads them from a KEY=VALUE file. There is no default URL: give
  CLOB_API_URL or --url (--url polymarket for the public CLOB, {PUBLIC_CLOB}).
  Plain http:// is refused for a host that is not loopback unless --insecure-http is given.
exit codes: 0 all canceled, 1 some not canceled, 2 usage or credential error,
  3 server or transport error (what is known to be canceled is printed first);
  heartbeat: COMMAND's exit code (128+N if a signal N ended it), 3 when the first heartbeat
  failed (COMMAND not started) or the switch lapsed (COMMAND is then stopped).
"""


class UsageError(Exception):
    """Bad arguments or credentials: exit 2, nothing sent."""


RETRIED = (
    "425 (matching engine restarting), 429 (rate limited), 503 (trading disabled or "
    "unavailable) and connection failures (refused, or dropped before an answer)"
)


def _add_common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
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
        "unknown, untouched, error and status)",
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
        default=default(10.0),
        metavar="SECONDS",
        help="how long to wait for each answer (default 10)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=default(4),
        metavar="N",
        help=f"how many times to resend a cancel refused or unanswered with {RETRIED}, each "
        "after the wait the server asked or a backoff, within 20 s; each retry is shown on "
        "stderr with its reason and wait (default 4; 0: never)",
    )
    parser.add_argument(
        "--sync-clock",
        action="store_true",
        default=default(False),
        help="read the server's clock (GET /time) first and sign with it: for a machine whose "
        "clock is off (a 401 says so)",
    )


def _wrap(text: str) -> str:
    import textwrap

    return textwrap.fill(text, 90, break_on_hyphens=False)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _add_common(common, suppress=True)

    parser = argparse.ArgumentParser(
        prog="clob-cancel",
        description=_wrap(
            "Cancel orders on the Polymarket CLOB. Options go before or after COMMAND; "
            "'clob-cancel COMMAND --help' describes each command."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_common(parser, suppress=False)
    commands = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="COMMAND",
        help="what to do ('clob-cancel COMMAND --help' for its options)",
    )

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, parents=[common], help=summary, description=_wrap(description),
            epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
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
        "Cancel the orders named (DELETE /orders), 1000 ids a request, each id once. Exit 0 if "
        "every one was canceled, 1 if some were not (each named with its reason).",
    )
    orders.add_argument(
        "order_ids", metavar="ID", nargs="*", help="the orders' ids (or use --file)"
    )
    orders.add_argument(
        "--file",
        metavar="FILE",
        help="read the ids from FILE ('-' for stdin): one a line, or a JSON array of strings",
    )
    command(
        "all",
        "cancel every open order of the account",
        "Cancel every open order of the API key's account (DELETE /cancel-all), in one request.",
    )
    market = command(
        "market",
        "cancel the orders of a market and/or asset",
        "Cancel the account's open orders in one market and/or of one asset "
        "(DELETE /cancel-market-orders). At least one filter is required: to cancel everything "
        "use 'all'.",
    )
    market.add_argument("--market", help="the market's condition id")
    market.add_argument("--asset-id", help="the asset's token id")
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
        "--chain-id", type=int, default=137, help="137 Polygon (default), 80002 Amoy"
    )
    command(
        "time",
        "show the server's clock and our offset",
        "Read the server's clock (GET /time, unauthenticated) and say how far this machine's "
        "clock is off: signatures carry a timestamp, so a clock off by more than a few seconds "
        "gets 401s (--sync-clock).",
    )
    heartbeat = command(
        "heartbeat",
        "keep the server's dead-man's switch armed, alone or while COMMAND runs",
        "Send order heartbeats (POST /v1/heartbeats). The first one arms the "
        "server's dead-man's switch for the WHOLE API KEY, in every process: once no heartbeat "
        "is accepted for 10 s, the server cancels every open order of the key. With COMMAND "
        "(after --), arm first (COMMAND is not started if that fails), run COMMAND with signals "
        "passed on to it, and stop when it exits, with its exit code: a crashed bot's orders are "
        "canceled by the server within the deadline. Without COMMAND, until SIGINT/SIGTERM. "
        "Stopping means the server cancels after the deadline (--cancel-on-exit: at once).",
    )
    heartbeat.add_argument(
        "--interval", type=float, default=5.0, help="seconds between heartbeats (default 5)"
    )
    heartbeat.add_argument(
        "--deadline",
        type=float,
        default=10.0,
        help="the server's deadline in seconds, after which it cancels (default 10, the CLOB's)",
    )
    heartbeat.add_argument(
        "--cancel-on-exit",
        action="store_true",
        help="cancel all orders at once when stopping, instead of letting the deadline run out",
    )
    heartbeat.add_argument(
        "wrapped",
        nargs=argparse.REMAINDER,
        metavar="-- COMMAND ...",
        help="the program to run while the switch is kept armed",
    )
    return parser


def _read(path: str, option: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise UsageError(f"{option}: cannot read {path}: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise UsageError(f"{option} {path}: not UTF-8 text (at byte {e.start})") from None


def read_env_file(path: str) -> dict[str, str]:
    """KEY=VALUE lines (``export``, quotes and ``#`` comments allowed), like a .env file."""
    values: dict[str, str] = {}
    for number, raw in enumerate(_read(path, "--env-file").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--env-file {path}, line {number}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def read_ids(path: str, stdin: TextIO) -> list[str]:
    """Ids from a file or stdin: a JSON array of strings, or one id a line (blank lines skipped)."""
    try:
        text = stdin.read() if path == "-" else _read(path, "--file")
    except UnicodeDecodeError as e:
        raise UsageError(f"--file -: stdin is not UTF-8 text (at byte {e.start})") from None
    if text.lstrip().startswith("["):
        try:
            ids = json.loads(text)
        except ValueError as e:
            raise UsageError(f"--file {path}: not a valid JSON array: {e}") from None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise UsageError(f"--file {path}: the JSON array must hold only strings")
        return ids
    return [line.strip() for line in text.splitlines() if line.strip()]


def _url(given: str, insecure_http: bool) -> str:
    """The CLOB's URL from --url or CLOB_API_URL (a name of :data:`URL_SHORTCUTS` allowed),
    checked before anything is sent. There is no default: a CI step that lost the variable must
    not cancel a real account's orders."""
    from urllib.parse import urlsplit

    given = given.strip()
    if not given:
        raise UsageError(
            "no CLOB URL: set CLOB_API_URL or pass --url URL (--url polymarket for the public "
            f"CLOB, {PUBLIC_CLOB}); there is no default"
        )
    url = URL_SHORTCUTS.get(given, given)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a ValueError on a port that is not a number in range)
    except ValueError as e:
        raise UsageError(f"--url / CLOB_API_URL is not a valid URL: {e}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            "--url / CLOB_API_URL must be an http:// or https:// URL with a host, or "
            f"one of: {', '.join(URL_SHORTCUTS)}"
        )
    if parts.scheme == "http" and not insecure_http:
        from .client import _is_loopback

        if not _is_loopback(parts.hostname):
            raise UsageError(
                "--url / CLOB_API_URL is plain http:// to a host that is not loopback: the API "
                "passphrase would travel in cleartext. Use https://, or pass --insecure-http "
                "if the network is yours to trust"
            )
    return url


def _environment(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    if args.env_file:
        env.update(read_env_file(args.env_file))
    env["CLOB_API_URL"] = _url(args.url or env.get("CLOB_API_URL", ""), args.insecure_http)
    if args.address:
        env["CLOB_ADDRESS"] = args.address
        env.pop("PK", None)  # an explicit address needs no private key
    return env


_REASONS = {
    425: "the matching engine is restarting",
    429: "rate limited",
    503: "unavailable",
}


def _wait_reporter(retries: int, err: TextIO) -> WaitListener:
    """Says each wait of a cancel on stderr, as the client decides it: a retry (what the last
    attempt met, which retry this is, how long until it) or a pause for the rate-limit bucket."""

    def report(
        request: dict[str, Any], error: CancelError | None, retry: int, seconds: float
    ) -> None:
        if error is None:
            what = f"waiting {seconds:.1f} s for the rate limit (the signer's cancel bucket)"
        else:
            route = f"{request['method'].upper()} {request['url'].path}"
            if error.status is None:
                met = f"no answer from {route} (connection failed)"
            else:
                met = f"HTTP {error.status} ({_REASONS.get(error.status, 'refused')}) from {route}"
            what = f"{met}; retry {retry} of {retries} in {seconds:.1f} s"
        print(f"clob-cancel: {what}", file=err, flush=True)

    return report


def _client(
    args: argparse.Namespace,
    env: dict[str, str],
    err: TextIO | None = None,
    **options: Any,
) -> CancelClient:
    """The client the options describe; with ``err``, its retries and waits are said there."""
    from .client import CancelClient
    from .signing import CredentialsError

    try:
        client = CancelClient.from_env(
            env,
            timeout=args.timeout,
            retries=args.retries,
            allow_insecure_http=args.insecure_http,
            sync_clock=args.sync_clock,
            **options,
        )
    except (CredentialsError, ValueError) as e:
        raise UsageError(str(e)) from None
    if err is not None:
        client._on_wait = _wait_reporter(args.retries, err)
    return client


def _say(error: CancelError, *, json_fields: bool = False) -> str:
    """The error as the CLI says it: clock sync is --sync-clock, and the ids are in the lines
    printed with it, or under the --json fields."""
    fields = ('"canceled"/"not_canceled"', '"unknown"', '"untouched"') if json_fields else None
    return error.describe(sync_clock="--sync-clock", accounting=fields)


def _recorder(sent: list[httpx.Request]) -> httpx.MockTransport:
    """A transport that keeps each fully signed request and answers that each id it names was
    not canceled (a dry run)."""
    import httpx

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        body = json.loads(request.content) if request.content else None
        named = body if isinstance(body, list) else []
        if isinstance(body, dict) and "orderID" in body:
            named = [body["orderID"]]
        not_canceled = dict.fromkeys(named, "dry run: not sent")
        return httpx.Response(200, json={"canceled": [], "not_canceled": not_canceled})

    return httpx.MockTransport(record)


def _progress_printer(err: TextIO) -> Callable[[int, int], None]:
    """Progress of a long cancel on a terminal: one line, rewritten; only when chunked (the
    line starts with the first answer that leaves ids to go)."""
    shown = False

    def show(done: int, total: int) -> None:
        nonlocal shown
        shown = shown or done < total
        if shown:
            end = "\n" if done == total else ""
            print(f"\rcanceling: {done}/{total} ids answered", end=end, file=err, flush=True)

    return show


def _show_request(request: httpx.Request, out: TextIO) -> None:
    body = request.content.decode("utf-8", "replace")
    if len(body) > 400:
        body = f"{body[:400]}… ({len(request.content)} bytes)"
    names = sorted(request.headers.keys())
    print(f"{request.method} {request.url}", file=out)
    print(f"  headers: {', '.join(names)}", file=out)
    print(f"  body: {body or '(none)'}", file=out)


def _exit_code(answer: CancelOrdersResponse, requested: Sequence[str] | None) -> int:
    if requested is not None:
        return OK if set(requested) <= set(answer.canceled) else NOT_ALL_CANCELED
    return NOT_ALL_CANCELED if answer.not_canceled else OK


def _summary(answer: CancelOrdersResponse, requested: Sequence[str] | None, out: TextIO) -> None:
    not_canceled = answer.not_canceled
    if requested is None:
        print(f"canceled {len(answer.canceled)} orders", file=out)
    else:
        print(f"canceled {len(answer.canceled)} of {len(requested)} orders", file=out)
    if not_canceled:
        print(f"not canceled: {len(not_canceled)}", file=out)
        for order_id, reason in not_canceled.items():
            print(f"  {order_id}: {reason}", file=out)


def _some(ids: Sequence[str], most: int = 10) -> str:
    shown = ", ".join(ids[:most])
    return shown + (
        f", ... ({len(ids) - most} more: --json lists every one)" if len(ids) > most else ""
    )


def _failure_summary(error: CancelError, out: TextIO) -> None:
    """What a failed call did to each id, in words: every id given is in one of these lines."""
    if error.partial is not None:
        print("answered before the failure:", file=out)
        _summary(error.partial, None, out)
    else:
        print("no order is known to be canceled", file=out)
    if error.unknown_ids:
        print(
            f"outcome unknown for {len(error.unknown_ids)} orders (the request may have "
            f"canceled them: check, or cancel them again): {_some(error.unknown_ids)}",
            file=out,
        )
    if error.untouched_ids:
        print(
            f"certainly not canceled: {len(error.untouched_ids)} orders (their request was "
            f"refused or never sent): {_some(error.untouched_ids)}",
            file=out,
        )


def _cancel(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    from .errors import CancelError

    requested: list[str] | None = None
    call: Callable[[CancelClient], CancelOrdersResponse]
    if args.command == "order":
        requested = [args.order_id]
        call = lambda c: c.cancel(args.order_id)  # noqa: E731
    elif args.command == "orders":
        if args.file and args.order_ids:
            raise UsageError("give ids as arguments or with --file, not both")
        ids = read_ids(args.file, stdin) if args.file else args.order_ids
        if not ids:
            raise UsageError("no order ids given")
        requested = list(dict.fromkeys(ids))
        show = _progress_printer(err) if err.isatty() else None
        call = lambda c: c.cancel_orders(ids, progress=show)  # noqa: E731
    elif args.command == "all":
        call = lambda c: c.cancel_all()  # noqa: E731
    else:
        if args.market is None and args.asset_id is None:
            raise UsageError("market needs --market and/or --asset-id (to cancel all: 'all')")
        call = lambda c: c.cancel_market_orders(args.market, args.asset_id)  # noqa: E731

    env = _environment(args)
    sent: list[httpx.Request] = []
    options: dict[str, Any] = {}
    if args.dry_run:
        options["httpx_client_kwargs"] = {"transport": _recorder(sent)}
    client = _client(args, env, None if args.dry_run else err, **options)
    with client:
        try:
            if args.dry_run:
                call(client)  # bad input raises here, as below, before anything is recorded
                print(f"dry run: {len(sent)} request(s) would be sent", file=out)
                for request in sent:
                    _show_request(request, out)
                return OK
            answer = call(client)
        except (TypeError, ValueError) as e:
            raise UsageError(str(e)) from None
        except CancelError as e:
            print(f"clob-cancel: {_say(e, json_fields=args.json)}", file=err)
            known = e.partial
            if args.json:
                report = known.to_dict() if known else {"canceled": [], "not_canceled": {}}
                report["unknown"] = list(e.unknown_ids)
                report["untouched"] = list(e.untouched_ids)
                report["error"] = _say(e, json_fields=True)
                report["status"] = e.status
                if e.restriction is not None:  # e.g. "restarting": cancels work again soon
                    report["restriction"] = e.restriction
                print(json.dumps(report), file=out)
            else:
                _failure_summary(e, out)
            return FAILED
    if args.json:
        print(json.dumps(answer.to_dict()), file=out)
    else:
        _summary(answer, requested, out)
    return _exit_code(answer, requested)


def _derive_creds(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .errors import CancelError
    from .l1 import create_or_derive_api_key
    from .signing import CredentialsError

    env = _environment(args)
    private_key = env.get("PK")
    if not private_key:
        raise UsageError("derive-creds needs the private key in PK (environment or --env-file)")
    if args.dry_run:
        print(f"dry run: POST {env['CLOB_API_URL']}/auth/api-key, then", file=out)
        print(f"         GET {env['CLOB_API_URL']}/auth/derive-api-key if it exists", file=out)
        return OK
    try:
        creds = create_or_derive_api_key(
            env["CLOB_API_URL"],
            private_key,
            nonce=args.nonce,
            chain_id=args.chain_id,
            timeout=args.timeout,
        )
    except CredentialsError as e:
        raise UsageError(f"PK: {e}") from None
    except CancelError as e:
        print(f"clob-cancel: {_say(e)}", file=err)
        return FAILED
    values = {
        "CLOB_API_KEY": creds.api_key,
        "CLOB_SECRET": creds.api_secret,
        "CLOB_PASS_PHRASE": creds.api_passphrase,
    }
    if args.json:
        print(json.dumps(values), file=out)
    else:  # the lines an --env-file takes; the user asked for the secret, on stdout only
        for name, value in values.items():
            print(f"{name}={value}", file=out)
    return OK


def _time(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import httpx

    from clob_cancel_client import Client
    from clob_cancel_client.api.support import get_server_time

    url = _environment(args)["CLOB_API_URL"]
    sent = time.time()
    try:
        with Client(base_url=url, timeout=args.timeout) as api:  # closes its connection
            response = get_server_time.sync_detailed(client=api)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as e:
        print(f"clob-cancel: GET {url}/time failed: {e}", file=err)
        return FAILED
    received = time.time()
    if not isinstance(response.parsed, int):
        print(f"clob-cancel: GET {url}/time answered HTTP {response.status_code}", file=err)
        return FAILED
    offset = response.parsed + 0.5 - (sent + received) / 2
    if args.json:
        report = {"server_time": response.parsed, "offset_seconds": round(offset, 3)}
        print(json.dumps(report), file=out)
    else:
        print(f"server time {response.parsed}; this machine is {-offset:+.1f} s off", file=out)
    return OK


_FORWARDED = ("SIGINT", "SIGTERM", "SIGHUP")


def _heartbeat(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .errors import CancelError, HeartbeatLapsedError

    command = args.wrapped[1:] if args.wrapped[:1] == ["--"] else args.wrapped
    deadline = args.deadline
    if not 0 < args.interval < deadline:
        raise UsageError(f"--interval must be above 0 and below the deadline ({deadline:g} s)")
    client = _client(args, _environment(args))  # the keeper reports its own failures
    if args.dry_run:
        print(f"dry run: POST {client.base_url}/v1/heartbeats every {args.interval:g} s", file=out)
        return OK

    def say(text: str) -> None:
        print(f"clob-cancel: {text}", file=err, flush=True)

    def failed(error: CancelError, left: float) -> None:
        say(f"heartbeat failed: {_say(error)}; {max(0.0, left):.1f} s before the server's deadline")

    def lapsed(error: HeartbeatLapsedError) -> None:
        say(f"DEAD-MAN'S SWITCH LAPSED: {_say(error)}")

    with client:
        keeper = client.heartbeat(
            interval=args.interval, deadline=deadline, on_failure=failed, on_lapse=lapsed
        )
        try:
            keeper.start()
        except CancelError as e:
            say(f"the first heartbeat failed, nothing is armed: {_say(e)}")
            if command:
                say(f"{command[0]} not started")
            return FAILED
        say(
            f"dead-man's switch armed for the API key (a heartbeat every {args.interval:g} s; "
            f"the server cancels every open order of the key {deadline:g} s after the last "
            "accepted one)"
        )
        code = _run_armed(command, keeper, say)
        keeper.stop()
        if args.cancel_on_exit:
            try:
                answer = client.cancel_all()
                say(f"stopped; canceled all: {len(answer.canceled)} orders")
            except CancelError as e:
                say(
                    f"stopped; cancel-all failed ({_say(e)}): the server cancels after the deadline"
                )
                code = code or FAILED
        else:
            say(
                "heartbeats stopped: the server cancels every open order of the API key within "
                f"{deadline:g} s"
            )
    return code


def _run_armed(command: list[str], keeper: HeartbeatKeeper, say: Callable[[str], None]) -> int:
    """Run ``command`` (or, without one, wait for SIGINT/SIGTERM) while ``keeper`` sends; the
    exit code. A lapse stops the command: it must not run on without the switch it was promised."""
    import signal
    import subprocess
    import threading

    stop = threading.Event()
    child = None
    if command:
        try:  # its own process group, so that each signal reaches it once: passed on by us
            child = subprocess.Popen(command, process_group=0)
        except OSError as e:
            say(f"cannot start {command[0]}: {e.strerror or e}")
            return 127

    def on_signal(number: int, _frame: object) -> None:
        if child is not None:
            child.send_signal(number)
        else:
            stop.set()

    names = [name for name in _FORWARDED if hasattr(signal, name)]
    previous = {name: signal.signal(getattr(signal, name), on_signal) for name in names}
    try:
        while True:
            if keeper.lapse is not None:
                if child is not None:
                    say(f"stopping {command[0]}: its orders are no longer protected")
                    child.terminate()
                    try:
                        child.wait(10)
                    except subprocess.TimeoutExpired:
                        child.kill()
                        child.wait()
                return FAILED
            if child is not None:
                try:
                    returncode: int = child.wait(0.1)
                except subprocess.TimeoutExpired:
                    continue
                return returncode if returncode >= 0 else 128 - returncode
            if stop.wait(0.1):
                return OK
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command; returns the exit code (the console script exits with it)."""
    stdin, out, err = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    args = _parser().parse_args(argv)  # exits 2 on bad usage, as argparse does
    try:
        if args.command == "derive-creds":
            return _derive_creds(args, out, err)
        if args.command == "time":
            return _time(args, out, err)
        if args.command == "heartbeat":
            return _heartbeat(args, out, err)
        return _cancel(args, stdin, out, err)
    except UsageError as e:
        print(f"clob-cancel: {e}", file=err)
        return USAGE


class _Stdout(io.TextIOBase):
    """stdout for a reader that may stop reading (``clob-cancel all --json | head``): once the
    pipe is closed the rest of the output is dropped, not raised, so the exit code still says
    what was canceled. stdout is then pointed at /dev/null, so that the interpreter's last flush
    at exit cannot fail either."""

    def __init__(self, target: TextIO) -> None:
        self.target = target
        self.reader_gone = False

    def _drop_the_rest(self) -> None:
        self.reader_gone = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self.target.fileno())
        os.close(devnull)

    def write(self, text: str) -> int:
        if not self.reader_gone:
            try:
                self.target.write(text)
            except BrokenPipeError:
                self._drop_the_rest()
        return len(text)

    def flush(self) -> None:
        if not self.reader_gone:
            try:
                self.target.flush()
            except BrokenPipeError:
                self._drop_the_rest()

    def isatty(self) -> bool:
        return self.target.isatty()

    def writable(self) -> bool:
        return True


def run() -> None:
    """Console-script entry point."""
    out = _Stdout(sys.stdout)
    code = main(stdout=out)  # type: ignore[arg-type]
    out.flush()
    sys.exit(code)
