from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_keys_response import ApiKeysResponse
from ...models.error_response import ErrorResponse
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/auth/api-keys",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ApiKeysResponse | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = ApiKeysResponse.from_dict(orjson.loads(response.content))

        return response_200

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(orjson.loads(response.content))

        return response_401

    if response.status_code == 429:
        response_429 = ErrorResponse.from_dict(orjson.loads(response.content))

        return response_429

    if response.status_code == 500:
        response_500 = ErrorResponse.from_dict(orjson.loads(response.content))

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


# The public seam for callers that send the request themselves (the clob_cancel overlay).
build_request = _get_kwargs
parse_response = _parse_response


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ApiKeysResponse | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[ApiKeysResponse | ErrorResponse]:
    """List the API keys of the signer (L2)

     The API keys of the address in `POLY_ADDRESS`, as `{"apiKeys": ["<key>", ...]}`. A 200
    that lists the key in `POLY_API_KEY` proves the whole set (address, key, passphrase,
    secret) is accepted and the clock is within the server's window, without canceling or
    arming anything; a 401 says one of them is not (which one, the server does not say).

    Sources: polymarket-client 0.14.0 (`fetch_api_keys`, `_internal/actions/auth.py`: reads
    `apiKeys` as a list of strings) and @polymarket/client 0.2.0 (`ApiKeysResponseSchema` of
    @polymarket/bindings 0.2.0: `{apiKeys: string[]}`). Both official SDKs call it when a
    secure client is created with given credentials; on a 401, or when the key is not
    listed, both fall back to creating or deriving credentials with the private key (L1), so
    with those SDKs wrong L2 credentials can go unnoticed until the key is absent.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiKeysResponse | ErrorResponse]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
) -> ApiKeysResponse | ErrorResponse | None:
    """List the API keys of the signer (L2)

     The API keys of the address in `POLY_ADDRESS`, as `{"apiKeys": ["<key>", ...]}`. A 200
    that lists the key in `POLY_API_KEY` proves the whole set (address, key, passphrase,
    secret) is accepted and the clock is within the server's window, without canceling or
    arming anything; a 401 says one of them is not (which one, the server does not say).

    Sources: polymarket-client 0.14.0 (`fetch_api_keys`, `_internal/actions/auth.py`: reads
    `apiKeys` as a list of strings) and @polymarket/client 0.2.0 (`ApiKeysResponseSchema` of
    @polymarket/bindings 0.2.0: `{apiKeys: string[]}`). Both official SDKs call it when a
    secure client is created with given credentials; on a 401, or when the key is not
    listed, both fall back to creating or deriving credentials with the private key (L1), so
    with those SDKs wrong L2 credentials can go unnoticed until the key is absent.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiKeysResponse | ErrorResponse
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[ApiKeysResponse | ErrorResponse]:
    """List the API keys of the signer (L2)

     The API keys of the address in `POLY_ADDRESS`, as `{"apiKeys": ["<key>", ...]}`. A 200
    that lists the key in `POLY_API_KEY` proves the whole set (address, key, passphrase,
    secret) is accepted and the clock is within the server's window, without canceling or
    arming anything; a 401 says one of them is not (which one, the server does not say).

    Sources: polymarket-client 0.14.0 (`fetch_api_keys`, `_internal/actions/auth.py`: reads
    `apiKeys` as a list of strings) and @polymarket/client 0.2.0 (`ApiKeysResponseSchema` of
    @polymarket/bindings 0.2.0: `{apiKeys: string[]}`). Both official SDKs call it when a
    secure client is created with given credentials; on a 401, or when the key is not
    listed, both fall back to creating or deriving credentials with the private key (L1), so
    with those SDKs wrong L2 credentials can go unnoticed until the key is absent.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiKeysResponse | ErrorResponse]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
) -> ApiKeysResponse | ErrorResponse | None:
    """List the API keys of the signer (L2)

     The API keys of the address in `POLY_ADDRESS`, as `{"apiKeys": ["<key>", ...]}`. A 200
    that lists the key in `POLY_API_KEY` proves the whole set (address, key, passphrase,
    secret) is accepted and the clock is within the server's window, without canceling or
    arming anything; a 401 says one of them is not (which one, the server does not say).

    Sources: polymarket-client 0.14.0 (`fetch_api_keys`, `_internal/actions/auth.py`: reads
    `apiKeys` as a list of strings) and @polymarket/client 0.2.0 (`ApiKeysResponseSchema` of
    @polymarket/bindings 0.2.0: `{apiKeys: string[]}`). Both official SDKs call it when a
    secure client is created with given credentials; on a 401, or when the key is not
    listed, both fall back to creating or deriving credentials with the private key (L1), so
    with those SDKs wrong L2 credentials can go unnoticed until the key is absent.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiKeysResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
