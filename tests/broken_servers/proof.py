"""Run the conformance suite against a server class and read what it reported."""

from __future__ import annotations

import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from clob_cancel_conformance import findings, run, target
from clob_cancel_conformance.findings import Note
from clob_cancel_conformance.seeder import Seeder
from clob_cancel_conformance.target import Target
from clob_cancel_mock import MockClob
from clob_cancel_mock.contract import Operation
from tests.broken_servers import foreign

# Small and fixed, so the proof is fast and reproducible; the bugs are reached by the boundary
# examples, the coverage phase and the active checks, not by luck in the fuzzing phase.
PROOF_SEED = 1
PROOF_MAX_EXAMPLES = 3


# The reference seed command for our mock, shipped in the package.
MOCK_SEED_COMMAND = f"{sys.executable} -m clob_cancel_conformance.mock_seeder"

# The title schemathesis reports for each built-in check's failure; a custom check's failure is
# reported as "Custom check failed: `<name>`".
BUILTIN_TITLES = {
    "not_a_server_error": "Server error",
    "status_code_conformance": "Undocumented status code",
    "content_type_conformance": "Undocumented Content-Type",
    "response_schema_conformance": "Response violates schema",
    "negative_data_rejection": "Schema-violating request accepted",
    "positive_data_acceptance": "Schema-valid request rejected",
}


def title_of(check: str) -> str:
    """How a failure of ``check`` is titled in the report."""
    return BUILTIN_TITLES.get(check, f"Custom check failed: `{check}`")


@attrs.frozen
class Outcome:
    """What one run reported."""

    exit_code: int
    failures: list[str]  # the text of each JUnit <failure>
    seconds: float
    notes: list[Note] = attrs.Factory(list)  # the strictness notes (they never fail a run)

    def reports(self, check: str, fragment: str = "") -> bool:
        """Whether some failure is from ``check`` and mentions ``fragment``."""
        title = title_of(check)
        return any(title in text and fragment in text for text in self.failures)

    def titles(self) -> list[str]:
        """The distinct failure titles (one line each), for messages."""
        found = {line[2:] for text in self.failures for line in text.splitlines()}
        return sorted(t for t in found if t.startswith("ST") and " " in t)


def junit_failures(path: Path) -> list[str]:
    """The text of every <failure> and <error> in a JUnit report."""
    root = ET.parse(path).getroot()
    return [
        f"{element.get('message', '')}\n{element.text or ''}"
        for element in root.iter()
        if element.tag in ("failure", "error")
    ]


# An ASGI app in front of the mock's (for differences outside MockClob, e.g. its routing).
AppWrapper = Callable[[Any], Any]


@contextmanager
def started_mock(
    clob_class: type[MockClob], wrap_app: AppWrapper | None = None, **mock_options: Any
) -> Iterator[Target]:
    """run.embedded_mock, with the app optionally wrapped before the server starts."""
    if wrap_app is None:
        with run.embedded_mock(clob_class=clob_class, **mock_options) as t:
            yield t
        return
    from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

    accounts = (DEFAULT_ACCOUNT, run.second_account())
    server = MockServer(accounts=accounts, clob_class=clob_class, **mock_options)
    server.app = wrap_app(server.app)
    with server:
        account = DEFAULT_ACCOUNT
        yield target.make_target(server.url, account.creds, account.address, started_here=True)


def run_suite(
    clob_class: type[MockClob],
    junit: Path,
    *,
    as_foreign: bool = False,
    wrap_app: AppWrapper | None = None,
    spec: Path | None = None,
    seeded: bool = False,
    mock_seeder: bool = False,
    check_switch: bool = False,
    heartbeat_deadline: float | None = None,
    **mock_options: Any,
) -> Outcome:
    """The suite (same config, hooks and checks as `clob-cancel-conformance`) against the
    embedded mock built on ``clob_class`` (and ``mock_options``: faults, ...; ``wrap_app``: an
    app in front of it); ``as_foreign``: as if it were another server (no admin surface, so no
    seeding, and no reset between cases; destructive operations allowed, as with
    --allow-destructive); ``spec``: another spec (served by the mock and tested by the suite);
    ``seeded``: as a server that is not our mock (no /_mock/, its own seed route: foreign.py),
    with a seed command; ``mock_seeder``: the mock with the reference seed command;
    ``check_switch``: run dead_mans_switch_fires too (with ``heartbeat_deadline``)."""
    started = time.monotonic()
    if spec is not None:
        mock_options["spec"] = spec
    if heartbeat_deadline is not None:
        mock_options["heartbeat_timeout"] = heartbeat_deadline
    if seeded:  # a server that is not our mock, with its own seed route and a seed command
        inner = wrap_app
        wrap_app = (
            foreign.hide_admin_add_seed_route
            if inner is None
            else lambda app: inner(foreign.hide_admin_add_seed_route(app))
        )
    with started_mock(clob_class, wrap_app, **mock_options) as t:
        t = attrs.evolve(t, spec=spec, check_switch=check_switch)
        if seeded:
            t = attrs.evolve(
                target.make_target(t.base_url, t.creds, t.address, allow_destructive=True),
                seeder=Seeder(foreign.SEED_COMMAND),
                check_switch=check_switch,
                heartbeat_deadline=heartbeat_deadline or 10.0,
                spec=spec,
            )
            assert not t.is_mock
        elif mock_seeder:
            t = attrs.evolve(
                t, seeder=Seeder(MOCK_SEED_COMMAND), heartbeat_deadline=heartbeat_deadline or 10.0
            )
        elif as_foreign:
            t = attrs.evolve(t, is_mock=False, allow_destructive=True, other_owner=None)
        args = run.cli_args(t, seed=PROOF_SEED, max_examples=PROOF_MAX_EXAMPLES, junit=junit)
        code = run.run_cli(t, args)
    return Outcome(code, junit_failures(junit), time.monotonic() - started, findings.collected())


@attrs.frozen
class Answer:
    """One answer the server gave to a request of the suite (its own and the checks')."""

    operation_id: str
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes  # of the request, as received


def recording(clob_class: type[MockClob]) -> tuple[type[MockClob], list[Answer]]:
    """``clob_class`` keeping every answer in the list returned with it, so that a test can show
    what a run exercised; it changes nothing in the behaviour."""
    answers: list[Answer] = []

    class Recording(clob_class):  # type: ignore[valid-type, misc]
        async def read_body(self, request: Request) -> bytes:
            body: bytes = await super().read_body(request)
            request.state.received = body
            return body

        async def handle(self, operation: Operation, request: Request) -> Response:
            response: Response = await super().handle(operation, request)
            headers = {name.lower(): value for name, value in response.headers.items()}
            body = getattr(request.state, "received", b"")
            answers.append(Answer(operation.operation_id, response.status_code, headers, body))
            return response

    Recording.__name__ = f"Recording{clob_class.__name__}"
    return Recording, answers
