"""clob_cancel_mock: a mock Polymarket CLOB for the cancel API, for tests and users' CI.

It keeps order state, verifies L2 signatures (and L1 EIP-712 ones), validates every request
against the OpenAPI contract shipped with clob-cancel, and can inject faults. Use it in-process
(``create_app`` for an ASGI app, ``MockServer`` for a real server on a free port) or run
``clob-cancel-mock``.
"""

try:
    import openapi_schema_validator  # noqa: F401
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
    import yaml  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError(
        f"clob_cancel_mock needs the 'mock' extra ({e.name} is missing): "
        "pip install 'clob-cancel[mock]'"
    ) from e

from .accounts import DEFAULT_ACCOUNT, Account, account_from_env, sign_l1
from .app import MockApp, MockClob, create_app
from .faults import Faults, parse_faults
from .orders import Order, OrderBook
from .server import MockServer

__all__ = [
    "DEFAULT_ACCOUNT",
    "Account",
    "Faults",
    "MockApp",
    "MockClob",
    "MockServer",
    "Order",
    "OrderBook",
    "account_from_env",
    "create_app",
    "parse_faults",
    "sign_l1",
]
