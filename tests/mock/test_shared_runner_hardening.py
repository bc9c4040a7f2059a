"""The mock in shared CI runners, the smaller points of issue 27: a Host with userinfo or a
second Host is 400 on every route (the admin surface included); a request head over 64 KiB is
431 however it arrives, under both HTTP parsers; a repeated POLY_* header is 401 naming it and
never its value; the /cancel-market-orders filter keys are read whatever their case, as the
real server's Go JSON decoding reads them. Real servers on loopback, real HTTP, real
signatures."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer
from clob_cancel_mock.clob import UNAUTHENTICATED_MAX_BODY_BYTES
from clob_cancel_mock.wire import MAX_HEADER_BYTES

from .conftest import ASSET_A1, ASSET_B1, MARKET_A, MARKET_B, SEED, Api, json_of, signed_headers
from .test_l1 import l1_headers

WAIT = 10.0  # seconds a raw-socket test waits for an answer (the machine is shared)
SEEDED = {o["id"]: o.get("state", "live") for o in SEED}


def _exchange(server: MockServer, *pieces: bytes) -> bytes:
    """Send ``pieces`` (0.2 s apart, so that each is its own read), then everything the server
    answers until it closes or WAIT s pass."""
    with socket.create_connection((server.host, server.port), timeout=WAIT) as sock:
        for i, piece in enumerate(pieces):
            if i:
                time.sleep(0.2)
            sock.sendall(piece)
        data = b""
        end = time.monotonic() + WAIT
        while time.monotonic() < end and not _whole_answer(data):
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            data += chunk
        return data


def _whole_answer(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


# -- Host with userinfo, more than one Host --------------------------------------------------


def _added(api: Api) -> set[str]:
    return set(api.states()) - set(SEEDED)


@pytest.mark.parametrize(
    "host", ["evil.example@127.0.0.1", "user:secret-pw@localhost", "@127.0.0.1", "a@b@[::1]"]
)
def test_a_host_with_userinfo_is_400_before_the_admin_guard(api: Api, host: str) -> None:
    order = json.dumps([{"id": "0xinjected"}]).encode()
    post = {"Host": host, "Content-Type": "application/json"}
    refused = [
        api.http.post("/_mock/orders", content=order, headers=post),
        api.http.post("/_mock/faults", content=b'{"delay_seconds": 60}', headers=post),
        api.http.get("/_mock/accounts", headers={"Host": host}),
        api.http.get("/time", headers={"Host": host}),
        api.send("DELETE", "/cancel-all", headers={"Host": host}),
    ]
    for response in refused:
        assert response.status_code == 400, response.text
        error = json_of(response)["error"]
        assert "userinfo" in error and "RFC 9110" in error
        assert "evil" not in error and "secret-pw" not in error  # the value is not echoed
    assert api.states() == SEEDED  # nothing added, nothing canceled
    assert json_of(api.http.get("/_mock/faults")) == {}
    # the control: the same calls with a loopback Host are served
    ok = {"Host": "127.0.0.1", "Content-Type": "application/json"}
    assert api.http.post("/_mock/orders", content=order, headers=ok).status_code == 200
    assert _added(api) == {"0xinjected"}
    assert api.http.get("/time", headers={"Host": "127.0.0.1"}).status_code == 200


def test_a_second_host_is_400(api: Api) -> None:
    """Over a raw socket: httpx refuses to send two Hosts."""
    order = b'[{"id":"0xinjected"}]'
    for first, second in [(b"127.0.0.1", b"evil.example"), (b"127.0.0.1", b"127.0.0.1")]:
        answer = _exchange(
            api.server,
            b"POST /_mock/orders HTTP/1.1\r\nHost: %s\r\nHost: %s\r\n" % (first, second)
            + b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(order)
            + order,
        )
        assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
        assert b'{"error":"more than one Host header (RFC 9112 section 3.2)"}' in answer
    assert api.states() == SEEDED


# -- request heads over 64 KiB -----------------------------------------------------------------


@pytest.fixture(scope="module", params=["httptools", "h11"])
def parser_server(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    with MockServer(http=request.param) as server:
        yield server


def _get_time(*header_lines: bytes) -> bytes:
    return b"GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(header_lines) + b"\r\n"


def _assert_431(answer: bytes) -> None:
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    body = answer.partition(b"\r\n\r\n")[2]
    assert json.loads(body) == {"error": f"request head larger than {MAX_HEADER_BYTES} bytes"}
    assert b"connection: close" in answer.lower()


@pytest.mark.parametrize("size", [70_000, 100_000])
def test_one_large_header_in_one_read_is_431(parser_server: MockServer, size: int) -> None:
    """A head that completes in the read that takes it past the cap: served before."""
    _assert_431(_exchange(parser_server, _get_time(b"X-Big: " + b"a" * size + b"\r\n")))


def test_many_small_headers_over_the_cap_are_431(parser_server: MockServer) -> None:
    lines = [b"X-Pad-%04d: %s\r\n" % (i, b"b" * 100) for i in range(700)]  # ~80 KB
    _assert_431(_exchange(parser_server, _get_time(*lines)))


def test_a_head_at_the_cap_is_served_and_one_byte_more_is_431(parser_server: MockServer) -> None:
    """The count is the head as sent (request line, ``name: value`` CRLF each, the empty line)."""
    start = _get_time(b"X-Big: ")
    at_cap = _get_time(b"X-Big: " + b"c" * (MAX_HEADER_BYTES - len(start) - 2) + b"\r\n")
    assert len(at_cap) == MAX_HEADER_BYTES
    served = _exchange(parser_server, at_cap)
    assert served.startswith(b"HTTP/1.1 200 "), served[:200]
    over = at_cap.replace(b"X-Big: ", b"X-Big: c", 1)
    _assert_431(_exchange(parser_server, over))


def test_an_incomplete_head_past_the_cap_is_431(parser_server: MockServer) -> None:
    """Headers still coming when the cap is passed: the protocol answers, the app never runs."""
    start = b"GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "  # the head never ends
    first = start + b"d" * (MAX_HEADER_BYTES - 100 - len(start))
    _assert_431(_exchange(parser_server, first, b"d" * 200))


# -- a repeated POLY_* header ------------------------------------------------------------------

L2_NAMES = ["POLY_API_KEY", "POLY_ADDRESS", "POLY_PASSPHRASE", "POLY_TIMESTAMP", "POLY_SIGNATURE"]


@pytest.mark.parametrize("name", L2_NAMES)
@pytest.mark.parametrize("repeat", ["same", "other"])
def test_a_repeated_l2_header_is_401_naming_it_not_its_value(
    api: Api, name: str, repeat: str
) -> None:
    body = b'{"orderID":"0xa1"}'
    headers = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/order", body)
    control = api.http.request("DELETE", "/order", content=body, headers=headers)
    assert json_of(control)["canceled"] == ["0xa1"]
    api.server.reset()
    headers = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/order", body)
    second = headers[name] if repeat == "same" else "x" + headers[name]
    repeated = [*headers.items(), (name, second)]  # the first is the valid one
    response = api.http.request("DELETE", "/order", content=body, headers=repeated)
    assert response.status_code == 401, response.text
    assert json_of(response) == {
        "error": f"Unauthorized/Invalid api key: {name} sent more than once"
    }
    answer = response.text + str(response.headers)
    for value in (*headers.values(), second, DEFAULT_ACCOUNT.secret):
        if len(value) > 20:  # long enough not to occur in the text by chance
            assert value not in answer
    assert api.states() == SEEDED  # 0xa1 is still live


@pytest.mark.parametrize("name", ["POLY_ADDRESS", "POLY_SIGNATURE", "POLY_TIMESTAMP", "POLY_NONCE"])
def test_a_repeated_l1_header_is_401_naming_it(api: Api, name: str) -> None:
    headers = l1_headers(DEFAULT_ACCOUNT.private_key or "", DEFAULT_ACCOUNT.address)
    assert api.http.get("/auth/derive-api-key", headers=headers).status_code == 200
    repeated = [*headers.items(), (name, headers[name])]
    response = api.http.get("/auth/derive-api-key", headers=repeated)
    assert response.status_code == 401, response.text
    assert json_of(response) == {"error": f"Invalid L1 Request headers: {name} sent more than once"}
    assert DEFAULT_ACCOUNT.secret not in response.text


def test_a_repeated_header_keeps_the_unauthenticated_body_bound(api: Api) -> None:
    """A request with a repeated POLY_* header does not claim a known key: Content-Length says
    1 MiB, the client sends 64 KiB and waits, and the 401 comes unread, as without the headers
    (not a 408 once the body deadline passes)."""
    headers = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/orders", b"[]")
    poly = [(k, v) for k, v in headers.items() if k.startswith("POLY_")]
    poly.append(("POLY_API_KEY", headers["POLY_API_KEY"]))
    head = b"".join(b"%s: %s\r\n" % (k.encode(), v.encode()) for k, v in poly)
    answer = _exchange(
        api.server,
        b"DELETE /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + head
        + b"Content-Length: 1048576\r\n\r\n"
        + b" " * UNAUTHENTICATED_MAX_BODY_BYTES,
    )
    assert answer.startswith(b"HTTP/1.1 401 "), answer[:200]
    assert b"connection: close" in answer.lower()


# -- /cancel-market-orders filter keys, as Go reads them ---------------------------------------


def _cancel_market(api: Api, body: bytes) -> httpx.Response:
    return api.send("DELETE", "/cancel-market-orders", body)


def _live_after(api: Api, canceled: list[str]) -> dict[str, str]:
    return {i: "canceled" if i in canceled else state for i, state in SEEDED.items()}


@pytest.mark.parametrize(
    ("body", "canceled"),
    [
        ({"Market": MARKET_A}, ["0xa1", "0xa2"]),
        ({"MARKET": MARKET_B}, ["0xb1"]),
        ({"Asset_Id": ASSET_A1}, ["0xa1"]),
        ({"mArKeT": MARKET_A, "ASSET_ID": ASSET_A1}, ["0xa1"]),
        # U+212A KELVIN SIGN and U+017F LONG S fold to K and S in Go, as in its json decoding
        ({"mar\u212aet": MARKET_B}, ["0xb1"]),
        ({"a\u017f\u017fet_id": ASSET_B1}, ["0xb1"]),
        # of several keys for one filter the last wins: each overwrites the struct field
        ({"market": MARKET_B, "Market": MARKET_A}, ["0xa1", "0xa2"]),
        ({"Market": MARKET_A, "market": MARKET_B}, ["0xb1"]),
        # not a filter key under any case: ignored (the spec's object is open)
        ({"marketId": MARKET_B, "asset": ASSET_B1}, ["0xa1", "0xa2", "0xb1"]),
        ({"Market": ""}, ["0xa1", "0xa2", "0xb1"]),  # empty does not filter
    ],
)
def test_filter_keys_are_read_whatever_their_case(
    api: Api, body: dict[str, str], canceled: list[str]
) -> None:
    response = _cancel_market(api, json.dumps(body, ensure_ascii=False).encode())
    assert json_of(response) == {"canceled": canceled, "not_canceled": {}}
    assert api.states() == _live_after(api, canceled)


def test_a_repeated_key_in_the_body_keeps_document_order(api: Api) -> None:
    """{"market": B, "Market": A, "market": C}: Go sets the field three times, C last (a
    Python dict would keep "market" first and report A)."""
    body = b'{"market":"%s","Market":"%s","market":"%s"}' % (
        MARKET_B.encode(),
        MARKET_A.encode(),
        MARKET_B.encode(),
    )
    assert json_of(_cancel_market(api, body))["canceled"] == ["0xb1"]
    assert api.states() == _live_after(api, ["0xb1"])


@pytest.mark.parametrize("value", [5, None, [MARKET_A], {"id": MARKET_A}])
def test_a_filter_under_another_case_is_validated_as_the_filter(api: Api, value: object) -> None:
    response = _cancel_market(api, json.dumps({"Market": value}).encode())
    assert response.status_code == 400, response.text
    error = json_of(response)["error"]
    assert error.startswith("Invalid order payload: body['market']: expected string, got ")
    assert error.endswith("(sent as 'Market')")
    assert api.states() == SEEDED  # nothing canceled
