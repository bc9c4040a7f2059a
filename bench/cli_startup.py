"""`python -m bench.cli_startup`: how fast the `clob-cancel` command starts and cancels.

Wall time of whole processes, as an operator at a shell sees it: `clob-cancel --help`, and
`clob-cancel all` against the mock CLOB on loopback (with 10 live orders seeded before each run),
next to `python -c pass` (the interpreter's own start) on the same machine. Median of N runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer


def wall_ms(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    took = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stdout}{done.stderr}")
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="processes per command (9)")
    args = parser.parse_args(argv)
    command = str(Path(sys.executable).parent / "clob-cancel")
    with MockServer() as mock:
        env = {**os.environ, **DEFAULT_ACCOUNT.client_env(mock.url)}
        env.pop("PK", None)
        times: dict[str, list[float]] = {"python -c pass": [], "--help": [], "all": []}
        for run in range(args.runs):
            mock.add_orders([{"id": f"0x{run:04x}{n:060x}"} for n in range(10)])
            times["python -c pass"].append(wall_ms([sys.executable, "-c", "pass"], env))
            times["--help"].append(wall_ms([command, "--help"], env))
            times["all"].append(wall_ms([command, "all"], env))
    print(
        f"clob-cancel start-up, wall ms, median of {args.runs} runs (load {os.getloadavg()[0]:.2f})"
    )
    for name, values in times.items():
        label = name if name.startswith("python") else f"clob-cancel {name}"
        print(f"  {label:<22} {statistics.median(values):6.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
