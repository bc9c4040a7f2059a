"""The clients under comparison, each as one zero-argument callable per operation.

- ours: `clob_cancel.CancelClient` (generated functions + the signing httpx.Auth).
- py-clob-client: the official client, built as its users build it (private key + API creds).
- bare httpx: an httpx.Client replaying the identical request (method, URL, body bytes, headers
  signed once, ahead of time): the floor of the httpx stack. It does not parse the answer.
- tuned httpx: the same replay on an httpx.Client set up as ours sets up its own (no cookie jar,
  each URL resolved once): what those settings are worth, so that a ratio under 1.00 is not
  mistaken for ours doing less than httpx must. It does not parse the answer either.
- minimal client: tuned httpx doing only the work every client must: encode the body (orjson),
  sign it (the overlay's L2Auth) and parse the answer (orjson), with no input checks, models,
  retries or error handling. The least any client on httpx can spend, in the same run.
- raw socket: the same request bytes on a keep-alive socket, the answer read by Content-Length:
  the floor of Python on loopback. It does not parse the answer either.

Each client keeps one keep-alive connection to the same server for the whole run.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from bench.workload import (
    ADDRESS,
    API_KEY,
    API_PASSPHRASE,
    API_SECRET,
    ASSET_ID,
    CALLS,
    MARKET,
    ORDER_IDS,
    PRIVATE_KEY,
    body_bytes,
)
from clob_cancel.signing import ApiCreds, l2_headers

CLIENTS = ("ours", "py-clob-client", "bare httpx", "tuned httpx", "minimal client", "raw socket")
Calls = dict[str, Callable[[], Any]]
JSON = {"Content-Type": "application/json"}


def canceled_count(result: Any) -> int:
    """How many ids an answer names as canceled, whatever form the client returns it in."""
    if isinstance(result, httpx.Response):
        result.raise_for_status()
        result = result.json()
    elif isinstance(result, bytes):
        result = json.loads(result)
    if hasattr(result, "canceled"):
        return len(result.canceled)
    return len(result["canceled"])


def signed_headers(path: str, body: bytes) -> dict[str, str]:
    """What a signing client sends besides httpx's defaults, computed once for the replays."""
    creds = ApiCreds(API_KEY, API_SECRET, API_PASSPHRASE)
    headers = l2_headers(creds, ADDRESS, int(time.time()), "DELETE", path, body)
    if body:
        headers["Content-Type"] = "application/json"
    return headers


def same_calls(client: Any) -> Calls:
    """The five calls, for either client: ours and py-clob-client name the methods alike."""
    return {
        "cancel(1)": lambda: client.cancel(ORDER_IDS[0]),
        "cancel_orders(100)": lambda: client.cancel_orders(ORDER_IDS[:100]),
        "cancel_orders(1000)": lambda: client.cancel_orders(ORDER_IDS),
        "cancel_all": client.cancel_all,
        "cancel_market_orders": lambda: client.cancel_market_orders(MARKET, ASSET_ID),
    }


def ours(url: str) -> tuple[Calls, Callable[[], None]]:
    from clob_cancel import CancelClient

    client = CancelClient(url, ApiCreds(API_KEY, API_SECRET, API_PASSPHRASE), ADDRESS)
    client.__enter__()
    return same_calls(client), lambda: client.__exit__(None, None, None)


def official(url: str) -> tuple[Calls, Callable[[], None]]:
    from py_clob_client.client import ClobClient
    from py_clob_client.clob_types import ApiCreds as OfficialCreds

    creds = OfficialCreds(api_key=API_KEY, api_secret=API_SECRET, api_passphrase=API_PASSPHRASE)
    client = ClobClient(url, key=PRIVATE_KEY, chain_id=137, creds=creds)
    # its httpx client is module-level; it lives as long as the process
    return same_calls(client), lambda: None


def replays(client: httpx.Client, *, resolved: bool) -> tuple[Calls, Callable[[], None]]:
    """Each call replayed on ``client`` with its headers signed ahead; ``resolved``: the URL
    resolved against the base URL once, as ours does, instead of the path on every request."""
    calls: Calls = {}
    for op, call in CALLS.items():
        body = body_bytes(call.body)
        headers = signed_headers(call.path, body)
        target = client.build_request("DELETE", call.path).url if resolved else call.path

        def replay(target: Any = target, body: bytes = body, headers: Any = headers) -> Any:
            return client.request("DELETE", target, content=body, headers=headers)

        calls[op] = replay
    return calls, client.close


def bare_httpx(url: str) -> tuple[Calls, Callable[[], None]]:
    return replays(httpx.Client(base_url=url), resolved=False)


def tuned_httpx(url: str) -> tuple[Calls, Callable[[], None]]:
    from clob_cancel.core import NoCookies  # the overlay's own setting, not a copy of it

    return replays(httpx.Client(base_url=url, cookies=NoCookies()), resolved=True)


def minimal_client(url: str) -> tuple[Calls, Callable[[], None]]:
    from clob_cancel._call import L2Auth
    from clob_cancel.core import NoCookies

    creds = ApiCreds(API_KEY, API_SECRET, API_PASSPHRASE)
    client = httpx.Client(base_url=url, cookies=NoCookies(), auth=L2Auth(creds, ADDRESS))
    calls: Calls = {}
    for op, call in CALLS.items():
        target = client.build_request("DELETE", call.path).url

        def cancel(target: httpx.URL = target, value: Any = call.body) -> Any:
            if value is None:
                answer = client.request("DELETE", target)
            else:
                body = orjson.dumps(value)
                answer = client.request("DELETE", target, content=body, headers=JSON)
            return orjson.loads(answer.content)

        calls[op] = cancel
    return calls, client.close


def raw_request(client: httpx.Client, path: str, body: bytes) -> bytes:
    """The exact bytes httpx (h11) puts on the wire for the bare replay of this call."""
    request = client.build_request("DELETE", path, content=body, headers=signed_headers(path, body))
    target = request.url.raw_path
    lines = [b"DELETE " + target + b" HTTP/1.1"] + [k + b": " + v for k, v in request.headers.raw]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def read_answer(sock: socket.socket) -> bytes:
    """Read one HTTP/1.1 answer framed by Content-Length; return its body."""
    data = sock.recv(65536)
    while (end := data.find(b"\r\n\r\n")) < 0:
        data += sock.recv(65536)
    head = data[:end].lower()
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        raise ConnectionError("the answer has no Content-Length")
    length = int(head[at + 17 :].split(b"\r\n", 1)[0])
    stop = end + 4 + length
    if len(data) >= stop:
        return data[end + 4 : stop]
    buffer = bytearray(data)
    while len(buffer) < stop:
        chunk = sock.recv(stop - len(buffer))
        if not chunk:
            raise ConnectionError("the server closed the connection mid-answer")
        buffer += chunk
    return bytes(buffer[end + 4 : stop])


def raw_socket(url: str) -> tuple[Calls, Callable[[], None]]:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as httpcore does
    with httpx.Client(base_url=url) as builder:
        requests = {op: raw_request(builder, c.path, body_bytes(c.body)) for op, c in CALLS.items()}
    calls: Calls = {}
    for op, wire in requests.items():

        def send(wire: bytes = wire) -> bytes:
            sock.sendall(wire)
            return read_answer(sock)

        calls[op] = send
    return calls, sock.close


FACTORIES = {
    "ours": ours,
    "py-clob-client": official,
    "bare httpx": bare_httpx,
    "tuned httpx": tuned_httpx,
    "minimal client": minimal_client,
    "raw socket": raw_socket,
}
