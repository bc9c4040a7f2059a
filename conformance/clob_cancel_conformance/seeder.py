"""Live orders on any server, through a seed command the team writes (in any language).

The interface (conformance/README.md, "Seed command"): the suite runs the command through
`sh -c`, with its own environment plus `CLOB_API_URL`, the `CLOB_*` credentials it signs with,
`SEED_COUNT` (an integer >= 1) and `SEED_OWNER` (`self`: open orders of the suite's account;
`other`: open orders of some other account). The command creates that many open orders and prints
one JSON object per line, `{"id": "...", "market": "...", "asset_id": "..."}`, then exits 0. A
seeder that fails (a non-zero exit, fewer ids than asked, a malformed line, a timeout) fails the
run with a one-line reason naming it: never a silent pass.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping

import attrs

from clob_cancel.signing import ApiCreds

DEFAULT_TIMEOUT = 60.0
OWNERS = ("self", "other")


class SeederError(Exception):
    """The seed command failed; the message is one line naming it (never a secret)."""


@attrs.frozen
class Seeded:
    """One open order a seed command created."""

    id: str
    market: str
    asset_id: str
    owner: str  # "self" or "other"


@attrs.frozen(repr=False)
class Seeder:
    """A seed command and the environment it runs with."""

    command: str
    env: Mapping[str, str] = attrs.field(factory=dict)
    timeout: float = DEFAULT_TIMEOUT

    def __repr__(self) -> str:
        return f"Seeder({self.command!r})"

    def seed(
        self, count: int, owner: str, base_url: str, creds: ApiCreds, address: str
    ) -> list[Seeded]:
        """``count`` open orders of ``owner`` ("self" or "other") on the server at ``base_url``."""
        if count < 1 or owner not in OWNERS:
            raise ValueError(f"cannot seed {count} orders of {owner!r}")
        env = {
            **os.environ,
            **self.env,
            "CLOB_API_URL": base_url,
            "CLOB_API_KEY": creds.api_key,
            "CLOB_SECRET": creds.api_secret,
            "CLOB_PASS_PHRASE": creds.api_passphrase,
            "CLOB_ADDRESS": address,
            "SEED_COUNT": str(count),
            "SEED_OWNER": owner,
        }
        named = f"seed command {self.command!r} (SEED_COUNT={count}, SEED_OWNER={owner})"
        try:
            done = subprocess.run(
                ["sh", "-c", self.command],
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=self.timeout,
            )
        except subprocess.TimeoutExpired:
            raise SeederError(f"{named} did not finish within {self.timeout:g} s") from None
        except OSError as e:
            raise SeederError(f"{named} could not be started: {e.strerror}") from None
        if done.returncode != 0:
            raise SeederError(
                f"{named} exited with status {done.returncode}"
                + _last_line(done.stderr, creds, env.get("PK", ""))
            )
        return parse(done.stdout, count, owner, named)


def _last_line(stderr: bytes, creds: ApiCreds, private_key: str) -> str:
    """The seeder's last stderr line, scrubbed, for the one-line reason."""
    from clob_cancel_conformance.scrub import scrub_text

    lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    if not lines:
        return ""
    return ": " + scrub_text(lines[-1].strip(), creds, private_key)[:200]


def parse(stdout: bytes, count: int, owner: str, named: str) -> list[Seeded]:
    """The orders a seed command printed (exactly ``count`` distinct ones, one JSON object per
    line, blank lines ignored)."""
    orders: list[Seeded] = []
    for n, line in enumerate(stdout.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        fields = (
            [value.get(k) for k in ("id", "market", "asset_id")] if isinstance(value, dict) else []
        )
        if len(fields) != 3 or not all(isinstance(f, str) and f for f in fields):
            raise SeederError(
                f"{named} printed a malformed line {n} (expected one JSON object per line with "
                '"id", "market" and "asset_id" strings)'
            )
        orders.append(Seeded(str(fields[0]), str(fields[1]), str(fields[2]), owner))
    ids = {o.id for o in orders}
    if len(ids) != len(orders):
        raise SeederError(f"{named} printed the same id twice")
    if len(orders) < count:
        raise SeederError(f"{named} printed {len(orders)} orders, fewer than the {count} asked")
    return orders[:count]
