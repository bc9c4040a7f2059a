"""The support commands: derive-creds (L1 credentials from PK) and time (the server's clock)."""

from __future__ import annotations

import argparse
import json
import time
from typing import TextIO

from ..clock import offset_from_server_time
from .connect import environment
from .exits import ExitCode, UsageError
from .output import describe_error


def derive_creds_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..errors import CancelError
    from ..l1 import create_or_derive_api_key
    from ..signing import CredentialsError

    env = environment(args)
    private_key = env.get("PK")
    if not private_key:
        raise UsageError("derive-creds needs the private key in PK (environment or --env-file)")
    if args.dry_run:
        print(f"dry run: POST {env['CLOB_API_URL']}/auth/api-key, then", file=out)
        print(f"         GET {env['CLOB_API_URL']}/auth/derive-api-key if it exists", file=out)
        return ExitCode.OK
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
        print(f"clob-cancel: {describe_error(e)}", file=err)
        return ExitCode.FAILED
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
    return ExitCode.OK


def time_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import httpx

    from clob_cancel_client import Client
    from clob_cancel_client.api.support import get_server_time

    from ..budget import AnswerTooLarge, AttemptBudget, keep_to_budget

    url = environment(args)["CLOB_API_URL"]
    sent = time.time()
    try:
        with Client(base_url=url, timeout=args.timeout) as api:  # closes its connection
            keep_to_budget(api.get_httpx_client())  # --timeout bounds the whole call, as cancels
            with AttemptBudget(args.timeout):
                response = get_server_time.sync_detailed(client=api)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as e:
        print(f"clob-cancel: GET {url}/time failed: {e}", file=err)
        return ExitCode.FAILED
    except AnswerTooLarge:
        print(f"clob-cancel: GET {url}/time answered more than a clock reading", file=err)
        return ExitCode.FAILED
    received = time.time()
    if not isinstance(response.parsed, int):
        print(f"clob-cancel: GET {url}/time answered HTTP {response.status_code}", file=err)
        return ExitCode.FAILED
    offset = offset_from_server_time(response.parsed, sent, received)
    if args.json:
        report = {"server_time": response.parsed, "offset_seconds": round(offset, 3)}
        print(json.dumps(report), file=out)
    else:
        print(f"server time {response.parsed}; this machine is {-offset:+.1f} s off", file=out)
    return ExitCode.OK
