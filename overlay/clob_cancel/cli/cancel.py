"""The four cancel commands (order, orders, all, market): send, then say what became of each id."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from .connect import environment, make_client
from .exits import ExitCode, UsageError
from .inputs import allow_odd_ids, check_args, read_ids
from .output import describe_error, wait_reporter

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


def possibly_canceled(answer: CancelOrdersResponse) -> list[str]:
    """The ids a retry found gone after an attempt whose answer was lost: most likely that
    attempt canceled them (the client gives them with ``LOST_ANSWER_REASON``)."""
    from ..errors import LOST_ANSWER_REASON

    return [i for i, why in answer.not_canceled.items() if why.startswith(LOST_ANSWER_REASON)]


def exit_code(answer: CancelOrdersResponse, requested: Sequence[str] | None, market: bool) -> int:
    if requested is not None:
        done = {*answer.canceled, *possibly_canceled(answer)}
        return ExitCode.OK if set(requested) <= done else ExitCode.NOT_ALL_CANCELED
    if market and not answer.canceled and not answer.not_canceled:
        return ExitCode.NOT_ALL_CANCELED  # matched nothing: a mistyped market looks like this
    return ExitCode.NOT_ALL_CANCELED if answer.not_canceled else ExitCode.OK


def summary(
    answer: CancelOrdersResponse,
    requested: Sequence[str] | None,
    out: TextIO,
    *,
    market: bool = False,
    lost_answer: bool = False,
) -> None:
    maybe = set(possibly_canceled(answer))
    not_canceled = {i: why for i, why in answer.not_canceled.items() if i not in maybe}
    if requested is None:
        print(f"canceled {len(answer.canceled)} orders", file=out)
        if market and not answer.canceled and not not_canceled:
            print("the market cancel matched no order: check --market / --asset-id", file=out)
        if lost_answer:
            print(
                "an earlier attempt's answer was lost: it may have canceled orders not listed here",
                file=out,
            )
    else:
        print(f"canceled {len(answer.canceled)} of {len(requested)} orders", file=out)
    if maybe:
        print(
            f"possibly canceled by an earlier attempt whose answer was lost (the retry found "
            f"them gone): {len(maybe)}: {sample_ids(sorted(maybe))}",
            file=out,
        )
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


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived during a cancel: raised where the call was, so that the client
    accounts for every id on its way out (as for KeyboardInterrupt)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> ExitCode:
        """130 for SIGINT, 143 for SIGTERM, as a shell reports a process they ended."""
        return ExitCode.INTERRUPTED if self.signum == signal.SIGINT else ExitCode.TERMINATED


@contextlib.contextmanager
def interrupts_accounted() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` while the cancel runs; the first one puts
    both back to their default, so that a second one aborts at once (the summary is lost)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread (a caller's own thread: as it is)
        return

    def interrupt(signum: int, frame: object) -> None:
        for name in (signal.SIGINT, signal.SIGTERM):
            signal.signal(name, signal.SIG_DFL)
        raise Interrupted(signum)

    previous = {name: signal.signal(name, interrupt) for name in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(name, handler)


def report_failure(
    error: CancelError, args: argparse.Namespace, out: TextIO, err: TextIO, **extra: object
) -> None:
    """What a failed or interrupted call did to each id: on stdout, as words or JSON."""
    print(f"clob-cancel: {describe_error(error, json_fields=args.json)}", file=err)
    if args.json:
        known = error.partial
        report = known.to_dict() if known else {"canceled": [], "not_canceled": {}}
        report["unknown"] = list(error.unknown_ids)
        report["untouched"] = list(error.untouched_ids)
        report["error"] = describe_error(error, json_fields=True)
        report["status"] = error.status
        if error.restriction is not None:  # e.g. "restarting": cancels work again soon
            report["restriction"] = error.restriction
        report.update(extra)
        print(json.dumps(report), file=out)
    else:
        failure_summary(error, out)


def not_sent(requested: Sequence[str] | None, operation: str, signame: str) -> CancelError:
    """The accounting of a command interrupted before its request left: nothing touched."""
    from ..errors import CancelInterrupted

    error = CancelInterrupted(operation, f"interrupted ({signame}) before anything was sent")
    error.untouched_ids = tuple(dict.fromkeys(requested or ()))
    error.changed_nothing = True
    return error


def cancel_command(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    args.requested = None  # the ids, once read: what an interrupt accounts for
    args.cancel_began = False  # from here on, never "untouched": the cancel may have been sent
    with interrupts_accounted():
        try:
            return _cancel_command(args, stdin, out, err)
        except Interrupted as e:
            from ..errors import interruption_of

            code = e.exit_code
            found = interruption_of(e)
            if found is None and args.cancel_began:  # outside the call's own accounting
                print(
                    f"clob-cancel: interrupted ({e}) as the cancel began or after it ended, its "
                    "summary missing or cut short: check the account's open orders",
                    file=err,
                )
                return code
            error = found or not_sent(args.requested, args.command, str(e))
            report_failure(error, args, out, err, interrupted=str(e))
            return code


def _cancel_command(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    from ..errors import CancelError

    env = environment(args)
    strict = not allow_odd_ids(args.allow_odd_ids, env)
    requested: list[str] | None = None
    call: Callable[[CancelClient], CancelOrdersResponse]
    if args.command == "order":
        (order_id,) = check_args([args.order_id], "order id", strict, "ID")
        requested = args.requested = [order_id]
        call = lambda c: c.cancel(order_id)  # noqa: E731
    elif args.command == "orders":
        if args.file and args.order_ids:
            raise UsageError("give ids as arguments or with --file, not both")
        if args.file:
            ids = read_ids(args.file, stdin, strict)
        else:
            ids = check_args(args.order_ids, "order id", strict, "ID")
        if not ids:
            raise UsageError("no order ids given: as arguments, or --file FILE")
        requested = args.requested = list(dict.fromkeys(ids))
        show = progress_printer(err) if err.isatty() else None
        call = lambda c: c.cancel_orders(ids, progress=show)  # noqa: E731
    elif args.command == "all":
        call = lambda c: c.cancel_all()  # noqa: E731
    else:
        if args.market is None and args.asset_id is None:
            raise UsageError("market needs --market and/or --asset-id (to cancel all: 'all')")
        if args.market is not None:
            check_args([args.market], "market", strict, "--market")
        if args.asset_id is not None:
            check_args([args.asset_id], "asset id", strict, "--asset-id")
        call = lambda c: c.cancel_market_orders(args.market, args.asset_id)  # noqa: E731

    sent: list[httpx.Request] = []
    options: dict[str, Any] = {}
    lost_answer = False
    if args.dry_run:
        options["httpx_client_kwargs"] = {"transport": dry_run_transport(sent)}
    else:
        report = wait_reporter(args.retries, err)

        def on_wait(request: dict[str, Any], error: CancelError | None, *rest: Any) -> None:
            nonlocal lost_answer
            lost_answer = lost_answer or (error is not None and not error.changed_nothing)
            report(request, error, *rest)

        options["on_wait"] = on_wait
    client = make_client(args, env, **options)
    with client:
        try:
            if args.dry_run:
                call(client)  # bad input raises here, as below, before anything is recorded
                print(f"dry run: {len(sent)} request(s) would be sent", file=out)
                for request in sent:
                    show_request(request, out)
                return ExitCode.OK
            args.cancel_began = True
            answer = call(client)
        except (TypeError, ValueError) as e:
            raise UsageError(str(e)) from None
        except CancelError as e:
            report_failure(e, args, out, err)
            return ExitCode.FAILED
    market = args.command == "market"
    if args.json:
        report_json = answer.to_dict()
        if maybe := possibly_canceled(answer):
            report_json["possibly_canceled"] = maybe
        if lost_answer and requested is None:
            report_json["earlier_answer_lost"] = True
        print(json.dumps(report_json), file=out)
    else:
        summary(answer, requested, out, market=market, lost_answer=lost_answer)
    return exit_code(answer, requested, market)
