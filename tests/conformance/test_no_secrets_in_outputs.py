"""No secret in any output: against a server that echoes every request header in its answers
(as they are, and %-encoded), a failing run with the HTML report too writes neither the
passphrase, the secret, the private key nor any signature the server received to stdout, stderr
or any file; and no cache lands in the working directory."""

from __future__ import annotations

import json
import os
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from clob_cancel_conformance import cli, run
from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer
from tests.broken_servers.variants import TimestampNotChecked

# Hardhat/Anvil development account 0 (public; the mock's default account's address).
PK = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


def echoing(app: Any, received: set[str]) -> Any:
    """Every JSON object answer gets an `echo` field: the request's headers, as they are and
    %-encoded; every POLY_SIGNATURE received is kept in ``received``."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("poly_signature"):
            received.add(headers["poly_signature"])
        start: dict[str, Any] = {}

        async def echo(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body = message.get("body", b"")
            try:
                value = json.loads(body)
            except ValueError:
                value = None
            if isinstance(value, dict):
                value["echo"] = {"headers": headers, "quoted": urllib.parse.quote(str(headers))}
                body = json.dumps(value).encode()
            start["headers"] = [
                (k, str(len(body)).encode() if k.lower() == b"content-length" else v)
                for k, v in start.get("headers", [])
            ]
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, echo)

    return wrapped


def test_an_echoing_server_gets_no_secret_into_any_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "job"
    work.mkdir()
    monkeypatch.chdir(work)
    received: set[str] = set()
    server = MockServer(
        accounts=(DEFAULT_ACCOUNT, run.second_account()), clob_class=TimestampNotChecked
    )
    server.app = echoing(server.app, received)
    with server:
        env = {
            k: v for k, v in DEFAULT_ACCOUNT.client_env(server.url).items() if k != "CLOB_ADDRESS"
        }
        env["PK"] = PK
        code = cli.main(["--max-examples", "3", "--seed", "1", "--html", "reports/html"], env)
    out, err = capsys.readouterr()
    assert code == 1, out[-3000:]  # the stale timestamp is accepted: failures with echoes
    written = {
        p: p.read_text(encoding="utf-8", errors="replace") for p in work.rglob("*") if p.is_file()
    }
    assert any(p.suffix == ".xml" for p in written) and any("html" in str(p) for p in written)
    assert any("echo" in text for text in [out, *written.values()])  # the echoes were reported
    assert received
    creds = DEFAULT_ACCOUNT.creds
    secrets = {
        "passphrase": creds.api_passphrase,
        "secret": creds.api_secret.rstrip("="),
        "private key": PK.removeprefix("0x"),
    }
    for text_name, text in [
        ("stdout", out),
        ("stderr", err),
        *((str(p), t) for p, t in written.items()),
    ]:
        for name, secret in secrets.items():
            for form in {secret, urllib.parse.quote(secret), urllib.parse.quote(secret, safe="")}:
                assert form not in text, f"the {name} is in {text_name}"
        leaked = [s for s in received if s.rstrip("=") in text]
        assert not leaked, f"{len(leaked)} signature(s) in {text_name}"
    assert not (work / ".schemathesis").exists() and not (work / ".hypothesis").exists()
    assert sorted(os.listdir(work)) == ["reports"]
