"""polymarket-client (the official Python SDK, Polymarket/py-sdk) pointed at a loopback CLOB.

The SDK has no public base-URL option: its ``Environment`` is made by the SDK itself. Its own
internal helper builds one (``polymarket.environments._create_environment`` with
``dataclasses.replace(PRODUCTION._config, clob_url=...)``); that is how a CI job points it at the
mock too. Every other URL of the environment (relayer, RPC, gamma, data, websockets) is pointed
at a closed loopback port, so that a call the test did not expect fails at once instead of
reaching Polymarket. Private names of 0.14.0: a new release may move them (the pin is in
pyproject's dev extra).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from polymarket import ApiKeyCreds
from polymarket.environments import (
    PRODUCTION,
    Environment,
    _create_environment,  # the SDK's own constructor of environments (private in 0.14.0)
)

from clob_cancel_mock import DEFAULT_ACCOUNT, Account, MockServer

from ..mock.conftest import OTHER, SEED, Api, api

__all__ = ["OTHER", "SEED", "Api", "api", "server"]

NOWHERE = "http://127.0.0.1:9"  # the discard port, closed: a stray call is refused at once
_URL_FIELDS = [
    f.name
    for f in dataclasses.fields(PRODUCTION._config)
    if f.name.endswith("_url") and f.name != "clob_url"
]


def environment(clob_url: str) -> Environment:
    """An SDK environment whose CLOB is ``clob_url`` and whose other services are nowhere."""
    nowhere: dict[str, Any] = {name: NOWHERE for name in _URL_FIELDS}
    config = dataclasses.replace(PRODUCTION._config, clob_url=clob_url, **nowhere)
    return _create_environment(name="clob-cancel-mock", config=config)


def credentials(
    account: Account = DEFAULT_ACCOUNT, *, secret: str | None = None, passphrase: str | None = None
) -> ApiKeyCreds:
    """The SDK's credentials object for ``account``, its secret or passphrase replaced if given."""
    return ApiKeyCreds.model_validate(
        {
            "apiKey": account.api_key,
            "secret": account.secret if secret is None else secret,
            "passphrase": account.passphrase if passphrase is None else passphrase,
        }
    )


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer([DEFAULT_ACCOUNT, OTHER], SEED) as mock:
        yield mock
