"""What the mock gained for desks: faults aimed at some accounts, and the fast acceptance of a
DELETE /orders body, which must accept exactly what the spec's schema accepts."""

from __future__ import annotations

from typing import Any

import pytest

from clob_cancel_mock import parse_faults
from clob_cancel_mock.contract import Contract, string_array_bounds
from clob_cancel_mock.faults import FaultsError


def test_api_keys_aim_the_faults_and_round_trip() -> None:
    faults = parse_faults({"trading_disabled": True, "api_keys": ["k2", "k1"]})
    assert faults.hits("k1") and not faults.hits("k3") and not faults.hits(None)
    assert faults.to_json() == {"trading_disabled": True, "api_keys": ["k1", "k2"]}
    assert parse_faults(faults.to_json()) == faults
    assert parse_faults({"status": 503}).hits("anyone")


@pytest.mark.parametrize("bad", [[], "k1", [1], [None]])
def test_api_keys_must_be_a_list_of_keys(bad: Any) -> None:
    with pytest.raises(FaultsError, match=r"faults\.api_keys"):
        parse_faults({"status": 503, "api_keys": bad})


BODIES: list[Any] = [
    [],
    ["0x1"],
    ["0x1"] * 1000,
    ["0x1"] * 1001,
    ["0x1", 2],
    ["0x1", None],
    [["0x1"]],
    ["0x1", True],
    {"0x1": 1},
    "0x1",
    None,
    [""],
    ["\u00e9"],
]


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_the_fast_check_agrees_with_the_schema(body: Any) -> None:
    operation = Contract.load().by_id("cancel_orders")
    assert operation.string_array == (0, 1000)
    expected = operation.validator.is_valid(body)
    try:
        operation.validate(body)
        accepted = True
    except ValueError:
        accepted = False
    assert accepted == expected


def test_only_a_plain_array_of_strings_gets_the_fast_check() -> None:
    strings = {"type": "string"}
    assert string_array_bounds({"type": "array", "items": strings, "maxItems": 3}) == (0, 3)
    assert string_array_bounds({"type": "array", "items": {**strings, "pattern": "^0x"}}) is None
    assert string_array_bounds({"type": "array", "items": strings, "uniqueItems": True}) is None
    assert string_array_bounds({"type": "array", "items": {"type": "integer"}}) is None
    assert string_array_bounds({"type": "object"}) is None
    assert string_array_bounds(None) is None
