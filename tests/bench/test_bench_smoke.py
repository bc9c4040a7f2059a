"""The benchmark harness runs end to end and writes a complete, well-formed report.

A handful of rounds against the real bench server, every client and operation. Nothing here
asserts a timing: a smoke run's figures mean nothing, only their presence and shape do.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.clients import CLIENTS
from bench.workload import OPS

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--rounds", "6", "--warmup", "2", "--blocks", "2", "--startup-runs", "1"]
TINY += ["--no-runtime-install", "--required-runs", "3"]
TINY += ["--rate-seconds", "0.02", "--rate-rounds", "2", "--async-seconds", "0.02"]
TINY += ["--async-rounds", "5"]


def run_bench(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "bench", *TINY, "--out", str(out), *extra]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_smoke_run_reports_every_client_and_operation(tmp_path: Path) -> None:
    done = run_bench(tmp_path, "--skip-noise-check")
    assert done.returncode == 0, done.stderr
    results: dict[str, Any] = json.loads((tmp_path / "latest.json").read_text())
    table = (tmp_path / "latest.md").read_text()

    calls = {(c["client"], c["op"]): c for c in results["calls"]}
    assert set(calls) == {(name, op) for name in CLIENTS for op in OPS}
    for (name, op), call in calls.items():
        assert 0 < call["wall_p50_us"] <= call["wall_p90_us"], (name, op)
        assert call["cpu_p50_us"] > 0, (name, op)
        assert call["ratio"] > 0, (name, op)
        row = f"| {op} | {name} | "
        assert sum(line.startswith(row) for line in table.splitlines()) == 1, row
    for op in OPS:
        assert calls[("bare httpx", op)]["ratio"] == 1.0

    assert results["noise"]["check"] == "skipped"
    assert "Noise check skipped" in table
    figures = [t["figure"] for t in results["targets"]]
    assert len(figures) == 9 and all(isinstance(t["pass"], bool) for t in results["targets"])
    for figure in figures:
        assert f"| {figure} | " in table
    assert "dev venv: ours" in table and "no runtime install" in table
    startup = results["startup_ms"]
    expected = {"ours, dev venv", "py-clob-client, dev venv", "httpx, dev venv", "python -c pass"}
    assert set(startup) == expected
    assert all(s["ms"] > 0 for s in startup.values())
    assert startup["py-clob-client, dev venv"]["modules"] > startup["ours, dev venv"]["modules"] > 0
    assert set(results["required_work_us"]) == set(OPS)
    assert all(work > 0 for work in results["required_work_us"].values())
    assert "the minimal client " in table
    assert set(results["sequential_cancel_per_s"]) == {"ours", "py-clob-client", "bare httpx"}
    assert set(results["async_cancel_per_s"]) == {"1", "32"}
    async_clients = {
        "ours (async, aiohttp)",
        "ours (async, httpx transport)",
        "bare httpx (async)",
        "bare httpx on our aiohttp transport",
        "raw aiohttp",
    }
    for rates in results["async_cancel_per_s"].values():
        assert set(rates) == async_clients
        assert all(rate > 0 for rate in rates.values())
    for name in async_clients:
        assert sum(line.startswith(f"| {name} | ") for line in table.splitlines()) == 1, name
    tls = results["tls_cancel_per_s"]
    assert set(tls) == {"sync, HTTP/1.1", "sync, HTTP/2"} | {
        f"async {backend}, {version}, {n} in flight"
        for backend, version in (
            ("aiohttp", "HTTP/1.1"),
            ("httpx", "HTTP/1.1"),
            ("httpx", "HTTP/2"),
        )
        for n in (1, 32)
    }
    assert all(rate > 0 for rate in tls.values())
    for name in tls:
        assert f"| {name} | " in table


@pytest.mark.parametrize(
    ("limits", "named"),
    [
        (("--max-cv", "0"), "the ratio"),  # any spread of a ratio is too much
        (("--max-cv", "100", "--max-floor-cv", "0"), "the bare-httpx floor"),
        (("--max-cv", "100", "--max-floor-cv", "100", "--max-async-cv", "0"), "the async ratio"),
    ],
)
def test_a_noisy_run_is_refused_without_ratios(
    tmp_path: Path, limits: tuple[str, ...], named: str
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# x\n<!-- bench:begin -->\nold\n<!-- bench:end -->\n")
    done = run_bench(tmp_path, *limits, "--no-tls", "--readme", str(readme))
    assert done.returncode == 3, done.stderr
    assert f"too noisy to compare: {named}" in done.stderr
    assert not (tmp_path / "latest.json").exists()
    results: dict[str, Any] = json.loads((tmp_path / "noisy.json").read_text())
    assert results["noise"]["check"] == "noisy" and results["targets"] is None
    assert all(call["ratio"] is None for call in results["calls"])
    noisy_table = (tmp_path / "noisy.md").read_text()
    assert "Too noisy to compare" in noisy_table
    assert "| ours (async, aiohttp) | " in noisy_table and "withheld" in noisy_table
    assert "old" in readme.read_text()


def test_the_ab_tool_loads_another_revision_beside_the_working_tree() -> None:
    command = [sys.executable, "-m", "bench.ab", "HEAD", "--ablate", "--rounds", "4"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    names = ("working tree", "HEAD", "working tree, no id check or reconciliation", "bare httpx")
    for op in ("cancel(1)", "cancel_orders(100)", "cancel_orders(1000)"):
        for name in names:
            assert any(line.startswith(f"{op:20} {name:45} ") for line in done.stdout.splitlines())
    assert len(done.stdout.splitlines()) == 12


def test_a_block_that_completed_nothing_is_noise_not_a_crash() -> None:
    """Under load a group of bursts may complete no call: the spread is then infinite (the run
    is refused as too noisy), not a ZeroDivisionError at the end of a four-minute run."""
    from bench import run

    assert run.ratio(3.0, 0.0) == math.inf
    assert run.cv([run.ratio(3.0, 0.0), 1.0]) == math.inf
    assert run.cv([0.0, 0.0]) == math.inf
    assert run.cv([2.0, 2.0]) == 0.0
