from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.cancel_order_request import CancelOrderRequest
from ...models.cancel_orders_response import CancelOrdersResponse
from ...models.error_response import ErrorResponse
from ...types import Response


def _get_kwargs(
    *,
    body: CancelOrderRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/order",
    }

    json_body = body.to_dict()
    _kwargs["content"] = orjson.dumps(json_body)

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CancelOrdersResponse | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = CancelOrdersResponse.from_dict(orjson.loads(response.content))

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(orjson.loads(response.content))

        return response_400

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
    body: CancelOrderRequest,
) -> Response[CancelOrdersResponse | ErrorResponse]:
    """Cancel a single order

     Cancel one order of the authenticated account by its id. An id that is unknown, belongs
    to another account, is already canceled or was already matched is not an error: it is
    reported in `not_canceled` with the reason.

    Args:
        body (CancelOrderRequest): The body of `DELETE /order`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CancelOrdersResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: CancelOrderRequest,
) -> CancelOrdersResponse | ErrorResponse | None:
    """Cancel a single order

     Cancel one order of the authenticated account by its id. An id that is unknown, belongs
    to another account, is already canceled or was already matched is not an error: it is
    reported in `not_canceled` with the reason.

    Args:
        body (CancelOrderRequest): The body of `DELETE /order`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CancelOrdersResponse | ErrorResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CancelOrderRequest,
) -> Response[CancelOrdersResponse | ErrorResponse]:
    """Cancel a single order

     Cancel one order of the authenticated account by its id. An id that is unknown, belongs
    to another account, is already canceled or was already matched is not an error: it is
    reported in `not_canceled` with the reason.

    Args:
        body (CancelOrderRequest): The body of `DELETE /order`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CancelOrdersResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CancelOrderRequest,
) -> CancelOrdersResponse | ErrorResponse | None:
    """Cancel a single order

     Cancel one order of the authenticated account by its id. An id that is unknown, belongs
    to another account, is already canceled or was already matched is not an error: it is
    reported in `not_canceled` with the reason.

    Args:
        body (CancelOrderRequest): The body of `DELETE /order`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CancelOrdersResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
