"""The proof, second half of the variants on the mock (test_catches_bugs.py has the first)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.broken_servers.catching import ON_MOCK, assert_caught, ids
from tests.broken_servers.variants import Variant

SECOND_HALF = ON_MOCK[len(ON_MOCK) // 2 :]


@pytest.mark.parametrize("variant", SECOND_HALF, ids=ids(SECOND_HALF))
def test_suite_catches(variant: Variant, tmp_path: Path) -> None:
    assert_caught(variant, tmp_path / "junit.xml")
