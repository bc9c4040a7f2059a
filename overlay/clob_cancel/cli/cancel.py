"""The four cancel commands (order, orders, all, market): send, then say what became of each id."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from .connect import environment, make_client
from .exits import ExitCode, UsageError
from .inputs import read_ids
from .output import describe_error

if TYPE_CHECKING:
    import httpx

    from clob_cancel_client.models import CancelOrdersResponse

    from ..client import CancelClient
    from ..errors import CancelError


def dry_run_transport(sent: list[httpx.Request]) -> httpx.MockTransport:
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


def progress_printer(err: TextIO) -> Callable[[int, int], None]:
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


def show_request(request: httpx.Request, out: TextIO) -> None:
    body = request.content.decode("utf-8", "replace")
    if len(body) > 400:
        body = f"{body[:400]}… ({len(request.content)} bytes)"
    names = sorted(request.headers.keys())
    print(f"{request.method} {request.url}", file=out)
    print(f"  headers: {', '.join(names)}", file=out)
    print(f"  body: {body or '(none)'}", file=out)


def exit_code(answer: CancelOrdersResponse, requested: Sequence[str] | None) -> int:
    if requested is not None:
        return ExitCode.OK if set(requested) <= set(answer.canceled) else ExitCode.NOT_ALL_CANCELED
    return ExitCode.NOT_ALL_CANCELED if answer.not_canceled else ExitCode.OK


def summary(answer: CancelOrdersResponse, requested: Sequence[str] | None, out: TextIO) -> None:
    not_canceled = answer.not_canceled
    if requested is None:
        print(f"canceled {len(answer.canceled)} orders", file=out)
    else:
        print(f"canceled {len(answer.canceled)} of {len(requested)} orders", file=out)
    if not_canceled:
        print(f"not canceled: {len(not_canceled)}", file=out)
        for order_id, reason in not_canceled.items():
            print(f"  {order_id}: {reason}", file=out)


def sample_ids(ids: Sequence[str], most: int = 10) -> str:
    shown = ", ".join(ids[:most])
    return shown + (
        f", ... ({len(ids) - most} more: --json lists every one)" if len(ids) > most else ""
    )


def failure_summary(error: CancelError, out: TextIO) -> None:
    """What a failed call did to each id, in words: every id given is in one of these lines."""
    if error.partial is not None:
        print("answered before the failure:", file=out)
        summary(error.partial, None, out)
    else:
        print("no order is known to be canceled", file=out)
    if error.unknown_ids:
        print(
            f"outcome unknown for {len(error.unknown_ids)} orders (the request may have "
            f"canceled them: check, or cancel them again): {sample_ids(error.unknown_ids)}",
            file=out,
        )
    if error.untouched_ids:
        print(
            f"certainly not canceled: {len(error.untouched_ids)} orders (their request was "
            f"refused or never sent): {sample_ids(error.untouched_ids)}",
            file=out,
        )


def cancel_command(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    from ..errors import CancelError

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
        show = progress_printer(err) if err.isatty() else None
        call = lambda c: c.cancel_orders(ids, progress=show)  # noqa: E731
    elif args.command == "all":
        call = lambda c: c.cancel_all()  # noqa: E731
    else:
        if args.market is None and args.asset_id is None:
            raise UsageError("market needs --market and/or --asset-id (to cancel all: 'all')")
        call = lambda c: c.cancel_market_orders(args.market, args.asset_id)  # noqa: E731

    env = environment(args)
    sent: list[httpx.Request] = []
    options: dict[str, Any] = {}
    if args.dry_run:
        options["httpx_client_kwargs"] = {"transport": dry_run_transport(sent)}
    client = make_client(args, env, None if args.dry_run else err, **options)
    with client:
        try:
            if args.dry_run:
                call(client)  # bad input raises here, as below, before anything is recorded
                print(f"dry run: {len(sent)} request(s) would be sent", file=out)
                for request in sent:
                    show_request(request, out)
                return ExitCode.OK
            answer = call(client)
        except (TypeError, ValueError) as e:
            raise UsageError(str(e)) from None
        except CancelError as e:
            print(f"clob-cancel: {describe_error(e, json_fields=args.json)}", file=err)
            known = e.partial
            if args.json:
                report = known.to_dict() if known else {"canceled": [], "not_canceled": {}}
                report["unknown"] = list(e.unknown_ids)
                report["untouched"] = list(e.untouched_ids)
                report["error"] = describe_error(e, json_fields=True)
                report["status"] = e.status
                if e.restriction is not None:  # e.g. "restarting": cancels work again soon
                    report["restriction"] = e.restriction
                print(json.dumps(report), file=out)
            else:
                failure_summary(e, out)
            return ExitCode.FAILED
    if args.json:
        print(json.dumps(answer.to_dict()), file=out)
    else:
        summary(answer, requested, out)
    return exit_code(answer, requested)
