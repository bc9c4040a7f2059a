"""How the CLI speaks: errors and waits on stderr, and a stdout that survives its reader leaving."""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from ..core import WaitListener
    from ..errors import CancelError


_REASONS = {
    425: "the matching engine is restarting",
    429: "rate limited",
    503: "unavailable",
}


def wait_reporter(retries: int, err: TextIO) -> WaitListener:
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


def describe_error(error: CancelError, *, json_fields: bool = False) -> str:
    """The error as the CLI says it: clock sync is --sync-clock, and the ids are in the lines
    printed with it, or under the --json fields."""
    fields = ('"canceled"/"not_canceled"', '"unknown"', '"untouched"') if json_fields else None
    return error.describe(sync_clock="--sync-clock", accounting=fields)


class PipeSafeStdout(io.TextIOBase):
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
