"""``all``, ``market`` and ``orders --file`` with ``--accounts FILE``: the same cancel on every
account of an accounts file at once (clob_cancel.fleet), then one summary: a line per account
and the totals, or the same as one JSON object; the exit code is the worst account's.

``orders`` takes its ids from ``--file`` only, saying which account each belongs to (a JSON
object ``{"NAME": ["0x...", ...]}``, or ``NAME ID`` lines): trying every id on every account
would spend every bucket's tokens on ids most accounts never had, and bury the real "not
canceled" reasons under "not found" ones.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO, cast

from .cancel import (
    Interrupted,
    dry_run_transport,
    exit_code,
    interrupts_accounted,
    not_sent,
    sample_ids,
    show_request,
)
from .connect import make_client, resolve_url
from .exits import ExitCode, UsageError
from .files import read_text
from .output import describe_error

if TYPE_CHECKING:
    import httpx

    from clob_cancel_client.models import CancelOrdersResponse

    from ..accounts import AccountEnv
    from ..client import CancelClient
    from ..errors import CancelError
    from ..fleet import FleetResult


class TaggedLines(io.TextIOBase):
    """stderr for one account's client: each whole line, written at once (the accounts' threads
    share stderr), with ``[NAME]`` after the ``clob-cancel:`` that starts it."""

    lock = threading.Lock()

    def __init__(self, target: TextIO, name: str) -> None:
        self.target, self.name, self.pending = target, name, ""

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            tagged = line.replace("clob-cancel: ", f"clob-cancel: [{self.name}] ", 1)
            with self.lock:
                self.target.write(tagged + "\n")
                self.target.flush()
        return len(text)

    def writable(self) -> bool:
        return True


def names_option(text: str | None) -> list[str] | None:
    """``--only`` / ``--except``: comma-separated account names."""
    if text is None:
        return None
    return [name.strip() for name in text.split(",") if name.strip()]


def read_ids_by_account(path: str, stdin: TextIO) -> dict[str, list[str]]:
    """``orders --file`` with --accounts: a JSON object of account name to an array of ids, or
    ``NAME ID`` lines (blank lines and ``#`` comments skipped); the ids in file order."""
    text = stdin.read() if path == "-" else read_text(path, "--file")
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as e:
            raise UsageError(f"--file {path}: not a valid JSON object: {e}") from None
        if not all(
            isinstance(ids, list) and all(isinstance(i, str) for i in ids) for ids in data.values()
        ):
            raise UsageError(f"--file {path}: each account's ids must be a JSON array of strings")
        return {name: ids for name, ids in data.items() if ids}
    by_account: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(fields) != 2:
            raise UsageError(
                f"--file {path}, line {number}: with --accounts, expected 'NAME ID' (or a JSON "
                'object {"NAME": ["ID", ...]})'
            )
        by_account.setdefault(fields[0], []).append(fields[1])
    return by_account


def account_record(
    result: CancelOrdersResponse | CancelError, requested: Sequence[str] | None, json_fields: bool
) -> dict[str, Any]:
    """One account's part of the summary, the shape ``clob-cancel --json`` prints for one
    account (every id given is in exactly one of its four lists), and its exit code."""
    from ..errors import CancelError, CancelInterrupted

    if not isinstance(result, CancelError):
        record = result.to_dict()
        record.update(unknown=[], untouched=[], error=None, status=None)
        record["exit_code"] = int(exit_code(result, requested, market=False))
        return record
    known = result.partial
    record = known.to_dict() if known else {"canceled": [], "not_canceled": {}}
    record["unknown"] = list(result.unknown_ids)
    record["untouched"] = list(result.untouched_ids)
    record["error"] = describe_error(result, json_fields=json_fields)
    record["status"] = result.status
    if isinstance(result, CancelInterrupted):
        record["interrupted"] = True
    if result.restriction is not None:
        record["restriction"] = result.restriction
    record["exit_code"] = int(ExitCode.FAILED)
    return record


COUNTED = ("canceled", "not_canceled", "unknown", "untouched")


def fleet_report(
    results: FleetResult, requested: Mapping[str, Sequence[str]] | None, json_fields: bool
) -> dict[str, Any]:
    """The whole summary: each account's record, the totals, and the worst exit code."""
    accounts = {
        name: account_record(result, None if requested is None else requested[name], json_fields)
        for name, result in results.items()
    }
    totals = {field: sum(len(r[field]) for r in accounts.values()) for field in COUNTED}
    totals["accounts"] = len(accounts)
    totals["failed"] = sum(r["error"] is not None for r in accounts.values())
    worst = max((r["exit_code"] for r in accounts.values()), default=int(ExitCode.OK))
    return {"accounts": accounts, "totals": totals, "exit_code": worst}


def outcome(record: Mapping[str, Any]) -> str:
    if record.get("interrupted"):
        return "interrupted"
    if record["error"] is not None:
        status = record["status"]
        return "failed: " + ("no answer" if status is None else f"HTTP {status}")
    return "ok" if record["exit_code"] == ExitCode.OK else "some not canceled"


def print_report(report: Mapping[str, Any], out: TextIO) -> None:
    """The summary in words: the table, then what each account left behind."""
    accounts = report["accounts"]
    width = max(len("account"), *(len(name) for name in accounts))
    head = ("canceled", "not canceled", "unknown", "untouched")
    print(f"{'account':<{width}}  " + "  ".join(head) + "  result", file=out)

    def row(name: str, counts: Sequence[int], result: str) -> None:
        cells = "  ".join(f"{n:>{len(h)}}" for n, h in zip(counts, head, strict=True))
        print(f"{name:<{width}}  {cells}  {result}", file=out)

    for name, record in accounts.items():
        row(name, [len(record[field]) for field in COUNTED], outcome(record))
    totals = report["totals"]
    failed = f", {totals['failed']} failed" if totals["failed"] else ""
    row("total", [totals[field] for field in COUNTED], f"{totals['accounts']} accounts{failed}")
    for name, record in accounts.items():
        if record["not_canceled"]:
            print(f"{name}: not canceled: {len(record['not_canceled'])}", file=out)
            for order_id, reason in record["not_canceled"].items():
                print(f"  {order_id}: {reason}", file=out)
        if record["unknown"]:
            print(
                f"{name}: outcome unknown for {len(record['unknown'])} orders (the request may "
                f"have canceled them: check, or cancel them again): "
                f"{sample_ids(record['unknown'])}",
                file=out,
            )
        if record["untouched"]:
            print(
                f"{name}: certainly not canceled: {len(record['untouched'])} orders (their "
                f"request was refused or never sent): {sample_ids(record['untouched'])}",
                file=out,
            )


def account_environment(
    args: argparse.Namespace, account: AccountEnv, where: str
) -> dict[str, str]:
    """The account's variables, its URL being --url, else the file's, else $CLOB_API_URL,
    checked as for one account."""
    env = dict(account.environ)
    given = args.url or env.get("CLOB_API_URL") or os.environ.get("CLOB_API_URL", "")
    try:
        env["CLOB_API_URL"] = resolve_url(given, args.insecure_http)
    except UsageError as e:
        raise UsageError(f"{where}, account {account.name}: {e}") from None
    return env


def selected_accounts(
    args: argparse.Namespace, err: TextIO
) -> tuple[list[AccountEnv], list[AccountEnv]]:
    """Every account of --accounts FILE, and the ones --only/--except select (usage errors,
    before anything is sent; a file others can read is warned about on ``err``)."""
    from ..accounts import AccountsFileError, read_accounts_file, select_accounts

    if args.accounts is None:
        raise UsageError("--only and --except select accounts of --accounts FILE")
    if args.env_file or args.address:
        raise UsageError("--accounts gives every account's credentials: no --env-file/--address")
    try:
        every = read_accounts_file(
            args.accounts, warn=lambda m: print(f"clob-cancel: {m}", file=err)
        )
    except AccountsFileError as e:  # it names the file
        raise UsageError(f"--accounts: {e}") from None
    try:
        chosen = select_accounts(every, names_option(args.only), names_option(args.exclude))
    except ValueError as e:
        raise UsageError(f"--accounts {args.accounts}: {e}") from None
    return every, chosen


def account_clients(
    args: argparse.Namespace,
    chosen: Sequence[AccountEnv],
    make: Callable[[AccountEnv, dict[str, str]], CancelClient],
) -> dict[str, CancelClient]:
    """A client per account, ``make(account, its variables)``; a usage error names the account
    (the clients made before it are closed)."""
    where = f"--accounts {args.accounts}"
    clients: dict[str, CancelClient] = {}
    try:
        for account in chosen:
            env = account_environment(args, account, where)
            try:
                clients[account.name] = make(account, env)
            except UsageError as e:
                raise UsageError(f"{where}, account {account.name}: {e}") from None
    except BaseException:
        for client in clients.values():
            client.close()
        raise
    return clients


def fleet_command(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """The fleet cancel; SIGINT/SIGTERM during it stop every account's cancel and still print
    every account's accounting (``interrupted`` in --json), exit 130/143 as for one account;
    before anything was sent too, a script given --json gets its report (``report_not_sent``)."""
    from ..fleet import fleet_interruption_of

    args.requested = None  # each account's ids, once read (an answer's exit code needs them)
    args.unsent = {}  # each selected account's ids as far as read: untouched until the next flag
    args.cancels_began = False  # from here on, never "untouched": the cancels may have been sent
    args.cancels_ended = False
    with interrupts_accounted():
        try:
            return _fleet_command(args, stdin, out, err)
        except Interrupted as e:
            code = e.exit_code
            found = fleet_interruption_of(e)
            if found is None and args.cancels_began:  # outside the fleet's run: nothing known
                when = (
                    "after every account's cancel ended"
                    if args.cancels_ended
                    else "as the accounts' cancels began or ended"
                )
                print(
                    f"clob-cancel: interrupted ({e}) {when}, before the summary: check the "
                    "accounts' open orders",
                    file=err,
                )
                return code
            if found is None:
                return report_not_sent(args.unsent, args, str(e), code, out, err)
            report = fleet_report(found.results, args.requested, args.json)
            report.update(interrupted=str(e), exit_code=int(code))
            print(f"clob-cancel: interrupted ({e}): every account's cancel stopped", file=err)
            show_report(report, args.json, out, err)
            return code


def report_not_sent(
    unsent: Mapping[str, Sequence[str]],
    args: argparse.Namespace,
    signame: str,
    code: int,
    out: TextIO,
    err: TextIO,
) -> int:
    """An interrupt before any account's cancel began: each account known so far with its ids
    as far as read, all untouched (no account when the accounts file was not read yet: none is
    guessed, nor any id); --json prints it as the fleet's report, so a script always gets one."""
    results: FleetResult = {
        name: not_sent(ids, args.command, signame) for name, ids in unsent.items()
    }
    report = fleet_report(results, None, args.json)
    report.update(interrupted=signame, exit_code=int(code))
    untouched = report["totals"]["untouched"]
    counts = f": {untouched} orders certainly not canceled" if untouched else ""
    print(f"clob-cancel: interrupted ({signame}) before anything was sent{counts}", file=err)
    if args.json:
        print(json.dumps(report), file=out)
    return code


def show_report(report: Mapping[str, Any], json_output: bool, out: TextIO, err: TextIO) -> None:
    """Each account's error on stderr, then the summary (or its JSON) on stdout."""
    for name, record in report["accounts"].items():
        if record["error"] is not None:
            print(f"clob-cancel: [{name}] {record['error']}", file=err)
    if json_output:
        print(json.dumps(report), file=out)
    else:
        print_report(report, out)


def _fleet_command(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    from ..fleet import CancelFleet, checked_ids, sliced_sleep

    where = f"--accounts {args.accounts}"
    every, chosen = selected_accounts(args, err)
    args.unsent = {a.name: [] for a in chosen}
    if args.command == "orders" and (args.order_ids or not args.file):
        raise UsageError(
            "with --accounts, give the ids with --file, saying which account each belongs to"
        )
    if args.command == "market" and args.market is None and args.asset_id is None:
        raise UsageError("market needs --market and/or --asset-id (to cancel all: 'all')")
    requested: dict[str, list[str]] | None = None
    if args.command == "orders":
        by_account = read_ids_by_account(args.file, stdin)
        args.unsent = {a.name: by_account[a.name] for a in chosen if a.name in by_account}
        unknown = sorted(set(by_account) - {a.name for a in every})
        if unknown:
            raise UsageError(
                f"--file {args.file}: no account named {', '.join(unknown)} in {where}"
            )
        names = {a.name for a in chosen}
        left_out = {name: len(ids) for name, ids in by_account.items() if name not in names}
        if left_out:
            told = ", ".join(f"{name} ({n} ids)" for name, n in left_out.items())
            print(f"clob-cancel: not selected, their ids not sent: {told}", file=err)
        idle = [a.name for a in chosen if a.name not in by_account]
        if idle:
            print(f"clob-cancel: no ids in --file for: {', '.join(idle)}", file=err)
        chosen = [a for a in chosen if a.name in by_account]
        if not chosen:
            raise UsageError("no ids for the selected accounts")
        try:
            requested = checked_ids(names, {a.name: by_account[a.name] for a in chosen})
        except (TypeError, ValueError) as e:
            raise UsageError(str(e)) from None
        requested = {name: list(dict.fromkeys(ids)) for name, ids in requested.items()}
        args.requested = requested

    sent: dict[str, list[httpx.Request]] = {a.name: [] for a in chosen}

    def make(account: AccountEnv, env: dict[str, str]) -> CancelClient:
        if args.dry_run:
            transport = dry_run_transport(sent[account.name])
            return make_client(args, env, httpx_client_kwargs={"transport": transport})
        tagged = cast(TextIO, TaggedLines(err, account.name))
        return make_client(args, env, tagged, sleep=sliced_sleep)

    clients = account_clients(args, chosen, make)

    with CancelFleet(clients) as fleet:
        args.cancels_began = True
        if requested is not None:
            results = fleet.cancel_orders(requested)
        elif args.command == "all":
            results = fleet.cancel_all()
        else:
            results = fleet.cancel_market_orders(args.market, args.asset_id)
        args.cancels_ended = True
    if args.dry_run:
        for name, requests in sent.items():
            print(f"[{name}] dry run: {len(requests)} request(s) would be sent", file=out)
            for request in requests:
                show_request(request, out)
        return ExitCode.OK
    report = fleet_report(results, requested, args.json)
    show_report(report, args.json, out, err)
    return int(report["exit_code"])


def fleet_doctor_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``doctor --accounts FILE``: every account checked at once (``client.check()``, nothing
    canceled or armed), a report per account and a summary line, or as one JSON object shaped
    as the fleet cancels' (``accounts``, ``totals``, ``exit_code``); the exit code the worst."""
    from concurrent.futures import ThreadPoolExecutor

    from .doctor import EXIT_CODES, READS, print_report

    _, chosen = selected_accounts(args, err)
    keys = {account.name: account.environ.get("PK") or None for account in chosen}
    clients = account_clients(args, chosen, lambda account, env: make_client(args, env))
    try:
        if args.dry_run:
            for name, client in clients.items():
                reads = [*READS, "GET /auth/derive-api-key (L1, on a 401)"] if keys[name] else READS
                print(f"[{name}] dry run: {', '.join(reads)} on {client.base_url}", file=out)
            return ExitCode.OK
        with ThreadPoolExecutor(len(clients), thread_name_prefix="clob-cancel-doctor") as pool:
            futures = {
                name: pool.submit(client.check, private_key=keys[name])
                for name, client in clients.items()
            }
        reports = {name: future.result() for name, future in futures.items()}
    finally:
        for client in clients.values():
            client.close()
    codes = {name: int(EXIT_CODES[report.status]) for name, report in reports.items()}
    worst = max(codes.values())
    statuses = [report.status for report in reports.values()]
    totals = {status: statuses.count(status) for status in ("ok", "warning", "failure")}
    if args.json:
        accounts = {
            name: {**report.to_dict(), "exit_code": codes[name]} for name, report in reports.items()
        }
        totals["accounts"] = len(accounts)
        print(json.dumps({"accounts": accounts, "totals": totals, "exit_code": worst}), file=out)
        return worst
    for name, report in reports.items():
        print_report(report, out, account=name)
        print(file=out)
    counts = ", ".join(f"{n} {status}" for status, n in totals.items() if n)
    failed = [name for name, report in reports.items() if report.status == "failure"]
    warned = [name for name, report in reports.items() if report.status == "warning"]
    if failed:
        verdict = f"THE KILL SWITCH WILL NOT WORK on {', '.join(failed)}"
    elif warned:
        verdict = f"the kill switch should work, but see the warnings of {', '.join(warned)}"
    else:
        verdict = "the kill switch should work on every account"
    print(f"doctor: {len(reports)} accounts: {counts}; {verdict} (exit {worst})", file=out)
    return worst
