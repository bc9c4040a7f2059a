"""The official TypeScript clients, installed with npm into a cache folder and run by a script:
``run.cjs`` for @polymarket/clob-client-v2 (deprecated upstream, kept), ``run-client.mjs`` for
@polymarket/client (the SDK Polymarket's docs send users to now).

The pins are this folder's package.json and package-lock.json; ``npm ci`` installs exactly the
lock into ``$CLOB_CANCEL_TS_CACHE`` (default ``${XDG_CACHE_HOME:-~/.cache}/clob-cancel``), in a
folder named after the client's version and a hash of the two files, so a changed pin installs
afresh and an unchanged one is reused. The install goes to a temporary folder renamed into place
when complete: an interrupted install is never reused.

Nothing here skips on its own: a missing node or npm, or a failed install, is a test failure with
the reason, unless CLOB_CANCEL_SKIP_TS=1 asks for a skip.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
PINS = ("package.json", "package-lock.json")
CLIENT = "@polymarket/clob-client-v2"
SDK = "@polymarket/client"  # asks for Node >= 24 (engines) but imports and runs on 20.10+
CLIENTS = (CLIENT, SDK)
SKIP_ENV = "CLOB_CANCEL_SKIP_TS"
CACHE_ENV = "CLOB_CANCEL_TS_CACHE"
MIN_NODE = (20, 10)  # the client's engines field
INSTALL_TIMEOUT = 300.0
RUN_TIMEOUT = 60.0
RESULT = "CLOB_TS_RESULT "
_STACK_FRAME = re.compile(r"(npm (error|ERR!))?\s+at ")


class Unavailable(Exception):
    """Node, npm or the pinned install is not there; the message says what and how to fix it."""


def client_version(name: str = CLIENT) -> str:
    version: str = json.loads((HERE / "package.json").read_text())["dependencies"][name]
    return version


def cache_root(environ: Mapping[str, str] = os.environ) -> Path:
    if environ.get(CACHE_ENV):
        return Path(environ[CACHE_ENV])
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "clob-cancel"


def install_dir(environ: Mapping[str, str] = os.environ) -> Path:
    digest = hashlib.sha256(b"".join((HERE / name).read_bytes() for name in PINS)).hexdigest()
    return cache_root(environ) / f"npm-clob-client-v2-{client_version()}-{digest[:12]}"


def _installed(prefix: Path) -> bool:
    return all((prefix / "node_modules" / name / "package.json").is_file() for name in CLIENTS)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise Unavailable(
            f"{name} is not on PATH: the official TypeScript client's test needs Node >= "
            f"{MIN_NODE[0]}.{MIN_NODE[1]} and npm (or set {SKIP_ENV}=1 to skip it)"
        )
    return found


def _check_node(node: str) -> None:
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    text = out.stdout.strip()
    try:
        major, minor = (int(part) for part in text.lstrip("v").split(".")[:2])
    except ValueError:
        raise Unavailable(f"{node} --version answered {text!r}, not a Node version") from None
    if (major, minor) < MIN_NODE:
        raise Unavailable(
            f"Node {text} is too old: {CLIENT} needs >= {MIN_NODE[0]}.{MIN_NODE[1]} "
            f"(or set {SKIP_ENV}=1 to skip the test)"
        )


def ensure_installed(environ: Mapping[str, str] = os.environ) -> Path:
    """The install folder with the pinned packages, installing them first when absent."""
    node = _tool("node")
    _check_node(node)
    target = install_dir(environ)
    if _installed(target):
        return target
    npm = _tool("npm")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{target.name}.partial-", dir=target.parent))
    try:
        for name in PINS:
            shutil.copyfile(HERE / name, work / name)
        command = [npm, "ci", "--no-audit", "--no-fund", "--omit=optional", "--ignore-scripts"]
        try:
            done = subprocess.run(
                command, cwd=work, capture_output=True, text=True, timeout=INSTALL_TIMEOUT
            )
        except subprocess.TimeoutExpired:
            raise Unavailable(
                f"`{' '.join(command[1:])}` of {', '.join(CLIENTS)} took over "
                f"{INSTALL_TIMEOUT:.0f} s (is the npm registry reachable?)"
            ) from None
        if done.returncode != 0 or not _installed(work):
            said = [
                line
                for line in (done.stderr or done.stdout).strip().splitlines()
                if not _STACK_FRAME.match(line)
            ]
            tail = "\n".join(said[:12])
            raise Unavailable(
                f"`npm {' '.join(command[1:])}` of {', '.join(CLIENTS)} failed "
                f"(exit {done.returncode}); npm said:\n{tail}\n(set {SKIP_ENV}=1 to skip the test)"
            )
        try:
            work.rename(target)
        except OSError:
            if not _installed(target):  # not another process's complete install: a real error
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


@dataclass(frozen=True)
class Report:
    """What ``run.cjs`` printed."""

    node: str
    client: str
    address: str
    results: list[dict[str, Any]]
    create: dict[str, Any] | None = None  # run-client.mjs: how createSecureClient went

    def value(self, index: int) -> Any:
        """The value call ``index`` returned; fails naming the error if it threw."""
        result = self.results[index]
        assert "thrown" not in result, result
        return result.get("value")


def run(
    prefix: Path,
    env: Mapping[str, str],
    plan: Sequence[Sequence[Any]],
    *,
    throw_on_error: bool = False,
    script: str = "run.cjs",
) -> Report:
    """Run ``plan`` (a list of [method, *arguments]) with the client ``script`` builds from
    ``env``."""
    variables = {
        **os.environ,
        **env,
        "CLOB_TS_PREFIX": str(prefix),
        "CLOB_TS_PLAN": json.dumps(plan),
        "CLOB_TS_THROW": "1" if throw_on_error else "",
    }
    done = subprocess.run(
        [_tool("node"), str(HERE / script)],
        env=variables,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    assert done.returncode == 0 and lines, (
        f"{script} failed (exit {done.returncode})\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    )
    report = json.loads(lines[-1][len(RESULT) :])
    return Report(
        report["node"], report["client"], report["address"], report["results"], report.get("create")
    )
