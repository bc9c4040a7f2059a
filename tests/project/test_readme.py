"""Every command and code example in README.md runs, against a real mock CLOB on loopback.

Python blocks are executed; `clob-cancel` and `clob-cancel-mock` lines run as written (only the
fixed port 8080 is swapped for a free one); the CI snippet runs as a whole script, unchanged,
from a clean environment; each `make` line is checked with `make -n` (the targets themselves run
in CI: `make test`, or in `make demo`). A README edit that breaks an example fails here.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
mock = pytest.importorskip("clob_cancel_mock")
ACCOUNT = mock.DEFAULT_ACCOUNT
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(language: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [body for lang, body in BLOCK.findall(text) if lang == language]


def commands(block: str) -> list[str]:
    """Logical lines of a shell block, continuations joined, comments dropped."""
    lines = block.replace("\\\n", " ").splitlines()
    return [line.split(" #", 1)[0].strip() for line in lines if line.strip()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    with mock.MockServer() as running:
        yield running


@pytest.fixture
def env(server: Any, tmp_path: Path) -> dict[str, str]:
    server.reset()
    server.add_orders([{"id": f"0x{n:064x}"} for n in range(5)])
    ids = [f"0x{n:064x}" for n in (1, 2)]  # the CLOB's form, as the CLI checks
    (tmp_path / "ids.txt").write_text("\n".join(ids) + "\n", encoding="utf-8")
    (tmp_path / "ids.json").write_text(json.dumps(ids), encoding="utf-8")
    (tmp_path / "pk.env").write_text(f"PK={ACCOUNT.private_key}\n", encoding="utf-8")
    (tmp_path / "seed.json").write_text(json.dumps([{"id": "0xseed"}]), encoding="utf-8")
    dev_env = "".join(f"{k}={v}\n" for k, v in ACCOUNT.client_env(server.url).items())
    (tmp_path / "dev.env").write_text(dev_env, encoding="utf-8")
    values = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        **ACCOUNT.client_env(server.url),
    }
    values.pop("PK", None)
    return values


def test_every_shell_line_is_known() -> None:
    """A new kind of command in the README needs a way to run here."""
    known = ("clob-cancel ", "clob-cancel-mock ", "make ", "pip install ", ".venv/bin/python -m ")
    ci_snippet = ("rm -f ", "until test -s ", "set -a; ", "kill %1")
    for block in blocks("sh"):
        for line in commands(block):
            assert line.startswith(known + ci_snippet), line


def test_python_examples_run(server: Any, env: dict[str, str], monkeypatch: Any) -> None:
    for name in ("CLOB_API_URL", "CLOB_API_KEY", "CLOB_SECRET", "CLOB_PASS_PHRASE"):
        monkeypatch.setenv(name, env[name])
    monkeypatch.setenv("CLOB_ADDRESS", ACCOUNT.address)
    ids = [f"0x{n:064x}" for n in range(5)]
    examples = blocks("python")
    assert len(examples) >= 3
    for code in examples:
        scope: dict[str, Any] = {
            "order_ids": ids,
            "url": server.url,
            "address": ACCOUNT.address,
            "api_key": ACCOUNT.api_key,
            "api_secret": ACCOUNT.secret,
            "api_passphrase": ACCOUNT.passphrase,
            # what the heartbeat example leaves to the reader: a strategy and two alarms
            "run_strategy": lambda client, keeper: keeper.check(),
            "alert": print,
            "page_someone": print,
        }
        exec(compile(code, "README.md", "exec"), scope)
        if "kill" in scope:  # the async example defines a coroutine function
            asyncio.run(scope["kill"](ids))
    assert all(o["state"] == "canceled" for o in server.orders() if o["id"] in ids)


def ci_snippet() -> str:
    (snippet,) = [b for b in blocks("sh") if "--write-env" in b]
    return snippet


def cli_lines() -> list[str]:
    """The `clob-cancel` lines outside the CI snippet (which runs as one script)."""
    return [
        line
        for block in blocks("sh")
        if block != ci_snippet()
        for line in commands(block)
        if line.startswith("clob-cancel ") and "&" not in line
    ]


@pytest.mark.parametrize("line", cli_lines())
def test_cli_line_runs(line: str, env: dict[str, str], tmp_path: Path) -> None:
    for word in line.split():
        if word.endswith(".py"):  # the bot a heartbeat line wraps: one that does its work at once
            (tmp_path / word).write_text("print('bot: done')\n")
    done = subprocess.run(
        ["bash", "-c", line], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 1: some id was not found
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "line",
    [
        line
        for block in blocks("sh")
        for line in commands(block)
        if line.startswith("clob-cancel-mock ") and "&" not in line
    ],
)
def test_mock_line_starts_and_stops(line: str, env: dict[str, str], tmp_path: Path) -> None:
    port = str(free_port())
    proc = subprocess.Popen(
        ["bash", "-c", f"exec {line.replace('8080', port)}"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert f"http://127.0.0.1:{port}" in proc.stdout.readline() + proc.stdout.readline()
        deadline = time.monotonic() + 20
        while True:  # serving, as the CI snippet waits for it
            try:
                httpx.get(f"http://127.0.0.1:{port}/time", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the mock never answered"
                time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def test_ci_snippet_runs_as_written_from_a_clean_environment(tmp_path: Path) -> None:
    """No CLOB_* variable, no port chosen by the test: the mock's --write-env file is all the
    snippet has, and the mock stops cleanly when it ends (the file is removed then)."""
    clean = {"PATH": f"{BIN}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        ["bash", "-c", "set -e\n" + ci_snippet()],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "canceled 100 orders" in done.stdout, done.stdout + done.stderr
    deadline = time.monotonic() + 20
    while (tmp_path / "mock.env").exists():
        assert time.monotonic() < deadline, "the mock did not stop after the snippet's kill"
        time.sleep(0.05)


@pytest.mark.parametrize(
    "line",
    [line for block in blocks("sh") for line in commands(block) if line.startswith("make ")],
)
def test_make_line_is_a_real_target(line: str) -> None:
    done = subprocess.run(
        ["bash", "-c", line.replace("make ", "make -n ", 1)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_python_module_lines_start() -> None:
    for block in blocks("sh"):
        for line in commands(block):
            if line.startswith(".venv/bin/python -m "):
                module = line.split()[2]
                done = subprocess.run(
                    [sys.executable, "-m", module, "--help"],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                assert done.returncode == 0, done.stderr
