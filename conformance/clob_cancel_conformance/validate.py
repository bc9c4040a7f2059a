"""Validate any httpx response from our client against the spec, with schemathesis' checks.

The client's own calls are contract-tested too: an integration test passes each response it
gets to `validate_response`, which raises (with a readable report) when the status code, the
content type, the documented headers or the body schema break openapi/clob-cancel.yaml.

    from clob_cancel_conformance.validate import validate_response
    response = httpx.delete(...)
    validate_response(response)             # the operation is found from method and path

Or validate every answer a client gets, through httpx event hooks:

    CancelClient(url, creds, address, httpx_client_kwargs={"event_hooks": event_hooks()})
    AsyncCancelClient(url, creds, address, httpx_client_kwargs={"event_hooks": async_event_hooks()})
"""

from __future__ import annotations

import datetime
import functools
from typing import Any
from urllib.parse import urlsplit

import httpx
import schemathesis
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from clob_cancel.spec import spec_path

CHECKS = (
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)


@functools.cache
def _schema() -> Any:
    return schemathesis.openapi.from_path(spec_path())


def validate_response(response: httpx.Response) -> None:
    """Raise AssertionError when ``response`` breaks the contract of the operation it answers."""
    request = response.request
    path = urlsplit(str(request.url)).path
    operation = _schema().find_operation_by_path(request.method, path)
    if operation is None:
        raise AssertionError(f"{request.method} {path} is not an operation of the spec")
    if not hasattr(response, "_elapsed"):  # built by hand (httpx.MockTransport, tests)
        response.elapsed = datetime.timedelta(0)
    case = operation.Case()
    try:
        case.validate_response(response, checks=list(CHECKS))
    except BaseExceptionGroup as e:  # schemathesis' FailureGroup: one plain report for all
        raise AssertionError(str(e)) from None


def _check(response: httpx.Response) -> None:
    response.read()
    validate_response(response)


async def _acheck(response: httpx.Response) -> None:
    await response.aread()
    validate_response(response)


def event_hooks() -> dict[str, list[Any]]:
    """httpx `event_hooks` that validate every response of a sync client (raises on a break)."""
    return {"response": [_check]}


def async_event_hooks() -> dict[str, list[Any]]:
    """The same for an httpx.AsyncClient."""
    return {"response": [_acheck]}
