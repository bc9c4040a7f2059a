from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.cancel_market_orders_request import CancelMarketOrdersRequest
from ...models.cancel_orders_response import CancelOrdersResponse
from ...models.error_response import ErrorResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: CancelMarketOrdersRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/cancel-market-orders",
    }

    json_body: dict[str, Any] | Unset = UNSET
    if not isinstance(body, Unset):
        json_body = body.to_dict()
    if not isinstance(json_body, Unset):
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
    body: CancelMarketOrdersRequest | Unset = UNSET,
) -> Response[CancelOrdersResponse | ErrorResponse]:
    """Cancel the orders of a market

     Cancel the authenticated account's open orders in one market (`market`, a condition id),
    for one outcome token (`asset_id`), or both filters together. Both fields are optional;
    a filter that is omitted or empty does not restrict, so a request with neither cancels
    every open order of the account, like `/cancel-all`. py-clob-client-v2 sends only the
    filters given (`{"market":"0x.."}`); the v1 py-clob-client sent both keys, `""` for the
    missing one. Costs 1 cancel token up front plus 1 per order canceled.

    Args:
        body (CancelMarketOrdersRequest | Unset): The body of `DELETE /cancel-market-orders`; an
            omitted or empty field does not filter.

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
    body: CancelMarketOrdersRequest | Unset = UNSET,
) -> CancelOrdersResponse | ErrorResponse | None:
    """Cancel the orders of a market

     Cancel the authenticated account's open orders in one market (`market`, a condition id),
    for one outcome token (`asset_id`), or both filters together. Both fields are optional;
    a filter that is omitted or empty does not restrict, so a request with neither cancels
    every open order of the account, like `/cancel-all`. py-clob-client-v2 sends only the
    filters given (`{"market":"0x.."}`); the v1 py-clob-client sent both keys, `""` for the
    missing one. Costs 1 cancel token up front plus 1 per order canceled.

    Args:
        body (CancelMarketOrdersRequest | Unset): The body of `DELETE /cancel-market-orders`; an
            omitted or empty field does not filter.

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
    body: CancelMarketOrdersRequest | Unset = UNSET,
) -> Response[CancelOrdersResponse | ErrorResponse]:
    """Cancel the orders of a market

     Cancel the authenticated account's open orders in one market (`market`, a condition id),
    for one outcome token (`asset_id`), or both filters together. Both fields are optional;
    a filter that is omitted or empty does not restrict, so a request with neither cancels
    every open order of the account, like `/cancel-all`. py-clob-client-v2 sends only the
    filters given (`{"market":"0x.."}`); the v1 py-clob-client sent both keys, `""` for the
    missing one. Costs 1 cancel token up front plus 1 per order canceled.

    Args:
        body (CancelMarketOrdersRequest | Unset): The body of `DELETE /cancel-market-orders`; an
            omitted or empty field does not filter.

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
    body: CancelMarketOrdersRequest | Unset = UNSET,
) -> CancelOrdersResponse | ErrorResponse | None:
    """Cancel the orders of a market

     Cancel the authenticated account's open orders in one market (`market`, a condition id),
    for one outcome token (`asset_id`), or both filters together. Both fields are optional;
    a filter that is omitted or empty does not restrict, so a request with neither cancels
    every open order of the account, like `/cancel-all`. py-clob-client-v2 sends only the
    filters given (`{"market":"0x.."}`); the v1 py-clob-client sent both keys, `""` for the
    missing one. Costs 1 cancel token up front plus 1 per order canceled.

    Args:
        body (CancelMarketOrdersRequest | Unset): The body of `DELETE /cancel-market-orders`; an
            omitted or empty field does not filter.

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
