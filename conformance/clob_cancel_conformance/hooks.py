"""The suite's schemathesis hooks module: importing it registers everything the suite adds.

Used by the CLI (`hooks = "clob_cancel_conformance.hooks"` in schemathesis.toml, or
SCHEMATHESIS_HOOKS=clob_cancel_conformance.hooks) and imported by the pytest integration.

- the L2 signing auth, applied on the prepared request (see auth.py);
- the cancel-contract checks (checks.py registers them, in order, from the *_checks.py modules);
- boundary examples (examples.py);
- on a mock: seeding live orders before each cancel and snapshots around it (seeding.py).
"""

from __future__ import annotations

import itertools
from typing import Any

import schemathesis
from schemathesis import AuthContext, Case, HookContext, Response
from schemathesis.auths import set_on_case
from schemathesis.core import NotSet

from clob_cancel_conformance import checks, contract, examples, live, live_checks, seeding, target
from clob_cancel_conformance.auth import L2Auth

# Every operation goes through the auth, which signs the paths whose operation the spec secures
# with the L2 scheme (auth.py): no tag or path list to keep in step with the spec. The L1
# operations are excluded from the suite (schemathesis.toml says why).
schemathesis.auth.set_from_requests(L2Auth())  # type: ignore[attr-defined]

__all__ = ["after_call", "before_add_examples", "before_call", "checks", "live_checks"]
_cases = itertools.count()


@schemathesis.hook
def before_add_examples(context: HookContext, examples_: list[Case[Any]]) -> None:
    """Add the boundary bodies to the examples phase of each cancel operation."""
    operation = context.operation
    if operation is None:
        return
    for body in examples.bodies(operation.path):
        if body is None:
            case = operation.Case()
        else:
            case = operation.Case(body=body, media_type="application/json")
        # Cases made here skip the generation step that applies the registered auth.
        set_on_case(case, AuthContext(operation=operation, app=operation.app), None)
        examples_.append(case)


@schemathesis.hook
def before_call(context: HookContext, case: Case[Any], kwargs: dict[str, Any]) -> None:
    """Refuse to send a destructive request (a bulk cancel, a heartbeat) where it is not
    allowed; on a mock, seed orders."""
    t = target.current()
    path = case.operation.path
    if path in contract.DESTRUCTIVE_PATHS and not t.allow_destructive:
        raise RuntimeError(
            f"refusing to send {case.method.upper()} {path} to {t.base_url}: "
            f"{contract.DESTRUCTIVE_EFFECT[path]}. Pass --allow-destructive "
            "(CONFORMANCE_ALLOW_DESTRUCTIVE=1) to run it against a server this run did not start."
        )
    body = None if isinstance(case.body, NotSet) else case.body
    if isinstance(body, bytes):  # a boundary example sent as raw bytes: seed for what it names
        body = contract.sent_json(body)
    elif path in contract.BY_ID_PATHS and body is not None:
        # With a seed command, a share of the generated ids become pooled live orders of ours.
        replaced = live_checks.substitute(str(case.id), path, body, t, next(_cases))
        if replaced is not body:
            case.body = body = replaced
    if path in (contract.CANCEL_ALL, contract.CANCEL_MARKET) and not t.is_mock:
        live.forget_pool()  # it may cancel every order of ours, the pooled ones included
    seeding.before_request(case.id, case.operation.path, body, t)


@schemathesis.hook
def after_call(context: HookContext, case: Case[Any], response: Response) -> None:
    """On a mock, snapshot the orders right after the request, before any check sends more; an
    accepted heartbeat arms the key's switch (live.py keeps it from canceling under a check)."""
    seeding.after_request(case.id, target.current())
    if case.operation.path == contract.HEARTBEAT and response.status_code == 200:
        live.heartbeat_accepted(contract.heartbeat_next_id(response.content))
