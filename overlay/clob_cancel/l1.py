"""L1: prove control of a wallet with an EIP-712 ``ClobAuth`` signature to create or derive the L2
API credentials, through the generated ``create_api_key`` / ``derive_api_key`` calls.

eth-account is imported inside these functions only: ``import clob_cancel`` and a client built
from an address and API credentials never load it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypedDict, Unpack

import httpx

from clob_cancel_client import AuthenticatedClient
from clob_cancel_client.api.support import create_api_key as _create
from clob_cancel_client.api.support import derive_api_key as _derive
from clob_cancel_client.models import ApiCredentials

from ._call import Endpoint, HeadersAuth, attempt, operation_name
from .budget import AttemptBudget, keep_to_budget
from .core import DEFAULT_TIMEOUT, attempt_seconds
from .defaults import POLYGON
from .errors import BadRequestError, CancelError, UnexpectedAnswerError
from .signing import ApiCreds, CredentialsError

CLOB_AUTH_MESSAGE = "This message attests that I control the given wallet"


def _account(private_key: str) -> Any:
    from eth_account import Account

    try:
        account = Account.from_key(private_key)
    except Exception:  # its message may quote the key: raise ours outside this block, unchained
        account = None
    if account is None:
        raise CredentialsError("private key is not a valid secp256k1 key (32 bytes as hex)")
    return account


def address_from_private_key(private_key: str) -> str:
    """The checksummed address of ``private_key`` (0x-prefixed hex or not)."""
    if not isinstance(private_key, str) or not private_key:
        raise CredentialsError("private key is empty or not a string")
    address: str = _account(private_key).address
    return address


def clob_auth_typed_data(
    address: str, timestamp: int | str, nonce: int, chain_id: int
) -> dict[str, Any]:
    """The EIP-712 ``ClobAuth`` message the official clients sign for the L1 headers (and the mock
    verifies: it passes the POLY_TIMESTAMP header's text as it came)."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
            ],
            "ClobAuth": [
                {"name": "address", "type": "address"},
                {"name": "timestamp", "type": "string"},
                {"name": "nonce", "type": "uint256"},
                {"name": "message", "type": "string"},
            ],
        },
        "primaryType": "ClobAuth",
        "domain": {"name": "ClobAuthDomain", "version": "1", "chainId": chain_id},
        "message": {
            "address": address,
            "timestamp": str(timestamp),
            "nonce": nonce,
            "message": CLOB_AUTH_MESSAGE,
        },
    }


def l1_headers(
    private_key: str, timestamp: int, nonce: int = 0, chain_id: int = POLYGON
) -> dict[str, str]:
    """POLY_ADDRESS, POLY_SIGNATURE, POLY_TIMESTAMP and POLY_NONCE for ``private_key``."""
    from eth_account.messages import encode_typed_data

    if not isinstance(nonce, int) or isinstance(nonce, bool) or nonce < 0:
        raise ValueError(f"nonce must be a non-negative int, got {nonce!r}")
    account = _account(private_key)
    message = encode_typed_data(
        full_message=clob_auth_typed_data(account.address, timestamp, nonce, chain_id)
    )
    signature = bytes(account.sign_message(message).signature)
    return {
        "POLY_ADDRESS": account.address,
        "POLY_SIGNATURE": "0x" + signature.hex(),
        "POLY_TIMESTAMP": str(timestamp),
        "POLY_NONCE": str(nonce),
    }


class L1Options(TypedDict, total=False):
    """The keyword options of the L1 calls; defaults: ``nonce=0``, ``chain_id=POLYGON``,
    ``timeout=DEFAULT_TIMEOUT`` (10 s, 5 s to connect), ``httpx_client_kwargs=None`` (e.g. a
    ``transport`` or ``proxy`` for the one-off httpx client), ``clock=time.time``."""

    nonce: int
    chain_id: int
    timeout: httpx.Timeout | float
    httpx_client_kwargs: Mapping[str, Any] | None
    clock: Callable[[], float]


class L1Endpoint(Endpoint, Protocol):
    """create_api_key and derive_api_key: requests without arguments (the L1 headers sign)."""

    def build_request(self) -> dict[str, Any]: ...


def _l1_call(
    endpoint: L1Endpoint,
    base_url: str,
    private_key: str,
    *,
    nonce: int = 0,
    chain_id: int = POLYGON,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    httpx_client_kwargs: Mapping[str, Any] | None = None,
    clock: Callable[[], float] = time.time,
) -> ApiCreds:
    address_from_private_key(private_key)  # a bad key fails here, before any request

    def headers() -> dict[str, str]:
        return l1_headers(private_key, int(clock()), nonce, chain_id)

    api = AuthenticatedClient(base_url=base_url, token="")
    http = httpx.Client(
        base_url=base_url, auth=HeadersAuth(headers), timeout=timeout, **(httpx_client_kwargs or {})
    )
    keep_to_budget(http)  # the timeout bounds the whole call, as it does each cancel's
    with http, AttemptBudget(attempt_seconds(timeout)):
        api.set_httpx_client(http)
        answer = attempt(endpoint, endpoint.build_request(), ApiCredentials, api=api, clock=clock)
    if isinstance(answer, CancelError):
        raise answer
    try:
        return ApiCreds(
            answer.api_key,
            answer.secret,
            answer.passphrase,
            created_at=clock() if endpoint is _create else None,
        )
    except CredentialsError as e:
        raise UnexpectedAnswerError(
            operation_name(endpoint), f"HTTP 200 with malformed credentials: {e}"
        ) from None


def create_api_key(base_url: str, private_key: str, **options: Unpack[L1Options]) -> ApiCreds:
    """Create new API credentials for the wallet of ``private_key`` (POST /auth/api-key).

    Raises :class:`BadRequestError` when credentials already exist for this nonce (derive them).
    New credentials can take a short while to become valid for cancels.
    """
    return _l1_call(_create, base_url, private_key, **options)


def derive_api_key(base_url: str, private_key: str, **options: Unpack[L1Options]) -> ApiCreds:
    """The API credentials already created for ``private_key``'s wallet and ``nonce``
    (GET /auth/derive-api-key)."""
    return _l1_call(_derive, base_url, private_key, **options)


def create_or_derive_api_key(
    base_url: str, private_key: str, **options: Unpack[L1Options]
) -> ApiCreds:
    """Create credentials, or derive the existing ones when the server says they exist (400),
    like py-clob-client's ``create_or_derive_api_creds``."""
    try:
        return create_api_key(base_url, private_key, **options)
    except BadRequestError:
        return derive_api_key(base_url, private_key, **options)
