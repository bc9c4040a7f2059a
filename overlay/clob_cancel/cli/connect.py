"""What a command connects to: the URL, the credentials' variables, and the client they make."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any, TextIO

from ..defaults import POLYMARKET_CLOB_URL
from .exits import UsageError
from .files import read_env_file
from .output import wait_reporter
from .parser import URL_SHORTCUTS

if TYPE_CHECKING:
    from ..client import CancelClient


def resolve_url(given: str, insecure_http: bool, near_miss: str | None = None) -> str:
    """The CLOB's URL from --url or CLOB_API_URL (a name of ``URL_SHORTCUTS`` allowed), checked
    by the client's rule (clob_cancel.urls) before anything is sent. There is no default: a CI
    step that lost the variable must not cancel a real account's orders."""
    from ..urls import check_base_url

    given = given.strip()
    if not given:
        guess = f" ({near_miss} is set: did you mean CLOB_API_URL?)" if near_miss else ""
        raise UsageError(
            f"no CLOB URL: set CLOB_API_URL{guess} or pass --url URL (--url polymarket for the "
            f"public CLOB, {POLYMARKET_CLOB_URL}), or give it in a file with --env-file FILE; "
            "there is no default"
        )
    url = URL_SHORTCUTS.get(given, given)
    try:  # the client's own rule, in the CLI's words
        return check_base_url(
            url, insecure_http, name="--url / CLOB_API_URL", allow_option="--insecure-http"
        )
    except ValueError as e:
        shortcuts = f" (or one of: {', '.join(URL_SHORTCUTS)})" if "://" not in url else ""
        raise UsageError(f"{e}{shortcuts}") from None


def environment(args: argparse.Namespace) -> dict[str, str]:
    """The variables a command reads: the environment, --env-file over it, --url and --address
    over both, the URL checked."""
    env = dict(os.environ)
    if args.env_file:
        env.update(read_env_file(args.env_file))
    from ..environment import set_instead

    given = args.url or env.get("CLOB_API_URL", "")
    near_miss = None if given.strip() else set_instead("CLOB_API_URL", env)
    env["CLOB_API_URL"] = resolve_url(given, args.insecure_http, near_miss)
    if args.address:
        env["CLOB_ADDRESS"] = args.address
        env.pop("PK", None)  # an explicit address needs no private key
    return env


def make_client(
    args: argparse.Namespace,
    env: dict[str, str],
    err: TextIO | None = None,
    **options: Any,
) -> CancelClient:
    """The client the options describe; with ``err``, its retries and waits are said there."""
    from ..client import CancelClient
    from ..signing import CredentialsError

    if err is not None and "on_wait" not in options:
        options["on_wait"] = wait_reporter(args.retries, err)
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
        hint = ""
        if "not set" in str(e):
            hint = "; export them, or give them as KEY=VALUE lines in a file with --env-file FILE"
        raise UsageError(f"{e}{hint}") from None
    return client
