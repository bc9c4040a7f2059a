"""`clob-cancel-conformance`: prove a CLOB server honours the cancel contract.

Against --url (or CLOB_API_URL) with the account in CLOB_API_KEY, CLOB_SECRET, CLOB_PASS_PHRASE and
CLOB_ADDRESS or PK (the names the official clients use; --env-file reads them from a KEY=VALUE
file); with no URL at all, against the embedded mock, started on a free port and stopped at the
end. Exit 0 when every contract check passed, 1 when one failed, 2 for a usage error (a missing
credential, a bad option). Strictness notes never change the exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import attrs

from clob_cancel.cli import UsageError, read_env_file  # the one .env reader, as clob-cancel's
from clob_cancel.signing import CredentialsError
from clob_cancel_conformance import contract, findings, run, target
from clob_cancel_conformance.target import Target

PROG = "clob-cancel-conformance"


def _positive(name: str, raw: str) -> int:
    if raw.isascii() and raw.isdigit() and int(raw) > 0:
        return int(raw)
    raise UsageError(f"{name} must be a positive integer, got {raw!r}")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Run the cancel-contract conformance suite against a CLOB server (--url or "
            "CLOB_API_URL, credentials from CLOB_API_KEY, CLOB_SECRET, CLOB_PASS_PHRASE and "
            "CLOB_ADDRESS or PK), or against an embedded mock when no URL is given. Options after "
            "`--` go to `schemathesis run` as they are."
        ),
        epilog="Exit status: 0 every contract check passed, 1 a check failed, 2 usage error.",
    )
    p.add_argument("--url", help="the server's base URL (default: CLOB_API_URL; none: the mock)")
    p.add_argument("--env-file", metavar="FILE", help="read CLOB_* and PK from a KEY=VALUE file")
    p.add_argument(
        "--spec",
        metavar="FILE",
        help="the OpenAPI spec to test against (default: the one shipped with clob-cancel); the "
        "operations it secures with the L2 scheme are signed and auth-probed",
    )
    p.add_argument("--seed", help=f"generation seed (CONFORMANCE_SEED, {run.DEFAULT_SEED})")
    p.add_argument(
        "--max-examples",
        help=f"examples per operation (CONFORMANCE_MAX_EXAMPLES, {run.DEFAULT_MAX_EXAMPLES})",
    )
    p.add_argument(
        "--junit",
        metavar="PATH",
        help=f"JUnit XML report (CONFORMANCE_JUNIT, {run.DEFAULT_JUNIT})",
    )
    p.add_argument("--html", metavar="DIR", help="also write schemathesis' HTML report to DIR")
    p.add_argument(
        "--notes",
        metavar="PATH",
        help="strictness notes as JSON (default: next to the JUnit report, *-notes.json)",
    )
    p.add_argument(
        "--baseline",
        metavar="FILE",
        help="accepted findings: fail only on new ones (add `-- --baseline-update` to record)",
    )
    p.add_argument(
        "--allow-destructive",
        action="store_true",
        default=None,  # absent: target.from_env reads CONFORMANCE_ALLOW_DESTRUCTIVE
        help=(
            "run /cancel-all, /cancel-market-orders and heartbeats against a server this run did "
            "not start (CONFORMANCE_ALLOW_DESTRUCTIVE=1): they cancel every order of the account"
        ),
    )
    p.add_argument(
        "--insecure-http",
        action="store_true",
        help="allow a plain http:// URL to a host that is not loopback (the passphrase travels "
        "in cleartext)",
    )
    p.add_argument(
        "--rate-limit",
        default=run.DEFAULT_RATE_LIMIT,
        help="schemathesis' --rate-limit: 'auto' waits out 429 + Retry-After (default), "
        "'100/s' paces requests, 'off' neither",
    )
    return p


def _settings(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[int, int]:
    seed = args.seed or env.get("CONFORMANCE_SEED", "").strip()
    examples = args.max_examples or env.get("CONFORMANCE_MAX_EXAMPLES", "").strip()
    return (
        _positive("--seed / CONFORMANCE_SEED", seed) if seed else run.DEFAULT_SEED,
        _positive("--max-examples / CONFORMANCE_MAX_EXAMPLES", examples)
        if examples
        else run.DEFAULT_MAX_EXAMPLES,
    )


def _target(
    url: str, env: Mapping[str, str], allow_destructive: bool | None, insecure_http: bool = False
) -> Target:
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--url / CLOB_API_URL must be an http:// or https:// URL, got {url!r}")
    from clob_cancel.client import _is_loopback  # the one loopback rule, as clob-cancel's

    host = urlsplit(url).hostname or ""
    if url.startswith("http://") and not _is_loopback(host) and not insecure_http:
        raise UsageError(
            "--url / CLOB_API_URL is plain http:// to a host that is not loopback: the API "
            "passphrase would travel in cleartext. Use https://, or pass --insecure-http if the "
            "network is yours to trust"
        )
    try:
        return target.from_env({**env, "CLOB_API_URL": url}, allow_destructive=allow_destructive)
    except CredentialsError as e:  # says which variable, never its value
        raise UsageError(str(e)) from None


def _notes_path(args: argparse.Namespace, junit: Path) -> Path:
    return Path(args.notes) if args.notes else junit.with_name(f"{junit.stem}-notes.json")


def _run(t: Target, args: argparse.Namespace, env: Mapping[str, str], extra: list[str]) -> int:
    seed, max_examples = _settings(args, env)
    if args.spec:
        t = attrs.evolve(t, spec=Path(args.spec))
    try:
        t.l2_operations()  # an operation the suite cannot sign fails the run before it starts
    except (contract.SpecError, OSError) as e:
        raise UsageError(f"--spec: {e}") from None
    junit = Path(args.junit or env.get("CONFORMANCE_JUNIT", "") or run.DEFAULT_JUNIT)
    junit.parent.mkdir(parents=True, exist_ok=True)
    notes_path = _notes_path(args, junit)
    for notice in (run.skip_notice(t), run.arming_notice(t)):
        if notice:
            print(notice, flush=True)
    if not t.is_mock:
        print(
            "SKIPPED check cancel_changes_exactly_what_it_reports and order seeding: "
            f"{t.base_url} is not a mock (no proved admin surface to seed and inspect orders); "
            "the other checks use what the server answers.",
            flush=True,
        )
    rate_limit = "" if args.rate_limit == "off" else args.rate_limit
    code = run.run_cli(
        t,
        run.cli_args(
            t,
            seed=seed,
            max_examples=max_examples,
            junit=junit,
            html=Path(args.html) if args.html else None,
            baseline=Path(args.baseline) if args.baseline else None,
            rate_limit=rate_limit,
            extra=extra,
        ),
    )
    notes = findings.collected()
    findings.write(notes_path)
    for n in notes:
        print(n.line(), flush=True)
    print(
        f"conformance: {'PASSED' if code == 0 else 'FAILED'} against {t.base_url}; "
        f"JUnit report: {junit}; {len(notes)} strictness note(s), which do not fail the run: "
        f"{notes_path}",
        flush=True,
    )
    return code


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ours, extra = (
        (argv[: argv.index("--")], argv[argv.index("--") + 1 :])
        if "--" in argv
        else (
            argv,
            [],
        )
    )
    args = parser().parse_args(ours)  # its own errors: usage line, exit 2
    env = dict(os.environ if environ is None else environ)
    try:
        if args.env_file:
            env.update(read_env_file(args.env_file))
        _settings(args, env)  # a bad number is a usage error before anything starts
        url = (args.url or env.get("CLOB_API_URL", "")).strip()
        if url:
            return _run(
                _target(url, env, args.allow_destructive, args.insecure_http), args, env, extra
            )
        with run.embedded_mock() as t:
            print(f"conformance: embedded mock at {t.base_url}", flush=True)
            return _run(t, args, env, extra)
    except UsageError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
