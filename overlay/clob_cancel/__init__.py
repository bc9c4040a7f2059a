"""clob-cancel: cancel orders on the Polymarket CLOB safely.

The requests themselves are built by the generated package `clob_cancel_client`; this package is
the small hand-written layer around it (signing, credentials, retries, chunking, typed errors)::

    from clob_cancel import ApiCreds, CancelClient

    with CancelClient.from_env() as client:          # or CancelClient(url, creds, address)
        answer = client.cancel_orders(order_ids)     # answer.canceled, answer.not_canceled

The clients and the L1 functions are imported on first use, so that ``import clob_cancel`` stays
cheap; eth-account is imported only when a private key is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    AuthError,
    BadRequestError,
    CancelError,
    RateLimitedError,
    TransportError,
    UnavailableError,
    UnexpectedAnswerError,
)
from .signing import ApiCreds, CredentialsError

if TYPE_CHECKING:
    from clob_cancel_client.models import CancelOrdersResponse

    from ._call import L2Auth
    from .aio import AsyncCancelClient
    from .client import (
        DEFAULT_RETRY,
        DEFAULT_TIMEOUT,
        MAX_IDS_PER_REQUEST,
        POLYMARKET_CLOB_URL,
        CancelClient,
        RetryPolicy,
    )
    from .l1 import (
        AMOY,
        POLYGON,
        address_from_private_key,
        create_api_key,
        create_or_derive_api_key,
        derive_api_key,
        l1_headers,
    )

__version__ = "0.1.0"

_LAZY = {
    "CancelOrdersResponse": "clob_cancel_client.models",
    "L2Auth": "clob_cancel._call",
    "AsyncCancelClient": "clob_cancel.aio",
    **dict.fromkeys(
        (
            "DEFAULT_RETRY",
            "DEFAULT_TIMEOUT",
            "MAX_IDS_PER_REQUEST",
            "POLYMARKET_CLOB_URL",
            "CancelClient",
            "RetryPolicy",
        ),
        "clob_cancel.client",
    ),
    **dict.fromkeys(
        (
            "AMOY",
            "POLYGON",
            "address_from_private_key",
            "create_api_key",
            "create_or_derive_api_key",
            "derive_api_key",
            "l1_headers",
        ),
        "clob_cancel.l1",
    ),
}

__all__ = [
    "AMOY",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "MAX_IDS_PER_REQUEST",
    "POLYGON",
    "POLYMARKET_CLOB_URL",
    "ApiCreds",
    "AsyncCancelClient",
    "AuthError",
    "BadRequestError",
    "CancelClient",
    "CancelError",
    "CancelOrdersResponse",
    "CredentialsError",
    "L2Auth",
    "RateLimitedError",
    "RetryPolicy",
    "TransportError",
    "UnavailableError",
    "UnexpectedAnswerError",
    "address_from_private_key",
    "create_api_key",
    "create_or_derive_api_key",
    "derive_api_key",
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
