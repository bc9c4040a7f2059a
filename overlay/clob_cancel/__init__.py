"""clob-cancel: cancel orders on the Polymarket CLOB safely.

The requests themselves are built by the generated package `clob_cancel_client`; this package is
the small hand-written layer around it (signing, credentials, retries, chunking, typed errors)::

    from clob_cancel import ApiCreds, CancelClient

    with CancelClient.from_env() as client:          # or CancelClient(url, creds, address)
        answer = client.cancel_orders(order_ids)     # answer.canceled, answer.not_canceled
        if answer.not_canceled:                      # a read-only Mapping: id -> reason
            print(dict(answer.not_canceled))
        json.dumps(answer.to_dict())                 # plain lists and dicts
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    LOST_ANSWER_REASON,
    AuthError,
    BadRequestError,
    CancelError,
    CancelInterrupted,
    HeartbeatLapsedError,
    HeartbeatMismatchError,
    RateLimitedError,
    TransportError,
    UnavailableError,
    UnexpectedAnswerError,
    interruption_of,
)
from .signing import ApiCreds, CredentialsError

if TYPE_CHECKING:
    from clob_cancel_client.models import CancelOrdersResponse, CancelOrdersResponseNotCanceled

    from ._call import L2Auth
    from .aio import AsyncCancelClient, AsyncHeartbeatKeeper
    from .client import CancelClient
    from .core import DEFAULT_TIMEOUT
    from .defaults import AMOY, MAX_IDS_PER_REQUEST, POLYGON, POLYMARKET_CLOB_URL
    from .heartbeat import HeartbeatKeeper
    from .l1 import (
        address_from_private_key,
        create_api_key,
        create_or_derive_api_key,
        derive_api_key,
        l1_headers,
    )
    from .ratelimit import CANCEL_TIERS, CancelTier, RateLimitState
    from .retry import DEFAULT_RETRY, RetryPolicy

from .version import __version__ as __version__

# Imported on first use (see __getattr__), so that `import clob_cancel` loads neither httpx nor
# eth-account; the TYPE_CHECKING imports above say the same for type checkers and IDEs.
_LAZY = {
    "AMOY": "clob_cancel.defaults",
    "CANCEL_TIERS": "clob_cancel.ratelimit",
    "CancelTier": "clob_cancel.ratelimit",
    "RateLimitState": "clob_cancel.ratelimit",
    "DEFAULT_RETRY": "clob_cancel.retry",
    "DEFAULT_TIMEOUT": "clob_cancel.core",
    "MAX_IDS_PER_REQUEST": "clob_cancel.defaults",
    "POLYGON": "clob_cancel.defaults",
    "POLYMARKET_CLOB_URL": "clob_cancel.defaults",
    "AsyncCancelClient": "clob_cancel.aio",
    "AsyncHeartbeatKeeper": "clob_cancel.aio",
    "HeartbeatKeeper": "clob_cancel.heartbeat",
    "CancelClient": "clob_cancel.client",
    "CancelOrdersResponse": "clob_cancel_client.models",
    "CancelOrdersResponseNotCanceled": "clob_cancel_client.models",
    "L2Auth": "clob_cancel._call",
    "RetryPolicy": "clob_cancel.retry",
    "address_from_private_key": "clob_cancel.l1",
    "create_api_key": "clob_cancel.l1",
    "create_or_derive_api_key": "clob_cancel.l1",
    "derive_api_key": "clob_cancel.l1",
    "l1_headers": "clob_cancel.l1",
}

__all__ = [
    "AMOY",
    "CANCEL_TIERS",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "LOST_ANSWER_REASON",
    "MAX_IDS_PER_REQUEST",
    "POLYGON",
    "POLYMARKET_CLOB_URL",
    "ApiCreds",
    "AsyncCancelClient",
    "AsyncHeartbeatKeeper",
    "AuthError",
    "BadRequestError",
    "CancelClient",
    "CancelError",
    "CancelInterrupted",
    "CancelOrdersResponse",
    "CancelOrdersResponseNotCanceled",
    "CancelTier",
    "CredentialsError",
    "HeartbeatKeeper",
    "HeartbeatLapsedError",
    "HeartbeatMismatchError",
    "L2Auth",
    "RateLimitState",
    "RateLimitedError",
    "RetryPolicy",
    "TransportError",
    "UnavailableError",
    "UnexpectedAnswerError",
    "address_from_private_key",
    "create_api_key",
    "create_or_derive_api_key",
    "derive_api_key",
    "interruption_of",
    "l1_headers",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'clob_cancel' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
