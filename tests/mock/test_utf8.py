"""JSON bodies are UTF-8 without a byte order mark (RFC 8259 section 8.1): json.loads(bytes)
also takes UTF-16/32 and a BOM, the mock must not."""

from __future__ import annotations

import json

import pytest

from .conftest import SEED, Api, json_of

ENCODINGS = ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_cancel_body_not_in_utf8_is_400_and_cancels_nothing(api: Api, encoding: str) -> None:
    body = '{"orderID":"0xa1"}'.encode(encoding)
    response = api.send("DELETE", "/order", body)  # signed over these very bytes
    assert response.status_code == 400, response.text
    assert json_of(response)["error"].startswith("Invalid order payload: ")
    assert api.states()["0xa1"] == "live"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_an_admin_body_not_in_utf8_is_400_and_adds_nothing(api: Api, encoding: str) -> None:
    body = json.dumps([{"id": "0xnew"}]).encode(encoding)
    headers = {"Content-Type": "application/json"}
    response = api.http.post("/_mock/orders", content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert "not valid JSON" in json_of(response)["error"]
    assert len(api.states()) == len(SEED)


def test_utf8_with_non_ascii_is_fine(api: Api) -> None:
    body = json.dumps({"orderID": "0xé€😀"}, ensure_ascii=False).encode()
    response = api.send("DELETE", "/order", body)
    assert response.status_code == 200
    assert list(json_of(response)["not_canceled"]) == ["0xé€😀"]


def test_utf8_encoded_surrogates_are_not_utf8(api: Api) -> None:
    response = api.send("DELETE", "/order", b'{"orderID":"\xed\xa0\x80"}')
    assert response.status_code == 400
    assert "not UTF-8" in json_of(response)["error"]
