"""Against a server the suite cannot seed (staging without a seed command, the real CLOB), every
bug that does not need live orders is still caught, for the same reason; and the correct mock
passes there too."""

from __future__ import annotations

from pathlib import Path

import pytest

from clob_cancel_mock import MockClob
from tests.broken_servers import proof
from tests.broken_servers.catching import WITHOUT_ORDERS, assert_caught, ids
from tests.broken_servers.variants import Variant


@pytest.mark.parametrize("variant", WITHOUT_ORDERS, ids=ids(WITHOUT_ORDERS))
def test_suite_catches_without_admin_surface(variant: Variant, tmp_path: Path) -> None:
    assert_caught(variant, tmp_path / "junit.xml", as_foreign=True)


def test_correct_mock_passes_without_admin_surface(tmp_path: Path) -> None:
    outcome = proof.run_suite(MockClob, tmp_path / "junit.xml", as_foreign=True)
    assert outcome.failures == [], "\n\n".join(outcome.failures)
    assert outcome.exit_code == 0
