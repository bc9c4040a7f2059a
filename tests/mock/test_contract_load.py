"""The mock reads its contract from the spec: the shipped one as it is, any other one validated."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from clob_cancel.spec import spec_path
from clob_cancel_mock import create_app
from clob_cancel_mock.contract import Contract


def _copy(tmp_path: Path, edit: object = None) -> Path:
    spec = yaml.safe_load(spec_path().read_text(encoding="utf-8"))
    if callable(edit):
        edit(spec)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_a_changed_spec_changes_the_mock(tmp_path: Path) -> None:
    def lower_cap(spec: dict) -> None:  # type: ignore[type-arg]
        spec["components"]["schemas"]["CancelOrdersRequest"]["maxItems"] = 7

    assert Contract.load().by_id("cancel_orders").max_items == 1000
    assert Contract.load(_copy(tmp_path, lower_cap)).by_id("cancel_orders").max_items == 7


def test_a_spec_other_than_the_shipped_one_is_validated_before_it_is_served(
    tmp_path: Path,
) -> None:
    def break_it(spec: dict) -> None:  # type: ignore[type-arg]
        del spec["paths"]["/order"]["delete"]["responses"]

    with pytest.raises(Exception, match="responses"):
        create_app(spec=_copy(tmp_path, break_it))
