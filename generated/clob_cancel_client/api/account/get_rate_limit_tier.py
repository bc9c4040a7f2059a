from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.rate_limit_tier_response import RateLimitTierResponse
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/user/rate-limit-tier",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | RateLimitTierResponse | None:
    if response.status_code == 200:
        response_200 = RateLimitTierResponse.from_dict(orjson.loads(response.content))

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
) -> Response[ErrorResponse | RateLimitTierResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[ErrorResponse | RateLimitTierResponse]:
    """The signer's rate-limit tier (L2)

     The rate-limit tier of the signer behind the credentials, the tier whose cancel bucket
    (refill and burst, in the table above) the signer's cancels draw on. The tier follows
    the 30-day volume of the account (maker) wallet even when the signer differs, and is
    refreshed every 3 hours: "The response reflects the most recent tier refresh, so a
    change in volume can take up to three hours to appear" (docs.polymarket.com,
    api-reference/account/get-rate-limit-tier, and trading-rate-limits). A client that reads
    it before its first bulk cancel can size its batches without a first 429.

    **The answer's field names are not confirmed.** The docs page names the operation, its
    L2 authentication and what it reflects; the sources this spec was written from (that
    page as transcribed, polymarket-client 0.14.0 and @polymarket/client 0.2.0, neither of
    which calls it) do not show the body. So the schema is deliberately loose: a JSON object
    whose `tier` (the name `Poly-RateLimit-Tier` carries, e.g. `Silver`) is what the mock
    sends and what a client should look for first, with any other fields allowed. A client
    must treat an answer it cannot read, a 404 (a server without the operation) or a failure
    as "tier unknown" and learn the tier from the `Poly-RateLimit-*` headers instead. Not in
    Polymarket's clob-openapi.yaml as committed in `openapi/upstream/` (June 2026).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | RateLimitTierResponse]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
) -> ErrorResponse | RateLimitTierResponse | None:
    """The signer's rate-limit tier (L2)

     The rate-limit tier of the signer behind the credentials, the tier whose cancel bucket
    (refill and burst, in the table above) the signer's cancels draw on. The tier follows
    the 30-day volume of the account (maker) wallet even when the signer differs, and is
    refreshed every 3 hours: "The response reflects the most recent tier refresh, so a
    change in volume can take up to three hours to appear" (docs.polymarket.com,
    api-reference/account/get-rate-limit-tier, and trading-rate-limits). A client that reads
    it before its first bulk cancel can size its batches without a first 429.

    **The answer's field names are not confirmed.** The docs page names the operation, its
    L2 authentication and what it reflects; the sources this spec was written from (that
    page as transcribed, polymarket-client 0.14.0 and @polymarket/client 0.2.0, neither of
    which calls it) do not show the body. So the schema is deliberately loose: a JSON object
    whose `tier` (the name `Poly-RateLimit-Tier` carries, e.g. `Silver`) is what the mock
    sends and what a client should look for first, with any other fields allowed. A client
    must treat an answer it cannot read, a 404 (a server without the operation) or a failure
    as "tier unknown" and learn the tier from the `Poly-RateLimit-*` headers instead. Not in
    Polymarket's clob-openapi.yaml as committed in `openapi/upstream/` (June 2026).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | RateLimitTierResponse
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[ErrorResponse | RateLimitTierResponse]:
    """The signer's rate-limit tier (L2)

     The rate-limit tier of the signer behind the credentials, the tier whose cancel bucket
    (refill and burst, in the table above) the signer's cancels draw on. The tier follows
    the 30-day volume of the account (maker) wallet even when the signer differs, and is
    refreshed every 3 hours: "The response reflects the most recent tier refresh, so a
    change in volume can take up to three hours to appear" (docs.polymarket.com,
    api-reference/account/get-rate-limit-tier, and trading-rate-limits). A client that reads
    it before its first bulk cancel can size its batches without a first 429.

    **The answer's field names are not confirmed.** The docs page names the operation, its
    L2 authentication and what it reflects; the sources this spec was written from (that
    page as transcribed, polymarket-client 0.14.0 and @polymarket/client 0.2.0, neither of
    which calls it) do not show the body. So the schema is deliberately loose: a JSON object
    whose `tier` (the name `Poly-RateLimit-Tier` carries, e.g. `Silver`) is what the mock
    sends and what a client should look for first, with any other fields allowed. A client
    must treat an answer it cannot read, a 404 (a server without the operation) or a failure
    as "tier unknown" and learn the tier from the `Poly-RateLimit-*` headers instead. Not in
    Polymarket's clob-openapi.yaml as committed in `openapi/upstream/` (June 2026).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | RateLimitTierResponse]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
) -> ErrorResponse | RateLimitTierResponse | None:
    """The signer's rate-limit tier (L2)

     The rate-limit tier of the signer behind the credentials, the tier whose cancel bucket
    (refill and burst, in the table above) the signer's cancels draw on. The tier follows
    the 30-day volume of the account (maker) wallet even when the signer differs, and is
    refreshed every 3 hours: "The response reflects the most recent tier refresh, so a
    change in volume can take up to three hours to appear" (docs.polymarket.com,
    api-reference/account/get-rate-limit-tier, and trading-rate-limits). A client that reads
    it before its first bulk cancel can size its batches without a first 429.

    **The answer's field names are not confirmed.** The docs page names the operation, its
    L2 authentication and what it reflects; the sources this spec was written from (that
    page as transcribed, polymarket-client 0.14.0 and @polymarket/client 0.2.0, neither of
    which calls it) do not show the body. So the schema is deliberately loose: a JSON object
    whose `tier` (the name `Poly-RateLimit-Tier` carries, e.g. `Silver`) is what the mock
    sends and what a client should look for first, with any other fields allowed. A client
    must treat an answer it cannot read, a 404 (a server without the operation) or a failure
    as "tier unknown" and learn the tier from the `Poly-RateLimit-*` headers instead. Not in
    Polymarket's clob-openapi.yaml as committed in `openapi/upstream/` (June 2026).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | RateLimitTierResponse
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
