from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.cancel_orders_response import CancelOrdersResponse
from ...models.error_response import ErrorResponse
from ...types import Response


def _get_kwargs(
    *,
    body: list[str],
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/orders",
    }

    json_body = body

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
    body: list[str],
) -> Response[CancelOrdersResponse | ErrorResponse]:
    """Cancel multiple orders

     Cancel several orders of the authenticated account in one call: the body is a JSON array
    of order ids, at most 1000 of them since 2026-06-15 (3000 before; Polymarket's changelog
    of 2026-06-15 and its published clob-openapi.yaml). A longer array is refused whole with
    400 "Too many orders in payload, max allowed: 1000": split larger batches across
    requests. Duplicate ids are ignored. Every requested id appears exactly once in the
    answer, in `canceled` or in `not_canceled`. Costs one cancel token per id submitted.

    Args:
        body (list[str]): The body of `DELETE /orders`; duplicate ids are ignored. At most 1000
            ids since 2026-06-15
            (Polymarket's changelog; 3000 before).

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
    body: list[str],
) -> CancelOrdersResponse | ErrorResponse | None:
    """Cancel multiple orders

     Cancel several orders of the authenticated account in one call: the body is a JSON array
    of order ids, at most 1000 of them since 2026-06-15 (3000 before; Polymarket's changelog
    of 2026-06-15 and its published clob-openapi.yaml). A longer array is refused whole with
    400 "Too many orders in payload, max allowed: 1000": split larger batches across
    requests. Duplicate ids are ignored. Every requested id appears exactly once in the
    answer, in `canceled` or in `not_canceled`. Costs one cancel token per id submitted.

    Args:
        body (list[str]): The body of `DELETE /orders`; duplicate ids are ignored. At most 1000
            ids since 2026-06-15
            (Polymarket's changelog; 3000 before).

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
    body: list[str],
) -> Response[CancelOrdersResponse | ErrorResponse]:
    """Cancel multiple orders

     Cancel several orders of the authenticated account in one call: the body is a JSON array
    of order ids, at most 1000 of them since 2026-06-15 (3000 before; Polymarket's changelog
    of 2026-06-15 and its published clob-openapi.yaml). A longer array is refused whole with
    400 "Too many orders in payload, max allowed: 1000": split larger batches across
    requests. Duplicate ids are ignored. Every requested id appears exactly once in the
    answer, in `canceled` or in `not_canceled`. Costs one cancel token per id submitted.

    Args:
        body (list[str]): The body of `DELETE /orders`; duplicate ids are ignored. At most 1000
            ids since 2026-06-15
            (Polymarket's changelog; 3000 before).

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
    body: list[str],
) -> CancelOrdersResponse | ErrorResponse | None:
    """Cancel multiple orders

     Cancel several orders of the authenticated account in one call: the body is a JSON array
    of order ids, at most 1000 of them since 2026-06-15 (3000 before; Polymarket's changelog
    of 2026-06-15 and its published clob-openapi.yaml). A longer array is refused whole with
    400 "Too many orders in payload, max allowed: 1000": split larger batches across
    requests. Duplicate ids are ignored. Every requested id appears exactly once in the
    answer, in `canceled` or in `not_canceled`. Costs one cancel token per id submitted.

    Args:
        body (list[str]): The body of `DELETE /orders`; duplicate ids are ignored. At most 1000
            ids since 2026-06-15
            (Polymarket's changelog; 3000 before).

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
