"""The two L2 reads about the signer: its API keys (``GET /auth/api-keys``) and its rate-limit tier
(``GET /v1/user/rate-limit-tier``). Neither cancels, arms or charges anything: the official SDKs
call the first to validate credentials when a secure client starts, and a client reads the second
to size its batches before the first bulk cancel."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .accounts import Account
from .buckets import RateLimit
from .contract import Operation
from .wire import json_response


def api_keys_answer(accounts: Iterable[Account], signer: Account) -> dict[str, Any]:
    """``{"apiKeys": [...]}``: the keys of every account of the signer's address (its own, and
    those created with L1 for the same address), never a secret or passphrase."""
    address = signer.address.lower()
    return {"apiKeys": [a.api_key for a in accounts if a.address.lower() == address]}


def tier_answer(limit: RateLimit | None) -> dict[str, Any]:
    """``{"tier": "<name>"}``: the tier the signer's cancels are limited by now, the name
    ``Poly-RateLimit-Tier`` carries (``custom`` for a limit set by numbers); ``null`` when the
    mock limits nothing. The real answer's field names are not confirmed (see the spec)."""
    return {"tier": None if limit is None else limit.tier.name}


class AccountReads:
    """The two reads as ``op_<operationId>`` handlers: a ``MockClob`` mixin, as ``L1Operations``."""

    @property
    def accounts(self) -> list[Account]:
        raise NotImplementedError

    def rate_limit_for(self, account: Account) -> RateLimit | None:
        raise NotImplementedError

    def op_get_api_keys(
        self, op: Operation, request: Request, body: bytes, account: Account
    ) -> Response:
        return json_response(200, api_keys_answer(self.accounts, account))

    def op_get_rate_limit_tier(
        self, op: Operation, request: Request, body: bytes, account: Account
    ) -> Response:
        return json_response(200, tier_answer(self.rate_limit_for(account)))
