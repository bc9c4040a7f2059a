"""Slow and oversized clients cannot hold the mock's connections or memory: header and body
deadlines, a small bound on bodies without a known api key, a bound on admin bodies. Over raw
sockets against a real MockServer; the deadlines are short here and the waits generous."""

from __future__ import annotations

import json
import random
import socket
import time
from collections.abc import Iterator

import pytest

from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer
from clob_cancel_mock.clob import UNAUTHENTICATED_MAX_BODY_BYTES
from clob_cancel_mock.jsonbody import json_depth_ok

from .conftest import Api, json_of, signed_headers

SHORT = 0.5  # the deadlines under test
WAIT = 10.0  # how long a test waits for the server to act on them


@pytest.fixture(scope="module")
def quick() -> Iterator[MockServer]:
    with MockServer(header_timeout=SHORT, body_timeout=SHORT) as server:
        yield server


def connect(server: MockServer) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=WAIT)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes; fails if it holds the connection WAIT s."""
    data = b""
    end = time.monotonic() + WAIT
    while time.monotonic() < end:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        except TimeoutError:
            break
        if not chunk:
            return data
        data += chunk
    pytest.fail(f"the server still holds the connection after {WAIT} s (got {data[:200]!r})")


def dribble_until_closed(sock: socket.socket, piece: bytes) -> bytes:
    """Send ``piece`` every 0.1 s until the server answers or closes; what it sent."""
    sock.settimeout(0.1)
    end = time.monotonic() + WAIT
    while time.monotonic() < end:
        try:
            sock.sendall(piece)
        except OSError:  # closed under us
            break
        try:
            if sock.recv(1, socket.MSG_PEEK):
                break
            break  # b"": closed
        except TimeoutError:
            continue
        except ConnectionResetError:
            return b""
    else:
        pytest.fail(f"the server still reads a dribbling client after {WAIT} s")
    sock.settimeout(WAIT)
    return read_until_closed(sock)


def test_a_silent_connection_is_closed(quick: MockServer) -> None:
    with connect(quick) as sock:
        assert read_until_closed(sock) == b""


def test_dribbled_headers_are_cut_off(quick: MockServer) -> None:
    with connect(quick) as sock:
        sock.sendall(b"GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert dribble_until_closed(sock, b"X") == b""


def test_a_second_request_dribbling_its_headers_is_cut_off(quick: MockServer) -> None:
    """uvicorn's keep-alive timeout stops at the first byte of the next request."""
    with connect(quick) as sock:
        sock.sendall(b"GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        sock.settimeout(WAIT)
        answer = b""
        while not (b"\r\n\r\n" in answer and answer.split(b"\r\n\r\n", 1)[1]):
            answer += sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /time HTTP/1.1\r\n")
        assert dribble_until_closed(sock, b"X") == b""


def test_endless_headers_are_cut_off(quick: MockServer) -> None:
    with connect(quick) as sock:
        sock.sendall(b"GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        line = b"X-Pad: " + b"a" * 1000 + b"\r\n"
        try:
            for _ in range(1000):  # 1 MB of headers, never finished
                sock.sendall(line)
        except OSError:
            return  # closed under us: refused
        answer = read_until_closed(sock)
        assert answer == b"" or answer.startswith((b"HTTP/1.1 4",)), answer[:100]


@pytest.mark.parametrize("signed", [False, True])
def test_a_dribbled_body_gets_408_and_the_connection_closes(
    quick: MockServer, signed: bool
) -> None:
    head = b"Content-Length: 1000\r\n"
    if signed:  # a known api key and the five headers: the large bound, the same deadline
        headers = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/orders", b"[]")
        poly = "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k.startswith("POLY"))
        head = poly.encode() + b"Content-Length: 100000\r\n"
    with connect(quick) as sock:
        sock.sendall(
            b"DELETE /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + head
            + b"\r\n["
        )
        answer = dribble_until_closed(sock, b" ")
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"did not arrive within 0.5 s" in answer


@pytest.mark.parametrize(
    "auth",
    [
        {},
        {
            "POLY_API_KEY": "00000000-0000-4000-8000-00000000dead",
            "POLY_ADDRESS": "0x1",
            "POLY_PASSPHRASE": "p",
            "POLY_TIMESTAMP": "1",
            "POLY_SIGNATURE": "s",
        },
        {"POLY_API_KEY": DEFAULT_ACCOUNT.api_key},  # a known key, but not the other headers
    ],
)
def test_a_megabyte_without_a_known_api_key_is_refused_unread(
    quick: MockServer, auth: dict[str, str]
) -> None:
    """Content-Length says 1 MiB; the client sends 64 KiB and waits: the answer must come."""
    head = "".join(f"{name}: {value}\r\n" for name, value in auth.items()).encode()
    with connect(quick) as sock:
        sock.sendall(
            b"DELETE /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + head
            + b"Content-Length: 1048576\r\n\r\n"
            + b" " * UNAUTHENTICATED_MAX_BODY_BYTES
        )
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert b"Unauthorized/Invalid api key" in answer


def test_a_chunked_body_without_auth_is_cut_at_the_small_bound(quick: MockServer) -> None:
    with connect(quick) as sock:
        sock.sendall(
            b"DELETE /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"4000\r\n" + b" " * 0x4000 + b"\r\n"
        for _ in range(UNAUTHENTICATED_MAX_BODY_BYTES // 0x4000 + 1):
            sock.sendall(chunk)
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]


def test_an_authenticated_body_may_be_larger(quick: MockServer) -> None:
    ids = [f"0x{i:0100x}" for i in range(1000)]
    body = json.dumps(ids).encode()
    assert len(body) > UNAUTHENTICATED_MAX_BODY_BYTES
    api = Api(quick)
    response = api.send("DELETE", "/orders", body)
    assert response.status_code == 200, response.text[:200]
    assert len(json_of(response)["not_canceled"]) == len(ids)
    unsigned = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/orders", body)
    unsigned["POLY_API_KEY"] = "00000000-0000-4000-8000-00000000dead"
    response = api.http.request("DELETE", "/orders", content=body, headers=unsigned)
    assert response.status_code == 401
    api.http.close()


def test_admin_bodies_are_bounded_at_a_mebibyte() -> None:
    with MockServer(max_body_bytes=8 << 20) as server:
        api = Api(server)
        orders = [{"id": f"0x{i:064x}"} for i in range(20_000)]  # ~1.6 MB
        response = api.http.post("/_mock/orders", json=orders)
        assert response.status_code == 413, response.text[:200]
        assert len(server.orders()) == 0
        api.http.close()


def _depth_ok_reference(body: bytes, limit: int) -> bool:
    """The scan json_depth_ok replaced, one byte at a time."""
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return False
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return True


def test_the_depth_scan_agrees_with_the_byte_loop() -> None:
    rng = random.Random(15)
    for _ in range(5000):
        body = bytes(rng.choice(b'[]{}"\\a') for _ in range(rng.randint(0, 200)))
        for limit in (1, 3, 8):
            assert json_depth_ok(body, limit) == _depth_ok_reference(body, limit), (body, limit)
