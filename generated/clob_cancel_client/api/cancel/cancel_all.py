from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.cancel_orders_response import CancelOrdersResponse
from ...models.error_response import ErrorResponse
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/cancel-all",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CancelOrdersResponse | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = CancelOrdersResponse.from_dict(orjson.loads(response.content))

        return response_200

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(orjson.loads(response.content))

        return response_401

    if response.status_code == 425:
        response_425 = ErrorResponse.from_dict(orjson.loads(response.content))

        return response_425

    if response.status_code == 429:
        response_429 = ErrorResponse.from_dict(orjson.loads(response.content))

        return response_429

    if response.status_code == 500:
        response_500 = ErrorResponse.from_dict(orjson.loads(response.content))

        return response_500

    if response.status_code == 503:
        response_503 = ErrorResponse.from_dict(orjson.loads(response.content))

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


# The public seam for callers that send the request themselves (the clob_cancel overlay).
build_request = _get_kwargs
parse_response = _parse_response


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CancelOrdersResponse | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[CancelOrdersResponse | ErrorResponse]:
    """Cancel all orders

     Cancel all open orders posted by the authenticated account, in every market. The request
    has no body (so no 400 is documented for it). Orders of other accounts are never touched.
    Costs 1 cancel token up front plus 1 per order canceled.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CancelOrdersResponse | ErrorResponse]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
) -> CancelOrdersResponse | ErrorResponse | None:
    """Cancel all orders

     Cancel all open orders posted by the authenticated account, in every market. The request
    has no body (so no 400 is documented for it). Orders of other accounts are never touched.
    Costs 1 cancel token up front plus 1 per order canceled.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CancelOrdersResponse | ErrorResponse
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[CancelOrdersResponse | ErrorResponse]:
    """Cancel all orders

     Cancel all open orders posted by the authenticated account, in every market. The request
    has no body (so no 400 is documented for it). Orders of other accounts are never touched.
    Costs 1 cancel token up front plus 1 per order canceled.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CancelOrdersResponse | ErrorResponse]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
) -> CancelOrdersResponse | ErrorResponse | None:
    """Cancel all orders

     Cancel all open orders posted by the authenticated account, in every market. The request
    has no body (so no 400 is documented for it). Orders of other accounts are never touched.
    Costs 1 cancel token up front plus 1 per order canceled.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CancelOrdersResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
