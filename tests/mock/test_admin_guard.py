"""The /_mock/ admin surface refuses what a web page could send it: a cross-site "simple"
request (text/plain, a form, no preflight), a foreign Origin, a DNS-rebinding Host. Over real
HTTP against the module's MockServer on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from .conftest import SEED, Api, json_of

FAULTS = json.dumps({"delay_seconds": 60}).encode()
ORDERS = json.dumps([{"id": "0xinjected"}]).encode()


def _unchanged(api: Api) -> None:
    """The state the fixture starts from: the seed, no faults."""
    assert api.states() == {o["id"]: o.get("state", "live") for o in SEED}
    assert json_of(api.http.get("/_mock/faults")) == {}


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        None,
    ],
)
@pytest.mark.parametrize(("path", "body"), [("/_mock/orders", ORDERS), ("/_mock/faults", FAULTS)])
def test_a_post_that_is_not_json_is_415_and_changes_nothing(
    api: Api, path: str, body: bytes, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = api.http.post(path, content=body, headers=headers)
    assert response.status_code == 415, response.text
    assert "Content-Type: application/json" in json_of(response)["error"]
    _unchanged(api)


def test_a_text_plain_reset_is_415_and_resets_nothing(api: Api) -> None:
    api.http.post("/_mock/orders", json=[{"id": "0xkept"}])
    response = api.http.post("/_mock/reset", content=b"", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert "0xkept" in api.states()
    assert api.http.post("/_mock/reset").status_code == 200  # no body, no type: allowed
    assert "0xkept" not in api.states()


def test_json_with_parameters_is_accepted(api: Api) -> None:
    response = api.http.post(
        "/_mock/orders", content=ORDERS, headers={"Content-Type": "Application/JSON; charset=utf-8"}
    )
    assert response.status_code == 200
    assert "0xinjected" in api.states()


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "null",
        "http://127.0.0.1.evil.example",
        "file://",
        "http://localhost",
        "http://127.0.0.1:1",
        "ftp://127.0.0.1",
        "http://user@127.0.0.1",
    ],
)
def test_a_foreign_origin_is_403_on_every_admin_request(api: Api, origin: str) -> None:
    headers = {"Origin": origin, "Content-Type": "application/json"}
    for path, body in [("/_mock/orders", ORDERS), ("/_mock/faults", FAULTS), ("/_mock/reset", b"")]:
        response = api.http.post(path, content=body, headers=headers)
        assert response.status_code == 403, (path, response.text)
        assert "Origin" in json_of(response)["error"]
    assert api.http.get("/_mock/accounts", headers={"Origin": origin}).status_code == 403
    _unchanged(api)


def test_the_mocks_own_origin_under_a_loopback_name_is_allowed(api: Api) -> None:
    port = api.server.port
    for origin in (f"http://127.0.0.1:{port}", f"http://localhost:{port}", f"https://[::1]:{port}"):
        response = api.http.post(
            "/_mock/orders",
            content=ORDERS,
            headers={"Origin": origin, "Content-Type": "application/json"},
        )
        assert response.status_code == 200, (origin, response.text)


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:{port}", "127.0.0.1.nip.io:{port}", "localhost.evil"]
)
def test_a_dns_rebinding_host_is_421_on_the_admin_surface(api: Api, host: str) -> None:
    """A rebinding page reaches 127.0.0.1 under its own name: the Host names it, and its Origin
    is the page's own (same-origin to the browser), so only the Host check stops it."""
    host = host.format(port=api.server.port)
    origin = f"http://{host}"
    for path, body in [("/_mock/orders", ORDERS), ("/_mock/faults", FAULTS), ("/_mock/reset", b"")]:
        headers = {"Host": host, "Content-Type": "application/json"}
        response = api.http.post(path, content=body, headers=headers)
        assert response.status_code == 421, (path, response.text)
        response = api.http.post(path, content=body, headers={**headers, "Origin": origin})
        assert response.status_code in (403, 421)
    assert api.http.get("/_mock/accounts", headers={"Host": host}).status_code == 421
    _unchanged(api)


@pytest.mark.parametrize("host", ["localhost", "localhost:{port}", "127.0.0.1:{port}", "[::1]:9"])
def test_loopback_hosts_are_allowed(api: Api, host: str) -> None:
    response = api.http.get("/_mock/accounts", headers={"Host": host.format(port=api.server.port)})
    assert response.status_code == 200


def test_the_clob_operations_do_not_check_host_or_origin(api: Api) -> None:
    """Only the admin surface: the CLOB's own answers are for any client, as the real one's."""
    headers = {"Host": "evil.example", "Origin": "http://evil.example"}
    assert api.http.get("/time", headers=headers).status_code == 200
