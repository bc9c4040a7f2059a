"""L2 auth: every check must pass, and a refused request changes nothing."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable

import pytest

from clob_cancel.signing import l2_signature
from clob_cancel_mock import DEFAULT_ACCOUNT

from .conftest import OTHER, Api, json_of, signed_headers

UNAUTHORIZED = {"error": "Unauthorized/Invalid api key"}
BODY = b'{"orderID":"0xa1"}'


def _forged(headers: dict[str, str]) -> None:
    headers["POLY_SIGNATURE"] = base64.urlsafe_b64encode(b"\x00" * 32).decode()


def _other_body(headers: dict[str, str]) -> None:  # a valid signature, of another body
    headers.update(signed_headers(DEFAULT_ACCOUNT, "DELETE", "/order", b'{"orderID":"0xa2"}'))


def _other_path(headers: dict[str, str]) -> None:
    headers.update(signed_headers(DEFAULT_ACCOUNT, "DELETE", "/orders", BODY))


def _stale(headers: dict[str, str]) -> None:
    stale = int(time.time()) - 301
    headers.update(signed_headers(DEFAULT_ACCOUNT, "DELETE", "/order", BODY, timestamp=stale))


def _future(headers: dict[str, str]) -> None:
    # int() drops up to a second and the request takes its own time: the mock's clock is a float,
    # so +301 was accepted whenever those added up to a second (seen once in CI, under load).
    future = int(time.time()) + 302
    headers.update(signed_headers(DEFAULT_ACCOUNT, "DELETE", "/order", BODY, timestamp=future))


def _other_accounts_key(headers: dict[str, str]) -> None:  # signed with my secret, their key
    headers["POLY_API_KEY"] = OTHER.api_key


def _other_accounts_passphrase(headers: dict[str, str]) -> None:
    headers["POLY_PASSPHRASE"] = OTHER.passphrase


def _other_address(headers: dict[str, str]) -> None:
    headers["POLY_ADDRESS"] = OTHER.address


def _signed_by_other_secret(headers: dict[str, str]) -> None:
    mine = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/order", BODY)
    theirs = signed_headers(OTHER, "DELETE", "/order", BODY, timestamp=int(mine["POLY_TIMESTAMP"]))
    headers.update(mine, POLY_SIGNATURE=theirs["POLY_SIGNATURE"])


def _unknown_key(headers: dict[str, str]) -> None:
    headers["POLY_API_KEY"] = "00000000-0000-4000-8000-000000000000"


def _non_numeric_timestamp(headers: dict[str, str]) -> None:
    headers["POLY_TIMESTAMP"] = headers["POLY_TIMESTAMP"] + ".0"


def _method_changed(headers: dict[str, str]) -> None:
    headers.update(signed_headers(DEFAULT_ACCOUNT, "POST", "/order", BODY))


BREAKERS: dict[str, Callable[[dict[str, str]], None]] = {
    "forged signature": _forged,
    "signature of another body": _other_body,
    "signature of another path": _other_path,
    "signature of another method": _method_changed,
    "stale timestamp": _stale,
    "future timestamp": _future,
    "non-numeric timestamp": _non_numeric_timestamp,
    "other account's api key": _other_accounts_key,
    "other account's passphrase": _other_accounts_passphrase,
    "other account's address": _other_address,
    "signed with the other account's secret": _signed_by_other_secret,
    "unknown api key": _unknown_key,
}
for _name in (
    "POLY_ADDRESS",
    "POLY_SIGNATURE",
    "POLY_TIMESTAMP",
    "POLY_API_KEY",
    "POLY_PASSPHRASE",
):
    BREAKERS[f"missing {_name}"] = lambda h, n=_name: h.pop(n)  # type: ignore[misc]
    BREAKERS[f"empty {_name}"] = lambda h, n=_name: h.__setitem__(n, "")  # type: ignore[misc]


@pytest.mark.parametrize("breaker", BREAKERS.values(), ids=BREAKERS.keys())
def test_broken_auth_is_401_and_cancels_nothing(
    api: Api, breaker: Callable[[dict[str, str]], None]
) -> None:
    headers = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/order", BODY)
    breaker(headers)
    response = api.http.request("DELETE", "/order", content=BODY, headers=headers)
    assert response.status_code == 401
    assert json_of(response) == UNAUTHORIZED
    assert api.states()["0xa1"] == "live"


@pytest.mark.parametrize("path", ["/orders", "/cancel-all", "/cancel-market-orders"])
def test_every_cancel_operation_needs_auth(api: Api, path: str) -> None:
    response = api.http.request("DELETE", path, content=b'["0xa1"]' if path == "/orders" else b"")
    assert response.status_code == 401
    assert api.states()["0xa1"] == "live"


def test_auth_is_checked_before_the_body(api: Api) -> None:
    response = api.http.request("DELETE", "/order", content=b"{not json")
    assert response.status_code == 401


def test_lowercase_address_and_query_string_are_accepted(api: Api) -> None:
    headers = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/order", BODY)
    headers["POLY_ADDRESS"] = headers["POLY_ADDRESS"].lower()
    response = api.http.request("DELETE", "/order?x=1", content=BODY, headers=headers)
    assert json_of(response) == {"canceled": ["0xa1"], "not_canceled": {}}


def test_timestamp_at_the_edge_of_the_window_is_accepted(api: Api) -> None:
    edge = int(time.time()) - 295
    headers = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/order", BODY, timestamp=edge)
    response = api.http.request("DELETE", "/order", content=BODY, headers=headers)
    assert response.status_code == 200


def _replaced_form_signature(ts: str, method: str, path: str, body: bytes) -> str:
    """py-clob-client's signature: over the body with every ' replaced by "."""
    return l2_signature(DEFAULT_ACCOUNT.creds, ts, method, path, body.replace(b"'", b'"'))


def test_a_body_with_an_apostrophe_signed_over_its_exact_bytes_is_accepted(api: Api) -> None:
    api.server.add_orders([{"id": "o'k"}])
    body = b'{"orderID":"o\'k"}'
    headers = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/order", body)
    response = api.http.request("DELETE", "/order", content=body, headers=headers)
    assert json_of(response)["canceled"] == ["o'k"]


def test_a_body_with_an_apostrophe_signed_in_the_quote_replaced_form_is_401(api: Api) -> None:
    api.server.add_orders([{"id": "it's"}])
    body = b'{"orderID":"it\'s"}'
    headers = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/order", body)
    headers["POLY_SIGNATURE"] = _replaced_form_signature(
        headers["POLY_TIMESTAMP"], "DELETE", "/order", body
    )
    response = api.http.request("DELETE", "/order", content=body, headers=headers)
    assert response.status_code == 401
    assert json_of(response) == UNAUTHORIZED
    assert api.states()["it's"] == "live"


def test_a_captured_market_cancel_replayed_with_swapped_quotes_is_401(api: Api) -> None:
    """Both bodies have the same quote-replaced form; the second parses as an object with no
    filter, i.e. cancel everything: only the exact bytes may be verified."""
    api.server.add_orders([{"id": "0xm", "market": "M"}])
    body = b'{"market":"M","asset_id":""}'
    swapped = b"{\"market':'M','asset_id\":\"\"}"
    assert body.replace(b"'", b'"') == swapped.replace(b"'", b'"')
    headers = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/cancel-market-orders", body)
    accepted = api.http.request("DELETE", "/cancel-market-orders", content=body, headers=headers)
    assert json_of(accepted) == {"canceled": ["0xm"], "not_canceled": {}}
    before = api.states()
    replayed = api.http.request("DELETE", "/cancel-market-orders", content=swapped, headers=headers)
    assert replayed.status_code == 401
    assert json_of(replayed) == UNAUTHORIZED
    assert api.states() == before
    # what the replay would have done: the swapped body, signed for itself, cancels everything
    own = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/cancel-market-orders", swapped)
    everything = api.http.request("DELETE", "/cancel-market-orders", content=swapped, headers=own)
    assert sorted(json_of(everything)["canceled"]) == ["0xa1", "0xa2", "0xb1"]


def test_timestamp_window_is_configurable() -> None:
    from clob_cancel_mock import MockServer

    with MockServer(orders=[{"id": "0xa1"}], timestamp_window=5) as server:
        api = Api(server)
        old = int(time.time()) - 30
        headers = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/order", BODY, timestamp=old)
        assert (
            api.http.request("DELETE", "/order", content=BODY, headers=headers).status_code == 401
        )
        assert api.cancel("0xa1").status_code == 200
        api.http.close()


def test_clock_offset_moves_the_servers_clock() -> None:
    from clob_cancel_mock import MockServer

    with MockServer(orders=[{"id": "0xa1"}], clock_offset=-1000) as server:
        api = Api(server)
        server_time = api.http.get("/time").json()
        assert abs(server_time - (time.time() - 1000)) < 5
        assert api.cancel("0xa1").status_code == 401  # signed with the client's clock
        headers = signed_headers(DEFAULT_ACCOUNT, "DELETE", "/order", BODY, timestamp=server_time)
        response = api.http.request("DELETE", "/order", content=BODY, headers=headers)
        assert response.json()["canceled"] == ["0xa1"]
        api.http.close()
