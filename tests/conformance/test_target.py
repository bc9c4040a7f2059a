"""Target detection and the command line's usage errors, in-process and fast.

A server counts as a mock (seeded, inspected, reset) only when proved one, never because an
unauthenticated GET /_mock/accounts answers a JSON array; destructive operations run on the mock
the run started itself or with the explicit switch. The checks' own requests wait out a 429 that
says when to retry."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from clob_cancel_conformance import cli, run, target
from clob_cancel_conformance.target import BackOffOn429
from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

ACCOUNT = DEFAULT_ACCOUNT


@pytest.fixture
def static_server(tmp_path: Path) -> Iterator[str]:
    """A plain static file server whose /_mock/accounts is a JSON array naming our api key."""
    (tmp_path / "_mock").mkdir()
    (tmp_path / "_mock" / "accounts").write_text(json.dumps([{"api_key": ACCOUNT.api_key}]))
    (tmp_path / "_mock" / "orders").write_text("[]")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_static_file_server_is_not_a_mock(static_server: str) -> None:
    assert httpx.get(f"{static_server}/_mock/accounts").json() == [{"api_key": ACCOUNT.api_key}]
    reason = target.mock_proof(static_server, ACCOUNT.creds, ACCOUNT.address)
    assert reason == "an order added through POST /_mock/orders was not listed live"
    t = target.make_target(static_server, ACCOUNT.creds, ACCOUNT.address)
    assert not t.is_mock and not t.allow_destructive
    assert run.skip_notice(t) is not None


def test_a_mock_at_a_url_is_proved_but_destructive_needs_the_switch() -> None:
    with MockServer() as mock:
        assert target.mock_proof(mock.url, ACCOUNT.creds, ACCOUNT.address) is None
        t = target.make_target(mock.url, ACCOUNT.creds, ACCOUNT.address)
        assert t.is_mock and not t.allow_destructive
        allowed = target.make_target(
            mock.url, ACCOUNT.creds, ACCOUNT.address, allow_destructive=True
        )
        assert allowed.is_mock and allowed.allow_destructive
        # The probe order it canceled is the suite's own, and it is canceled.
        probes = [o for o in mock.orders() if o["id"].startswith("0xc0nf0rmance-probe-")]
        assert probes and {o["state"] for o in probes} == {"canceled"}


def test_a_mock_that_does_not_know_our_key_is_not_ours() -> None:
    other = run.second_account()
    with MockServer(accounts=(other,)) as mock:
        reason = target.mock_proof(mock.url, ACCOUNT.creds, ACCOUNT.address)
        assert reason == "GET /_mock/accounts does not list the api key the suite signs with"


def test_follow_ups_wait_out_a_429_that_says_when() -> None:
    answers = iter([429, 429, 200])
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        return httpx.Response(next(answers), headers={"Retry-After": "0"})

    with httpx.Client(transport=BackOffOn429(httpx.MockTransport(handler))) as client:
        assert client.request("DELETE", "http://server/orders", content=b"[]").status_code == 200
    assert len(seen) == 3


def test_follow_ups_do_not_wait_beyond_the_cap() -> None:
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        return httpx.Response(429, headers={"Retry-After": "3600"})

    with httpx.Client(transport=BackOffOn429(httpx.MockTransport(handler))) as client:
        assert client.delete("http://server/orders").status_code == 429
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        ([], {"CLOB_API_URL": "http://127.0.0.1:9"}, "CLOB_API_KEY, CLOB_SECRET, CLOB_PASS_PHRASE"),
        (["--url", "ftp://x"], {}, "must be an http:// or https:// URL"),
        (["--url", "http://staging.example"], {}, "plain http:// to a host that is not loopback"),
        (["--seed", "x"], {}, "--seed / CONFORMANCE_SEED must be a positive integer"),
        ([], {"CONFORMANCE_MAX_EXAMPLES": "0"}, "CONFORMANCE_MAX_EXAMPLES must be a positive"),
        (["--env-file", "/nonexistent/env"], {}, "--env-file: cannot read /nonexistent/env"),
    ],
    ids=[
        "missing-credential",
        "bad-url",
        "cleartext",
        "bad-seed",
        "bad-examples",
        "missing-env-file",
    ],
)
def test_usage_errors_are_one_line_exit_2(
    argv: list[str], env: dict[str, str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv, env) == 2
    err = capsys.readouterr().err
    assert err.startswith("clob-cancel-conformance: error: ") and err.count("\n") == 1
    assert message in err


def test_a_secret_is_never_printed(capsys: pytest.CaptureFixture[str]) -> None:
    env = {
        "CLOB_API_URL": "http://127.0.0.1:9",
        "CLOB_API_KEY": "k",
        "CLOB_SECRET": "not base64 at all: s3cr3t-value",
        "CLOB_PASS_PHRASE": "p",
        "CLOB_ADDRESS": "0x1111111111111111111111111111111111111111",
    }
    assert cli.main([], env) == 2
    out = capsys.readouterr()
    assert "s3cr3t-value" not in out.err + out.out and "CLOB_SECRET" in out.err


def test_env_file_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The command takes its URL from the file (export and quotes as .env files write them)."""
    path = tmp_path / "mock.env"
    path.write_text("# from clob-cancel-mock --write-env\nexport CLOB_API_URL='ftp://from-file'\n")
    assert cli.main(["--env-file", str(path)], {}) == 2
    assert "'ftp://from-file'" in capsys.readouterr().err


def test_reports_from_an_in_process_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No URL: the embedded mock; the JUnit report, schemathesis' HTML report and the (empty)
    notes file land where the options say."""
    junit, html = tmp_path / "out" / "c.xml", tmp_path / "html"
    argv = ["--max-examples", "2", "--junit", str(junit), "--html", str(html)]
    assert cli.main(argv, {}) == 0
    assert "conformance: PASSED" in capsys.readouterr().out
    assert junit.is_file() and any(html.glob("*.html"))
    assert json.loads((tmp_path / "out" / "c-notes.json").read_text()) == []
