"""`make spec-diff` and `make drift` end to end: the commands on real files, a real git
repository and a real HTTP server on loopback, judged by exit status and what they print."""

import functools
import http.server
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from clob_cancel.spec import spec_path
from tools.specgate.__main__ import REPO, REVIEWED, UPSTREAM_FIXTURE, main

FIXTURE = REPO / UPSTREAM_FIXTURE
# The spec's own version, read rather than written here: a minor bump must not break these tests.
VERSION: str = yaml.safe_load(spec_path().read_text(encoding="utf-8"))["info"]["version"]
MAJOR = int(VERSION.split(".")[0])
NEXT_MAJOR = f"{MAJOR + 1}.0.0"
NEXT_MINOR = f"{MAJOR}.{int(VERSION.split('.')[1]) + 1}.0"


def mutated(tmp_path: Path, name: str, old: str, new: str, count: int = 1) -> Path:
    """A copy of our spec with `old` replaced by `new` (it must occur exactly `count` times)."""
    text = spec_path().read_text(encoding="utf-8")
    assert text.count(old) == count, f"{old!r} occurs {text.count(old)} times"
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


# -- spec-diff ----------------------------------------------------------------------------------

LOWER_CAP = ("maxItems: 1000", "maxItems: 500")


def test_unchanged_spec_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "diff", "--base-file", str(spec_path()), "--spec", str(spec_path()))
    assert code == 0 and "no change to the contract" in out


def test_breaking_change_fails_naming_operation_path_values_and_who(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = mutated(tmp_path, "spec.yaml", *LOWER_CAP)
    code, out = run(capsys, "diff", "--base-file", str(spec_path()), "--spec", str(spec))
    assert code == 1
    assert (
        "BREAKING  DELETE /orders  requestBody.content.application/json.schema.maxItems:"
        " before 1000 -> after 500  [breaks clients: limit narrowed]"
    ) in out
    assert "not acknowledged" in out and f"raise the major of info.version to {NEXT_MAJOR}" in out


def test_rename_of_the_wire_field_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The example: renaming orderID passed lint and check-generated.
    spec = mutated(tmp_path, "spec.yaml", "orderID", "orderId", count=4)
    code, out = run(capsys, "diff", "--base-file", str(spec_path()), "--spec", str(spec))
    assert code == 1
    assert "DELETE /order  requestBody.content.application/json.schema.properties.orderID" in out
    assert "renamed to 'orderId'?" in out


def test_compatible_change_passes_and_is_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = mutated(tmp_path, "spec.yaml", "maxItems: 1000", "maxItems: 2000")
    code, out = run(capsys, "diff", "--base-file", str(spec_path()), "--spec", str(spec))
    assert code == 0
    assert "ok        DELETE /orders" in out and "[compatible: limit widened]" in out
    assert "consider a minor version bump" in out


def acknowledged(tmp_path: Path, version: str, changelog_heading: str | None) -> list[str]:
    spec = mutated(tmp_path, "spec.yaml", *LOWER_CAP)
    text = spec.read_text(encoding="utf-8").replace(f"version: {VERSION}", f"version: {version}")
    spec.write_text(text, encoding="utf-8")
    changelog = tmp_path / "CHANGELOG.md"
    heading = (
        f"{changelog_heading}\n\n- DELETE /orders takes 500 ids.\n" if changelog_heading else ""
    )
    changelog.write_text(f"# Changelog\n\n{heading}## {VERSION}\n\n- today\n", encoding="utf-8")
    return ["diff", "--base-file", str(spec_path()), "--spec", str(spec), "--changelog",
            str(changelog)]  # fmt: skip


def test_break_acknowledged_by_major_bump_and_changelog_entry_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, *acknowledged(tmp_path, NEXT_MAJOR, f"## {NEXT_MAJOR} (2026-12-01)"))
    assert code == 0, out
    assert "BREAKING  DELETE /orders" in out
    assert f"acknowledged: info.version {VERSION} -> {NEXT_MAJOR}" in out


@pytest.mark.parametrize(
    ("version", "heading", "missing"),
    [
        (NEXT_MAJOR, None, f"add a '## {NEXT_MAJOR}' entry"),
        (NEXT_MINOR, f"## {NEXT_MINOR}", "raise the major of info.version"),
        (NEXT_MAJOR, f"## {MAJOR + 1}.0.1", f"add a '## {NEXT_MAJOR}' entry"),
    ],
    ids=["no changelog entry", "minor bump only", "entry for another version"],
)
def test_break_half_acknowledged_fails(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    version: str,
    heading: str | None,
    missing: str,
) -> None:
    code, out = run(capsys, *acknowledged(tmp_path, version, heading))
    assert code == 1 and missing in out


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose HEAD commits our spec, as openapi/clob-cancel.yaml."""
    root = tmp_path / "repo"
    (root / "openapi").mkdir(parents=True)
    shutil.copy(spec_path(), root / "openapi" / "clob-cancel.yaml")
    git(root, "init", "-q")
    git(root, "add", "openapi")
    git(root, "commit", "-q", "-m", "spec")
    return root


def test_base_ref_reads_the_committed_spec(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = repo / "openapi" / "clob-cancel.yaml"
    assert run(capsys, "diff", "--base", "HEAD", "--spec", str(spec))[0] == 0
    spec.write_text(spec.read_text().replace(*LOWER_CAP), encoding="utf-8")
    code, out = run(capsys, "diff", "--base", "HEAD", "--spec", str(spec))
    assert code == 1 and f"HEAD (version {VERSION})" in out and "before 1000 -> after 500" in out
    git(repo, "commit", "-q", "-am", "lower the cap")
    # Committed: HEAD agrees with the work tree, HEAD~1 still sees the break.
    assert run(capsys, "diff", "--base", "HEAD", "--spec", str(spec))[0] == 0
    assert run(capsys, "diff", "--base", "HEAD~1", "--spec", str(spec))[0] == 1


def test_unknown_base_ref_is_an_input_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = repo / "openapi" / "clob-cancel.yaml"
    code, out = run(capsys, "diff", "--base", "no-such-ref", "--spec", str(spec))
    assert code == 2 and "BASE='no-such-ref' is not a commit" in out


def test_module_runs_from_the_checkout() -> None:
    """`make drift` and `make spec-diff` run the package as a module from the repository root."""
    done = subprocess.run(
        [sys.executable, "-m", "tools.specgate", "drift"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(
        "drift: openapi/clob-cancel.yaml (ours) against openapi/upstream/"
    )


# -- drift --------------------------------------------------------------------------------------


def test_fixture_is_polymarkets_31_document_with_the_1000_cap() -> None:
    upstream = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    assert upstream["openapi"] == "3.1.0"
    body = upstream["paths"]["/orders"]["delete"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["maxItems"] == 1000


def test_current_spec_passes_drift(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "drift")
    assert code == 0, out
    assert "compared: DELETE /cancel-all, DELETE /cancel-market-orders, DELETE /order" in out
    assert "reviewed  DELETE /cancel-market-orders  requestBody.required" in out
    assert "only ours: POST /v1/heartbeats" in out and "only upstream: POST /heartbeats" in out


def test_spec_saying_3000_fails_drift_naming_1000(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = mutated(tmp_path, "spec.yaml", "maxItems: 1000", "maxItems: 3000")
    code, out = run(capsys, "drift", "--spec", str(spec))
    assert code == 1
    assert (
        "STRICTER  DELETE /orders  requestBody.content.application/json.schema.maxItems:"
        " ours 3000 -> upstream 1000"
    ) in out


def test_reviewed_entry_stops_matching_when_upstream_moves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upstream = FIXTURE.read_text(encoding="utf-8")
    old = "      required:\n      - market\n      - asset_id\n"
    assert upstream.count(old) == 1
    moved = tmp_path / "upstream.yaml"
    moved.write_text(upstream.replace(old, old + "      - side\n"), encoding="utf-8")
    code, out = run(capsys, "drift", "--upstream", str(moved))
    assert code == 1
    assert "STRICTER  DELETE /cancel-market-orders" in out and '"side"' in out
    assert "matches no difference" in out  # the old entry is named for update or removal


def test_without_the_reviewed_list_every_known_difference_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "drift", "--reviewed", str(tmp_path / "none.yaml"))
    assert code == 1 and "STRICTER  DELETE /cancel-market-orders  requestBody.required" in out


def test_reviewed_list_entries_all_have_a_reason() -> None:
    entries = yaml.safe_load((REPO / REVIEWED).read_text(encoding="utf-8"))
    assert entries and all(len(str(e["why"]).split()) >= 8 for e in entries)


@pytest.fixture
def served_fixture() -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(FIXTURE.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{FIXTURE.name}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_drift_reads_a_url(served_fixture: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "drift", "--upstream", served_fixture)
    assert code == 0, out
    assert f"against {served_fixture} (upstream)" in out


def test_unreachable_url_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out = run(capsys, "drift", "--upstream", f"http://127.0.0.1:{port}/clob-openapi.yaml")
    assert code == 2 and "cannot fetch" in out
