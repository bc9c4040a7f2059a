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
from clob_cancel.version import version_line
from clob_cancel_conformance import contract, findings, live, run, scrub, target
from clob_cancel_conformance.seeder import Seeder
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
    p.add_argument("--version", action="version", version=version_line(PROG))
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
        "--seed-command",
        metavar="CMD",
        help="a command that places open orders (CONFORMANCE_SEED_COMMAND; run by sh -c with "
        "SEED_COUNT and SEED_OWNER=self|other, printing one JSON object per order): the checks "
        "that need live orders then run on any server",
    )
    p.add_argument(
        "--heartbeat-deadline",
        metavar="S",
        default="10",
        help="the server's heartbeat deadline in seconds (default 10, the CLOB's): "
        "dead_mans_switch_fires waits it, and half as much again, before it judges",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="every strictness note and every check that did not run fails the run",
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
    from clob_cancel.urls import is_loopback  # the one loopback rule, as clob-cancel's

    host = urlsplit(url).hostname or ""
    if url.startswith("http://") and not is_loopback(host) and not insecure_http:
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


def _seeder(args: argparse.Namespace, env: Mapping[str, str]) -> Seeder | None:
    command = (args.seed_command or env.get("CONFORMANCE_SEED_COMMAND", "")).strip()
    return Seeder(command, env) if command else None


def _deadline(args: argparse.Namespace) -> float:
    raw = args.heartbeat_deadline
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 600:
        raise UsageError(f"--heartbeat-deadline must be seconds between 0 and 600, got {raw!r}")
    return value


def _run(t: Target, args: argparse.Namespace, env: Mapping[str, str], extra: list[str]) -> int:
    seed, max_examples = _settings(args, env)
    t = attrs.evolve(t, seeder=_seeder(args, env), heartbeat_deadline=_deadline(args))
    if args.spec:
        t = attrs.evolve(t, spec=Path(args.spec).resolve())
    try:
        t.l2_operations()  # an operation the suite cannot sign fails the run before it starts
    except (contract.SpecError, OSError) as e:
        raise UsageError(f"--spec: {e}") from None
    junit = Path(args.junit or env.get("CONFORMANCE_JUNIT", "") or run.DEFAULT_JUNIT).resolve()
    junit.parent.mkdir(parents=True, exist_ok=True)
    notes_path = _notes_path(args, junit)
    html = Path(args.html).resolve() if args.html else None
    for notice in (run.skip_notice(t), run.arming_notice(t)):
        if notice:
            print(notice, flush=True)
    if not t.is_mock:
        print(
            "SKIPPED check cancel_changes_exactly_what_it_reports and admin seeding: "
            f"{t.base_url} is not a mock (no proved admin surface to inspect orders); "
            + (
                "live orders come from the seed command, judged by the server's answers."
                if t.seeder
                else "the checks that need live orders run only with --seed-command."
            ),
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
            html=html,
            baseline=Path(args.baseline).resolve() if args.baseline else None,
            rate_limit=rate_limit,
            extra=extra,
        ),
        outputs=[junit, *([html] if html else [])],
    )
    notes = findings.collected()
    findings.write(notes_path)
    scrub.scrub_file(notes_path, t.creds, t.private_key)
    skipped = run.not_run(t)
    if junit.is_file():
        run.add_skipped_to_junit(junit, skipped)
    for n in notes:
        print(n.line(), flush=True)
    for check, operation, reason in skipped:
        print(f"DID NOT RUN {check} on {operation}: {reason}", flush=True)
    failure = live.state.seeder_failure
    if failure:
        print(f"{PROG}: the seed command failed, so the run fails: {failure}", flush=True)
        code = code or 1
    if args.strict and code == 0 and (notes or skipped):
        print(
            f"{PROG}: --strict: {len(notes)} note(s) and {len(skipped)} check(s) that did not "
            "run fail the run",
            flush=True,
        )
        code = 1
    print(
        f"conformance: {'PASSED' if code == 0 else 'FAILED'} against {t.base_url} "
        f"({run.ran_summary(skipped)}); JUnit report: {junit}; {len(notes)} strictness note(s), "
        f"which do not fail the run{' unless --strict' if not args.strict else ''}: {notes_path}",
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
