"""A /cancel-market-orders filter key in another letter case (``{"Market": M}``): the spec's open
object lets a server ignore it (cancel every order) or read it as the filter (Go's encoding/json,
and our mock), so the suite judges neither reading, and still judges the exact keys."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from clob_cancel_conformance import cancel_checks, contract

KEY = "key-1"
BEFORE = {
    "0xa": {"owner": KEY, "state": "live", "market": "M", "asset_id": "1"},
    "0xb": {"owner": KEY, "state": "live", "market": "N", "asset_id": "2"},
}


def should_cancel(body: Any) -> list[str] | None:
    sent = contract.Sent("DELETE", contract.CANCEL_MARKET, "", {}, json.dumps(body).encode())
    target: Any = SimpleNamespace(creds=SimpleNamespace(api_key=KEY))
    return cancel_checks.should_cancel(sent, BEFORE, target)


@pytest.mark.parametrize(
    "body", [{"Market": "M"}, {"ASSET_ID": "1"}, {"market": "M", "MARKET": "N"}]
)
def test_a_filter_key_in_another_case_is_not_judged(body: dict[str, str]) -> None:
    assert contract.filter_key_in_other_case(body)
    assert should_cancel(body) is None


def test_the_exact_keys_and_unrelated_keys_are_still_judged() -> None:
    assert should_cancel({"market": "M"}) == ["0xa"]
    assert should_cancel({"asset_id": "2"}) == ["0xb"]
    assert should_cancel({"marketId": "M"}) == ["0xa", "0xb"]  # not a filter: every order
    assert not contract.filter_key_in_other_case({"marketId": "M", "market": "M"})
