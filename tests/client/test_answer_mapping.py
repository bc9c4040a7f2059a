"""An answer's ``not_canceled`` is a read-only mapping of id -> reason: an empty one is falsy, and
len, iteration, dict(), keys/items/values/get and equality behave as on a dict, so the obvious
``if answer.not_canceled:`` does what it says."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from clob_cancel import CancelOrdersResponse, CancelOrdersResponseNotCanceled

REASONS = {"0xb": "Order not found or already canceled", "0xc": "Order already matched"}
WIRE = {"canceled": ["0xa"], "not_canceled": REASONS}


def test_an_empty_not_canceled_is_falsy_and_empty() -> None:
    answer = CancelOrdersResponse.from_dict({"canceled": ["0xa"], "not_canceled": {}})
    assert not answer.not_canceled
    assert len(answer.not_canceled) == 0
    assert list(answer.not_canceled) == []
    assert dict(answer.not_canceled) == {}
    assert answer.not_canceled == {}


def test_not_canceled_reads_as_a_mapping() -> None:
    not_canceled = CancelOrdersResponse.from_dict(WIRE).not_canceled
    assert isinstance(not_canceled, Mapping)
    assert not_canceled
    assert len(not_canceled) == 2
    assert list(not_canceled) == ["0xb", "0xc"]  # the answer's order
    assert list(not_canceled.keys()) == ["0xb", "0xc"]
    assert list(not_canceled.values()) == list(REASONS.values())
    assert dict(not_canceled.items()) == REASONS
    assert dict(not_canceled) == REASONS
    assert not_canceled["0xc"] == "Order already matched"
    assert not_canceled.get("0xc") == "Order already matched"
    assert not_canceled.get("0xa") is None
    assert not_canceled.get("0xa", "-") == "-"
    assert "0xb" in not_canceled and "0xa" not in not_canceled and 7 not in not_canceled  # type: ignore[comparison-overlap]
    with pytest.raises(KeyError):
        not_canceled["0xa"]


def test_equality_is_by_content_with_any_mapping() -> None:
    one = CancelOrdersResponseNotCanceled.from_dict({"0xb": "gone"})
    assert one == {"0xb": "gone"}
    assert one == CancelOrdersResponseNotCanceled.from_dict({"0xb": "gone"})
    assert one != {"0xb": "matched"}
    assert one != CancelOrdersResponseNotCanceled()
    assert one != ["0xb"]  # type: ignore[comparison-overlap]
    # whole answers compare as attrs classes do, field by field, through the mapping's equality
    assert CancelOrdersResponse.from_dict(WIRE) == CancelOrdersResponse.from_dict(WIRE)


def test_it_is_read_only() -> None:
    not_canceled = CancelOrdersResponseNotCanceled.from_dict({"0xb": "gone"})
    with pytest.raises(TypeError):
        not_canceled["0xz"] = "x"  # type: ignore[index]
    with pytest.raises(TypeError):
        del not_canceled["0xb"]  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        hash(not_canceled)  # mutable content: unhashable, as a dict is


def test_an_answer_serializes_to_plain_json() -> None:
    answer = CancelOrdersResponse.from_dict(WIRE)
    plain = answer.to_dict()
    assert type(plain["not_canceled"]) is dict
    assert json.loads(json.dumps(plain)) == WIRE
