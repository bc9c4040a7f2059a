from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.heartbeat_mismatch import HeartbeatMismatch
from ...models.heartbeat_request import HeartbeatRequest
from ...models.heartbeat_response import HeartbeatResponse
from ...types import Response


def _get_kwargs(
    *,
    body: HeartbeatRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/heartbeats",
    }

    json_body = body.to_dict()
    _kwargs["content"] = orjson.dumps(json_body)

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | ErrorResponse | HeartbeatMismatch | HeartbeatResponse | None:
    if response.status_code == 200:
        response_200 = HeartbeatResponse.from_dict(orjson.loads(response.content))

        return response_200

    if response.status_code == 400:

        def _parse_response_400(data: object) -> ErrorResponse | HeartbeatMismatch:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_400_type_0 = HeartbeatMismatch.from_dict(data)

                return response_400_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_400_type_1 = ErrorResponse.from_dict(data)

            return response_400_type_1

        response_400 = _parse_response_400(orjson.loads(response.content))

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
) -> Response[ErrorResponse | ErrorResponse | HeartbeatMismatch | HeartbeatResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: HeartbeatRequest,
) -> Response[ErrorResponse | ErrorResponse | HeartbeatMismatch | HeartbeatResponse]:
    """Send an order heartbeat (arms the server-side dead-man's switch)

     The first accepted heartbeat arms cancellation of ALL open orders of the API key, in every
    market and from every process using the key: from then on, when no accepted heartbeat
    has arrived for 10 seconds ("with up to a 5-second buffer"; timing and success are not
    guaranteed), the server cancels them all. Send one every 5 s or so. There is no disarm:
    stopping the sends lets the deadline run out, and the orders are canceled.

    Each answer names the id to send next; the first send carries `""`. A send with any
    other id than the expected one is refused with 400 `{"error_msg": "Invalid Heartbeat ID",
    "heartbeat_id": "<the id expected>"}` (the expected id can be empty, e.g. after a lapse);
    a refused send does not refresh the deadline. Sources: py-clob-client-v2 1.2.1
    `post_heartbeat`, @polymarket/clob-client-v2 1.1.0 `postHeartbeat`, polymarket-client
    0.14.0 `send_order_heartbeat`, docs.polymarket.com api-reference/trade/send-heartbeat. The
    legacy `POST /heartbeats` (no body, answering `{"status": "ok"}`) is not part of this
    contract.

    Args:
        body (HeartbeatRequest): The body of `POST /v1/heartbeats`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ErrorResponse | HeartbeatMismatch | HeartbeatResponse]
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
    body: HeartbeatRequest,
) -> ErrorResponse | ErrorResponse | HeartbeatMismatch | HeartbeatResponse | None:
    """Send an order heartbeat (arms the server-side dead-man's switch)

     The first accepted heartbeat arms cancellation of ALL open orders of the API key, in every
    market and from every process using the key: from then on, when no accepted heartbeat
    has arrived for 10 seconds ("with up to a 5-second buffer"; timing and success are not
    guaranteed), the server cancels them all. Send one every 5 s or so. There is no disarm:
    stopping the sends lets the deadline run out, and the orders are canceled.

    Each answer names the id to send next; the first send carries `""`. A send with any
    other id than the expected one is refused with 400 `{"error_msg": "Invalid Heartbeat ID",
    "heartbeat_id": "<the id expected>"}` (the expected id can be empty, e.g. after a lapse);
    a refused send does not refresh the deadline. Sources: py-clob-client-v2 1.2.1
    `post_heartbeat`, @polymarket/clob-client-v2 1.1.0 `postHeartbeat`, polymarket-client
    0.14.0 `send_order_heartbeat`, docs.polymarket.com api-reference/trade/send-heartbeat. The
    legacy `POST /heartbeats` (no body, answering `{"status": "ok"}`) is not part of this
    contract.

    Args:
        body (HeartbeatRequest): The body of `POST /v1/heartbeats`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ErrorResponse | HeartbeatMismatch | HeartbeatResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: HeartbeatRequest,
) -> Response[ErrorResponse | ErrorResponse | HeartbeatMismatch | HeartbeatResponse]:
    """Send an order heartbeat (arms the server-side dead-man's switch)

     The first accepted heartbeat arms cancellation of ALL open orders of the API key, in every
    market and from every process using the key: from then on, when no accepted heartbeat
    has arrived for 10 seconds ("with up to a 5-second buffer"; timing and success are not
    guaranteed), the server cancels them all. Send one every 5 s or so. There is no disarm:
    stopping the sends lets the deadline run out, and the orders are canceled.

    Each answer names the id to send next; the first send carries `""`. A send with any
    other id than the expected one is refused with 400 `{"error_msg": "Invalid Heartbeat ID",
    "heartbeat_id": "<the id expected>"}` (the expected id can be empty, e.g. after a lapse);
    a refused send does not refresh the deadline. Sources: py-clob-client-v2 1.2.1
    `post_heartbeat`, @polymarket/clob-client-v2 1.1.0 `postHeartbeat`, polymarket-client
    0.14.0 `send_order_heartbeat`, docs.polymarket.com api-reference/trade/send-heartbeat. The
    legacy `POST /heartbeats` (no body, answering `{"status": "ok"}`) is not part of this
    contract.

    Args:
        body (HeartbeatRequest): The body of `POST /v1/heartbeats`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ErrorResponse | HeartbeatMismatch | HeartbeatResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: HeartbeatRequest,
) -> ErrorResponse | ErrorResponse | HeartbeatMismatch | HeartbeatResponse | None:
    """Send an order heartbeat (arms the server-side dead-man's switch)

     The first accepted heartbeat arms cancellation of ALL open orders of the API key, in every
    market and from every process using the key: from then on, when no accepted heartbeat
    has arrived for 10 seconds ("with up to a 5-second buffer"; timing and success are not
    guaranteed), the server cancels them all. Send one every 5 s or so. There is no disarm:
    stopping the sends lets the deadline run out, and the orders are canceled.

    Each answer names the id to send next; the first send carries `""`. A send with any
    other id than the expected one is refused with 400 `{"error_msg": "Invalid Heartbeat ID",
    "heartbeat_id": "<the id expected>"}` (the expected id can be empty, e.g. after a lapse);
    a refused send does not refresh the deadline. Sources: py-clob-client-v2 1.2.1
    `post_heartbeat`, @polymarket/clob-client-v2 1.1.0 `postHeartbeat`, polymarket-client
    0.14.0 `send_order_heartbeat`, docs.polymarket.com api-reference/trade/send-heartbeat. The
    legacy `POST /heartbeats` (no body, answering `{"status": "ok"}`) is not part of this
    contract.

    Args:
        body (HeartbeatRequest): The body of `POST /v1/heartbeats`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ErrorResponse | HeartbeatMismatch | HeartbeatResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
